"""`salter backup` while Šalter writes, `salter restore` into an empty installation:
the same cases, documents (by checksum) and timeline come back, on the database the
suite runs on (SQLite or PostgreSQL)."""

import json
import os
import subprocess
import threading
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from salter.cases.actions import add_note
from salter.cases.models import Case, CaseEvent
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from tests.workspace.conftest import new_case, new_person

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
SALTER = ROOT / ".venv" / "bin" / "salter"

# What a restored installation is compared by: every case with its timeline, every
# document by the checksum of its bytes.
SNAPSHOT = """
import hashlib, json
from salter.cases.models import Case
from salter.documents.models import Document
from salter.documents.storage import read_blob
print(json.dumps({
  "cases": [[c.registry_number, c.subject,
             [[e.kind, e.text] for e in c.events.order_by("at", "id")]]
            for c in Case.objects.order_by("registry_number")],
  "documents": sorted([d.filename, d.blob.sha256, hashlib.sha256(read_blob(d.blob)).hexdigest()]
                      for d in Document.objects.select_related("blob")),
}))
"""


def snapshot_here() -> dict:
    import hashlib

    from salter.documents.storage import read_blob
    return {
        "cases": [[c.registry_number, c.subject,
                   [[e.kind, e.text] for e in c.events.order_by("at", "id")]]
                  for c in Case.objects.order_by("registry_number")],
        "documents": sorted([d.filename, d.blob.sha256,
                             hashlib.sha256(read_blob(d.blob)).hexdigest()]
                            for d in Document.objects.select_related("blob")),
    }


@pytest.fixture
def data(clerk):
    person = new_person(clerk, first="Ђорђе", last="Kovács")
    case = new_case(clerk, subject="Rupa na putu", clients=[person])
    add_note(actor=clerk, case=case, text="Ekipa izlazi sutra")
    small = store_bytes(b"%PDF-1.4 mala prijava")
    large = store_bytes(os.urandom(300_000))  # beyond the inline limit: a file
    for blob, name in ((small, "prijava.pdf"), (large, "snimak.jpg")):
        Document.objects.create(municipality=clerk.municipality, case=case, blob=blob,
                                filename=name)
    return case


@pytest.fixture
def empty_installation(tmp_path):
    """Environment of a second, empty Šalter: its own database and document store."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SALTER_MEDIA_ROOT"] = str(tmp_path / "restored-media")
    env["DJANGO_SETTINGS_MODULE"] = "salter.settings"
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        yield env
        return
    settings = connection.settings_dict
    name = f"{settings['NAME']}_restore"
    admin = psycopg.connect(host=settings["HOST"], port=settings["PORT"] or 5432,
                            user=settings["USER"], password=settings["PASSWORD"] or None,
                            dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = (f"postgres://{settings['USER']}@{settings['HOST']}:"
                           f"{settings['PORT'] or 5432}/{name}")
    try:
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def shell(env, code) -> dict:
    out = salter(env, "shell", "--no-imports", "-c", code).stdout
    return json.loads(out.strip().splitlines()[-1])


def salter(env, *args, check=True):
    result = subprocess.run([str(SALTER), *args], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0 or not check, result.stderr
    return result


def test_a_backup_restores_the_same_cases_documents_and_timeline(
        data, tmp_path, empty_installation):
    before = snapshot_here()
    target = tmp_path / "backup"
    call_command("backup", "--output", str(target))
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=target, capture_output=True,
                          text=True)
    assert sums.returncode == 0, sums.stdout + sums.stderr
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor and manifest["files"] == 1

    restored = salter(empty_installation, "restore", str(target))
    assert "Restored the backup" in restored.stdout, restored.stderr
    after = shell(empty_installation, SNAPSHOT)
    assert after == json.loads(json.dumps(before))
    assert len(after["documents"]) == 2 and after["cases"][0][2][-1] == ["note",
                                                                       "Ekipa izlazi sutra"]
    # The installation now holds data: a second restore is refused.
    again = salter(empty_installation, "restore", str(target), check=False)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_backup_is_refused_naming_the_file(data, tmp_path, empty_installation):
    target = tmp_path / "backup"
    call_command("backup", "--output", str(target))
    [stored] = [p for p in (target / "blobs").rglob("*") if p.is_file()]
    stored.write_bytes(b"not what it was")
    refused = salter(empty_installation, "restore", str(target), check=False)
    assert refused.returncode != 0
    assert f"{stored.relative_to(target).as_posix()} does not match its checksum" in (
        refused.stderr)


def test_a_backup_taken_while_cases_are_written_is_consistent(
        clerk, data, tmp_path, empty_installation):
    stop = threading.Event()
    written = []

    def keep_writing():
        from django.db import connections
        try:
            while not stop.is_set():
                case = new_case(clerk, subject=f"Novi predmet {len(written)}")
                Document.objects.create(municipality=clerk.municipality, case=case,
                                        blob=store_bytes(os.urandom(200_000)),
                                        filename=f"scan-{len(written)}.jpg")
                written.append(case.pk)
        finally:
            connections.close_all()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        call_command("backup", "--output", str(tmp_path / "backup"))
    finally:
        stop.set()
        writer.join()
    salter(empty_installation, "restore", str(tmp_path / "backup"))
    check = """
import json
from salter.cases.models import Case
from salter.documents.models import Document
from salter.documents.storage import read_blob
import hashlib
bad = [d.pk for d in Document.objects.select_related("blob")
       if hashlib.sha256(read_blob(d.blob)).hexdigest() != d.blob.sha256]
print(json.dumps({"cases": Case.objects.count(), "bad": bad,
                  "without_opening": Case.objects.exclude(events__kind="created").count()}))
"""
    result = shell(empty_installation, check)
    assert result["bad"] == [] and result["without_opening"] == 0
    assert result["cases"] >= 4  # the first case and the ones written before the backup


def test_restore_refuses_an_installation_that_is_not_empty(data, tmp_path):
    call_command("backup", "--output", str(tmp_path / "backup"))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "backup"))
    assert Case.objects.count() == 1 and CaseEvent.objects.count() >= 2


def test_a_backup_never_overwrites_a_directory(data, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "old").write_text("keep")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--output", str(tmp_path / "backup"))


