"""Writing a backup directory and bringing one back (`salter backup`, `salter restore`)."""

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from salter.backup import database
from salter.backup.database import BackupError
from salter.documents.storage import blob_path

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
_CHUNK = 1 << 20


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_verified(source: Path, target: Path, sha256: str) -> None:
    """Copy a stored file, checking on the way that it still has the bytes of its name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != sha256:
        target.unlink()
        raise BackupError(f"stored file {source} does not match its checksum: the "
                          "document store is damaged there")


def _counts() -> dict:
    from salter.cases.models import Case, CaseEvent
    from salter.clients.models import Client
    from salter.documents.models import Blob, Document

    return {"cases": Case.objects.count(), "timeline_entries": CaseEvent.objects.count(),
            "clients": Client.objects.count(), "documents": Document.objects.count(),
            "stored_contents": Blob.objects.count()}


def _relative_blob(sha256: str) -> Path:
    return Path("blobs") / sha256[:2] / sha256[2:4] / sha256


def default_target() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"salter-{stamp}"


def write_backup(target: Path) -> dict:
    """Write a backup of the configured installation into the new directory `target`."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} exists and is not empty; name a new directory")
    target.mkdir(parents=True, exist_ok=True)
    vendor = database.engine()
    started = datetime.now(UTC)
    dump = database.dump_sqlite if vendor == "sqlite" else database.dump_postgres
    db_file, files, counts = dump(target)
    missing = []
    for sha256, _size in files:
        source = blob_path(sha256)
        if not source.exists():
            missing.append(sha256)
            continue
        _copy_verified(source, target / _relative_blob(sha256), sha256)
    if missing:
        raise BackupError(f"{len(missing)} stored file(s) the database refers to are not in "
                          f"{Path(settings.MEDIA_ROOT) / 'blobs'} (first: {missing[0]}); the "
                          "document store is incomplete")
    manifest = {
        "format": FORMAT, "created_at": started.isoformat(), "engine": vendor,
        "database_file": db_file, "files": len(files),
        "file_bytes": sum(size for _sha, size in files),
        "migrations": _migrations(), "counts": counts,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    entries = [target / db_file, target / MANIFEST,
               *(target / _relative_blob(sha) for sha, _size in files)]
    lines = [f"{_sha256_of(p)}  {p.relative_to(target).as_posix()}" for p in entries]
    (target / SUMS).write_text("\n".join(lines) + "\n")
    return manifest


def _migrations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def verify_backup(source: Path) -> dict:
    """Check every file against SHA256SUMS; the manifest, if all is well."""
    sums = source / SUMS
    if not sums.exists():
        raise BackupError(f"{source} is not a Šalter backup (no {SUMS})")
    listed = {}
    for line in sums.read_text().splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    for name, digest in listed.items():
        path = source / name
        if not path.exists():
            raise BackupError(f"{name} is missing from the backup")
        if _sha256_of(path) != digest:
            raise BackupError(f"{name} does not match its checksum: the backup is damaged")
    manifest = json.loads((source / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def restore_backup(source: Path) -> dict:
    """Bring the backup in `source` into the configured installation, which must be
    empty; then apply newer migrations. Returns the manifest."""
    manifest = verify_backup(source)
    vendor = database.engine()
    if manifest["engine"] != vendor:
        raise BackupError(f"this is a backup of a {manifest['engine']} database; the "
                          f"installation uses {vendor} (set DATABASE_URL)")
    blobs = Path(settings.MEDIA_ROOT) / "blobs"
    if blobs.exists() and any(blobs.iterdir()):
        raise BackupError(f"the document store {blobs} is not empty; restore into an empty "
                          "installation")
    db_file = source / manifest["database_file"]
    if vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        connection.close()
        if not database.sqlite_is_empty(target):
            raise BackupError(f"the database {target} is not empty; restore into an empty "
                              "installation (a new DATABASE_URL)")
        database.restore_sqlite(db_file, target)
    else:
        if not database.postgres_is_empty():
            raise BackupError("the database is not empty; restore into an empty "
                              "installation (createdb a new one, set DATABASE_URL)")
        database.restore_postgres(db_file)
    for path in sorted((source / "blobs").rglob("*")) if (source / "blobs").exists() else []:
        if path.is_file():
            _copy_verified(path, blob_path(path.name), path.name)
    call_command("migrate", interactive=False, verbosity=0)
    return manifest


def restored_counts() -> dict:
    return _counts()


__all__ = ["BackupError", "restore_backup", "restored_counts", "verify_backup",
           "write_backup"]
