"""The content-addressed store: bytes kept once under their SHA-256, whoever stores them.

Content up to `SALTER_BLOB_INLINE_MAX_BYTES` lives in its Blob row (`data`): storing it
costs no file, and it is as durable as the transaction that records it. Larger content is
a file under MEDIA_ROOT/blobs/ab/cd/<sha256>, written atomically and synced before its
row can be committed. This module is the only one that writes blobs and `read_blob` and
`open_blob` the only ways to read one: nothing else knows, or needs to know, where the
bytes are.

A Blob row exists only once its bytes are durable; a rolled back transaction leaves at
most an unreferenced file, which costs nothing.
"""

import ctypes
import hashlib
import io
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from salter import bulk
from salter.documents.models import Blob

INLINE_MAX_BYTES = 128 * 1024  # when settings do not say
# Writing files waits on the file system with the GIL released: a few threads overlap
# those waits.
_WRITE_THREADS = 8
_IN_CHUNK = 500


def inline_max_bytes() -> int:
    """Largest content kept in the database row; 0 keeps everything in files."""
    return getattr(settings, "SALTER_BLOB_INLINE_MAX_BYTES", INLINE_MAX_BYTES)


def _goes_inline(size: int, limit: int) -> bool:
    return limit > 0 and size <= limit


def blob_path(sha256: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "blobs" / sha256[:2] / sha256[2:4] / sha256


def read_blob(blob: Blob) -> bytes:
    data = blob.data
    if data is not None:
        return bytes(data)  # PostgreSQL hands back a memoryview
    return blob_path(blob.sha256).read_bytes()


def open_blob(blob: Blob):
    """The blob's bytes as a binary file object, for streaming a large one out."""
    if blob.data is not None:
        return io.BytesIO(bytes(blob.data))
    return open(blob_path(blob.sha256), "rb")  # the caller closes it


def store_bytes(data: bytes, *, sha256: str | None = None) -> Blob:
    """Store `data` once and return its Blob row (in the caller's transaction, if any);
    a file is written and synced first when the content is too large for the row. A
    caller that has hashed the bytes already passes their `sha256`."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    inline = _goes_inline(len(data), inline_max_bytes())
    if not inline and not blob_path(sha256).exists():
        write_file(sha256, data)
    blob, _ = Blob.objects.get_or_create(
        sha256=sha256, defaults={"size": len(data), "data": data if inline else None})
    return blob


def store_blobs(payloads: Sequence[bytes], *, digests: Sequence[str] | None = None
                ) -> list[Blob]:
    """Store many payloads (a batch's attachments) with at most one file system sync and
    one small transaction; their Blobs in the order of `payloads`."""
    if not payloads:
        return []
    blobs = unsaved_blobs(payloads, digests=digests)
    with transaction.atomic():
        save_blobs(blobs)
    return blobs


def unsaved_blobs(payloads: Sequence[bytes], *, digests: Sequence[str] | None = None
                  ) -> list[Blob]:
    """The first half of `store_blobs`, for a caller that records the rows in its own
    transaction (an intake batch, which on SQLite would otherwise wait for a write turn
    of its own): the files are written and synced now, the Blobs built without keys.
    `save_blobs` gives them their rows."""
    digests = _digests(payloads, digests)
    write_blob_files(payloads, digests=digests)
    limit = inline_max_bytes()
    return bulk.build(Blob, [
        {"sha256": digest, "size": len(payload),
         "data": payload if _goes_inline(len(payload), limit) else None}
        for digest, payload in zip(digests, payloads, strict=True)])


def save_blobs(blobs: Sequence[Blob]) -> None:
    """The rows of Blobs from `unsaved_blobs`, inside the caller's transaction: each Blob
    gets the key of its digest's row, looked up or inserted (again, if a transaction
    rolled back since it was last given one)."""
    if not blobs:
        return
    content = {blob.sha256: (blob.size, blob.data) for blob in blobs}
    ids = _blob_ids(dict(sorted(content.items())))
    for blob in blobs:
        blob.pk = ids[blob.sha256]
        blob._state.adding = False


def write_blob_files(payloads: Sequence[bytes], *,
                     digests: Sequence[str] | None = None) -> None:
    """Write the payloads that go to files (those too large for a row) and make them
    durable, without touching the database: a caller that must take turns at the
    database writes its files before its turn."""
    limit = inline_max_bytes()
    large = {d: p for d, p in zip(_digests(payloads, digests), payloads, strict=True)
             if not _goes_inline(len(p), limit)}
    todo = {d: p for d, p in large.items() if not blob_path(d).exists()}
    if not todo:
        return
    sync_each = _syncfs is None
    with ThreadPoolExecutor(max_workers=min(_WRITE_THREADS, len(todo))) as pool:
        list(pool.map(partial(write_file, sync=sync_each), todo.keys(), todo.values()))
    if not sync_each:
        # One syncfs of the store's file system costs about what one fsync does, where a
        # sync per file would cost the batch size times that.
        _sync_store()


def blob_ids(digests: Sequence[str], payloads: Sequence[bytes]) -> dict[str, int]:
    """The Blob rows of a batch, inside the caller's transaction: {digest: pk}. The rows
    already there are looked up, only the new ones inserted. Files must be written first
    (`write_blob_files`).

    On PostgreSQL another transaction may insert the same digest between the look-up and
    the insert; the insert then fails on the unique digest, and the batch takes the path
    that tolerates conflicts. New rows are inserted in digest order: two batches
    holding the same new bytes wait for one another in one order, never in a cycle.
    """
    limit = inline_max_bytes()
    content = {digest: (len(payload), payload if _goes_inline(len(payload), limit) else None)
               for digest, payload in zip(digests, payloads, strict=True)}
    return _blob_ids(dict(sorted(content.items())))


def _blob_ids(content: dict[str, tuple[int, bytes | None]]) -> dict[str, int]:
    """{digest: pk} for {digest: (size, data kept in the row or None)}, in digest
    order."""
    try:
        with transaction.atomic():
            return _insert_new_blobs(content)
    except IntegrityError:
        return _insert_blobs_tolerating_conflicts(content)


def _insert_new_blobs(content: dict[str, tuple[int, bytes | None]]) -> dict[str, int]:
    ids = _existing_blob_ids(list(content))
    fresh = _new_blobs({d: c for d, c in content.items() if d not in ids})
    bulk.insert(Blob, fresh)
    ids.update((blob.sha256, blob.pk) for blob in fresh)
    return ids


def _insert_blobs_tolerating_conflicts(content: dict[str, tuple[int, bytes | None]]
                                       ) -> dict[str, int]:
    # ON CONFLICT DO NOTHING waits for the other transaction and skips its rows; the
    # look-up after it sees them, committed.
    Blob.objects.bulk_create(_new_blobs(content), ignore_conflicts=True,
                             batch_size=_IN_CHUNK)
    return _existing_blob_ids(list(content))


def _existing_blob_ids(digests: list[str]) -> dict[str, int]:
    return dict(bulk.find(Blob, "sha256", digests, columns=("sha256", "pk")))


def _new_blobs(content: dict[str, tuple[int, bytes | None]]) -> list[Blob]:
    return bulk.build(Blob, [{"sha256": digest, "size": size, "data": data}
                             for digest, (size, data) in content.items()])


def write_file(sha256: str, data: bytes, *, sync: bool = True) -> None:
    """Write the bytes under their digest atomically (temporary file, then rename); with
    `sync`, durable before it returns, name included. Callers syncing many files at once
    pass False."""
    path = blob_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    # pid and object id: two processes, or two threads of one, never share a temp file.
    tmp = path.with_suffix(f".{os.getpid()}.{id(data)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if sync:
        _fsync_directory(path.parent)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_syncfs():
    """libc's syncfs(2) (Linux): flushes one file system, data and directory entries,
    and reports write-back errors since Linux 5.8. None where it does not exist."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


_syncfs = _load_syncfs()


def _sync_store() -> None:
    fd = os.open(Path(settings.MEDIA_ROOT) / "blobs", os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _syncfs(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"syncfs of the file store failed: {os.strerror(errno)}")
    finally:
        os.close(fd)


def _digests(payloads: Sequence[bytes], digests: Sequence[str] | None) -> list[str]:
    if digests is not None:
        return list(digests)
    return [hashlib.sha256(p).hexdigest() for p in payloads]
