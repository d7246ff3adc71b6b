"""The content-addressed store: small content in its row, large content in a synced file,
the same bytes read back either way."""

import hashlib
import os

import pytest
from django.db import transaction

from salter.documents import storage
from salter.documents.models import Blob
from salter.documents.storage import (
    blob_path,
    read_blob,
    save_blobs,
    store_blobs,
    store_bytes,
    unsaved_blobs,
    write_blob_files,
)

pytestmark = pytest.mark.django_db

SMALL = b"%PDF-1.4 zahtev za gradjevinsku dozvolu"
LARGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # 2,056 bytes


@pytest.fixture(autouse=True)
def _inline_limit(settings):
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 1024


@pytest.fixture
def syncs(monkeypatch):
    """Every sync the store asks for: ("fsync", path) or ("syncfs", path)."""
    calls = []
    real_fsync = os.fsync

    def fsync(fd):
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def syncfs(fd):
        calls.append(("syncfs", os.readlink(f"/proc/self/fd/{fd}")))
        return 0

    monkeypatch.setattr(storage.os, "fsync", fsync)
    monkeypatch.setattr(storage, "_syncfs", syncfs)
    return calls


def _fresh(blob: Blob) -> Blob:
    return Blob.objects.get(pk=blob.pk)


def test_small_content_lives_in_its_row_without_a_file():
    blob = store_bytes(SMALL)

    assert blob.sha256 == hashlib.sha256(SMALL).hexdigest() and blob.size == len(SMALL)
    assert read_blob(_fresh(blob)) == SMALL
    assert not blob_path(blob.sha256).exists()


def test_large_content_is_a_synced_file_written_under_its_digest(syncs):
    blob = store_bytes(LARGE)

    path = blob_path(blob.sha256)
    assert path.read_bytes() == LARGE and _fresh(blob).data is None
    assert read_blob(_fresh(blob)) == LARGE
    # The file's bytes, then the directory entry of its name: durable before the row.
    assert syncs[0][0] == "fsync" and syncs[0][1].endswith(".tmp")
    assert syncs[1] == ("fsync", str(path.parent))
    assert [p.name for p in path.parent.iterdir()] == [blob.sha256]  # no temporary left


def test_limit_zero_keeps_everything_in_files(settings):
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 0

    blob = store_bytes(SMALL)

    assert _fresh(blob).data is None
    assert blob_path(blob.sha256).read_bytes() == SMALL == read_blob(_fresh(blob))


def test_the_same_bytes_are_stored_once():
    first, again = store_bytes(SMALL), store_bytes(SMALL)

    assert first.pk == again.pk and Blob.objects.count() == 1


def test_a_caller_that_has_hashed_the_bytes_stores_them_under_the_same_row():
    first = store_bytes(LARGE)

    again = store_bytes(LARGE, sha256=hashlib.sha256(LARGE).hexdigest())

    assert again.pk == first.pk and read_blob(_fresh(again)) == LARGE


def test_content_stored_as_a_file_before_stays_readable_when_the_limit_grows(settings):
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 0
    old = store_bytes(SMALL)
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 1024

    [again] = store_blobs([SMALL])

    assert again.pk == old.pk and Blob.objects.count() == 1
    assert read_blob(_fresh(old)) == SMALL


def test_bytes_come_back_as_bytes_whatever_the_driver_returns():
    # psycopg returns bytea as a memoryview.
    assert read_blob(Blob(sha256="0" * 64, size=3, data=memoryview(b"abc"))) == b"abc"


def test_a_batch_syncs_its_files_together_and_keeps_small_ones_in_rows(syncs):
    payloads = [SMALL, LARGE, SMALL, LARGE + b"!"]

    blobs = store_blobs(payloads)

    assert [read_blob(b) for b in blobs] == payloads
    assert [read_blob(_fresh(b)) for b in blobs] == payloads
    assert blobs[0].pk == blobs[2].pk and Blob.objects.count() == 3
    assert [b.sha256 for b in blobs] == [hashlib.sha256(p).hexdigest() for p in payloads]
    assert not blob_path(blobs[0].sha256).exists()
    assert blob_path(blobs[1].sha256).is_file() and blob_path(blobs[3].sha256).is_file()
    assert syncs == [("syncfs", str(blob_path(blobs[1].sha256).parents[2]))]


def test_a_batch_of_small_content_touches_no_file(syncs, settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked  # any file access would fail

    blobs = store_blobs([SMALL, b"drugi prilog"])

    assert [read_blob(_fresh(b)) for b in blobs] == [SMALL, b"drugi prilog"]
    assert syncs == []


def test_writing_files_of_a_batch_writes_only_what_is_too_large_for_a_row(syncs):
    write_blob_files([SMALL, LARGE])

    assert not blob_path(hashlib.sha256(SMALL).hexdigest()).exists()
    assert blob_path(hashlib.sha256(LARGE).hexdigest()).read_bytes() == LARGE
    assert len(syncs) == 1
    assert not Blob.objects.exists()  # rows come with store_blobs, in the transaction


def test_a_file_store_that_cannot_write_fails_the_batch(settings, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    settings.MEDIA_ROOT = blocked

    with pytest.raises(OSError):
        store_blobs([SMALL, LARGE])

    assert not Blob.objects.exists()


def test_a_batch_writes_files_first_and_records_rows_in_its_own_transaction(syncs):
    existing = store_bytes(SMALL)
    blobs = unsaved_blobs([LARGE, SMALL, LARGE])

    assert blob_path(blobs[0].sha256).read_bytes() == LARGE  # durable before any row
    assert [b.pk for b in blobs] == [None, None, None] and Blob.objects.count() == 1
    with transaction.atomic():
        save_blobs(blobs)

    assert blobs[1].pk == existing.pk and blobs[0].pk == blobs[2].pk != existing.pk
    assert [read_blob(_fresh(b)) for b in blobs] == [LARGE, SMALL, LARGE]


def test_blobs_saved_again_after_a_rollback_take_the_rows_that_exist_now():
    blobs = unsaved_blobs([SMALL])
    with pytest.raises(RuntimeError), transaction.atomic():
        save_blobs(blobs)
        raise RuntimeError("the batch failed")
    store_bytes(b"other content, stored meanwhile")

    with transaction.atomic():
        save_blobs(blobs)

    assert read_blob(_fresh(blobs[0])) == SMALL
