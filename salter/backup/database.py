"""The database half of a backup: one snapshot, written and restored per engine, with
the stored files it refers to."""

import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
# Stored files live outside the database when the row's data is NULL (decision 8).
_FILE_BLOBS = "SELECT sha256, size FROM documents_blob WHERE data IS NULL ORDER BY sha256"


def _counts_sql() -> str:
    """What the manifest counts, read in the snapshot the backup copies."""
    from salter.cases.models import Case, CaseEvent
    from salter.clients.models import Client
    from salter.documents.models import Blob, Document

    parts = [f"(SELECT count(*) FROM {model._meta.db_table}) AS {name}" for name, model in (
        ("cases", Case), ("timeline_entries", CaseEvent), ("clients", Client),
        ("documents", Document), ("stored_contents", Blob))]
    return "SELECT " + ", ".join(parts)


COUNTED = ("cases", "timeline_entries", "clients", "documents", "stored_contents")


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of a {vendor} database are not supported")
    return vendor


# SQLite ------------------------------------------------------------------------------

def dump_sqlite(target_dir: Path) -> tuple[str, list[tuple[str, int]], dict]:
    """Copy the live database with the online backup API; the file list is read from the
    copy, so it is the copy's own."""
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target_path = target_dir / SQLITE_FILE
    target = sqlite3.connect(target_path)
    try:
        # Pages in steps, so that writers are not held up for the whole copy; SQLite
        # starts again if a writer changed the source meanwhile, so the copy is one moment.
        source.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        files = target.execute(_FILE_BLOBS).fetchall()
        counts = dict(zip(COUNTED, target.execute(_counts_sql()).fetchone(), strict=True))
    finally:
        target.close()
        source.close()
    return SQLITE_FILE, files, counts


def sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    db = sqlite3.connect(path)
    try:
        return not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%' LIMIT 1").fetchall()
    finally:
        db.close()


def restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)  # empty: checked before
    source = sqlite3.connect(backup_file)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")
    finally:
        destination.close()
        source.close()


# PostgreSQL --------------------------------------------------------------------------

def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump / pg_restore of the server's major version (Debian keeps each under
    /usr/lib/postgresql/N/bin), else one on PATH that is not older than the server."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name)]
    for path in filter(None, candidates):
        if not os.access(path, os.X_OK):
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        found = re.search(r"(\d+)(?:\.\d+)?", version)
        if found and int(found.group(1)) >= server_major:
            return path
    raise BackupError(
        f"{name} for PostgreSQL {server_major} (or newer) is not installed: "
        f"apt-get install postgresql-client-{server_major}")


def _pg_env(settings_dict) -> dict:
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                      ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    env["PGDATABASE"] = settings_dict["NAME"]
    return env


@contextmanager
def _snapshot():
    """A transaction whose snapshot pg_dump shares (`--snapshot`), held until it ends."""
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            yield cursor, cursor.fetchone()[0]
        finally:
            cursor.execute("ROLLBACK")


def dump_postgres(target_dir: Path) -> tuple[str, list[tuple[str, int]], dict]:
    pg_dump = pg_tool("pg_dump", _server_major())
    env = _pg_env(connection.settings_dict)
    connection.ensure_connection()
    with _snapshot() as (cursor, snapshot):
        cursor.execute(_FILE_BLOBS)
        files = cursor.fetchall()
        cursor.execute(_counts_sql())
        counts = dict(zip(COUNTED, cursor.fetchone(), strict=True))
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
             f"--snapshot={snapshot}", f"--file={target_dir / POSTGRES_FILE}"],
            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return POSTGRES_FILE, files, counts


def postgres_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = current_schema()")
        return cursor.fetchone()[0] == 0


def restore_postgres(backup_file: Path) -> None:
    pg_restore = pg_tool("pg_restore", _server_major())
    env = _pg_env(connection.settings_dict)
    connection.close()  # pg_restore works in its own session
    result = subprocess.run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={env['PGDATABASE']}", str(backup_file)],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
