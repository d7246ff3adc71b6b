"""Raw first: an inbound item is on disk and in the database before anything reads it.

The exact bytes go to the content-addressed store (fsync'd), and the InboundMessage row
records their SHA-256 and the channel's idempotency key. Parsing, matching and routing
happen later in a retryable task; whatever they do, the original is never lost, and the
same item arriving again is recognised by its key instead of being stored twice.
"""

import ctypes
import hashlib
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from salter.channels.models import InboundMessage
from salter.documents.models import Blob
from salter.documents.storage import blob_path, store_bytes, write_file

# fsync releases the GIL and the file system commits concurrent syncs together, so a
# batch written by a few threads costs a fraction of one sync per file.
_SYNC_THREADS = 8
_IN_CHUNK = 500


@dataclass(frozen=True)
class RawItem:
    raw: bytes
    idempotency_key: str
    message_id: str = ""


def store_inbound(*, municipality, channel, raw: bytes, idempotency_key: str, source: str,
                  mailbox=None, message_id: str = "") -> tuple[InboundMessage, bool]:
    """Store one inbound item; (existing, False) when its key was seen before."""
    existing = _find(municipality, channel, idempotency_key)
    if existing is not None:
        return existing, False
    blob = store_bytes(raw)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                municipality=municipality, channel=channel, idempotency_key=idempotency_key,
                sha256=blob.sha256, raw=blob, source=source[:100], mailbox=mailbox,
                message_id=message_id[:255], received_at=now, queued_at=now,
            )
    except IntegrityError:
        # The same item arrived concurrently by another path and won the race.
        return _find(municipality, channel, idempotency_key), False
    return message, True


def _find(municipality, channel, key: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(municipality=municipality, channel=channel,
                                         idempotency_key=key).first()


def store_inbound_many(*, municipality, channel, items: Sequence[RawItem], source: str,
                       mailbox=None) -> list[tuple[InboundMessage, bool]]:
    """Store a batch in one transaction; one (message, created) per item, in order.

    Files are written and synced first, then the rows are inserted in bulk: the durable
    accept of IMAP fetches and of the benchmark.
    """
    digests = [hashlib.sha256(item.raw).hexdigest() for item in items]
    _write_files(digests, [item.raw for item in items])
    keys = [item.idempotency_key for item in items]
    with transaction.atomic():
        blobs = _blob_rows(digests, [len(item.raw) for item in items])
        seen = set(_existing_keys(municipality, channel, keys))
        now = timezone.now()
        fresh, fresh_keys = [], set()
        for item, digest in zip(items, digests, strict=True):
            if item.idempotency_key in seen or item.idempotency_key in fresh_keys:
                continue
            fresh_keys.add(item.idempotency_key)
            fresh.append(InboundMessage(
                municipality=municipality, channel=channel,
                idempotency_key=item.idempotency_key, sha256=digest, raw_id=blobs[digest],
                source=source[:100], mailbox=mailbox, message_id=item.message_id[:255],
                received_at=now, queued_at=now,
            ))
        InboundMessage.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=_IN_CHUNK)
        rows = _rows_by_key(municipality, channel, keys)
    results, handed_out = [], set()
    for key in keys:
        created = key in fresh_keys and key not in handed_out
        handed_out.add(key)
        results.append((rows[key], created))
    return results


def _write_files(digests: list[str], payloads: list[bytes]) -> None:
    """Write the batch's new files, then make them durable together: one `syncfs` of the
    store's file system costs about what a single fsync does, where a sync per file
    would cost the batch size times that."""
    todo = {d: p for d, p in zip(digests, payloads, strict=True) if not blob_path(d).exists()}
    if not todo:
        return
    sync_each = _syncfs is None
    # Creating directories and files waits on the file system with the GIL released: a
    # few threads overlap those waits (about a fifth faster than one after the other).
    with ThreadPoolExecutor(max_workers=min(_SYNC_THREADS, len(todo))) as pool:
        list(pool.map(partial(write_file, sync=sync_each), todo.keys(), todo.values()))
    if not sync_each:
        _sync_store()


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


def write_blob_files(payloads: Sequence[bytes]) -> None:
    """The files of `store_blobs` alone, durable, without touching the database: callers
    that must take turns at the database write the files before their turn."""
    _write_files([hashlib.sha256(p).hexdigest() for p in payloads], list(payloads))


def store_blobs(payloads: Sequence[bytes]) -> list[Blob]:
    """Store many files (a batch's attachments) with one sync and one small transaction
    for their rows; the Blobs in the order of `payloads`."""
    if not payloads:
        return []
    digests = [hashlib.sha256(p).hexdigest() for p in payloads]
    _write_files(digests, list(payloads))
    with transaction.atomic():
        ids = _blob_rows(digests, [len(p) for p in payloads])
    return [Blob(pk=ids[d], sha256=d, size=len(p)) for d, p in zip(digests, payloads,
                                                                      strict=True)]


def _blob_rows(digests: list[str], sizes: list[int]) -> dict[str, int]:
    unique = dict(zip(digests, sizes, strict=True))
    Blob.objects.bulk_create([Blob(sha256=d, size=s) for d, s in unique.items()],
                             ignore_conflicts=True, batch_size=_IN_CHUNK)
    ids = {}
    for chunk in _chunks(list(unique)):
        ids.update(Blob.objects.filter(sha256__in=chunk).values_list("sha256", "pk"))
    return ids


def _existing_keys(municipality, channel, keys: list[str]):
    for chunk in _chunks(keys):
        yield from InboundMessage.objects.filter(
            municipality=municipality, channel=channel, idempotency_key__in=chunk,
        ).values_list("idempotency_key", flat=True)


def _rows_by_key(municipality, channel, keys: list[str]) -> dict[str, InboundMessage]:
    rows = {}
    for chunk in _chunks(list(dict.fromkeys(keys))):
        for message in InboundMessage.objects.filter(
                municipality=municipality, channel=channel, idempotency_key__in=chunk):
            rows[message.idempotency_key] = message
    return rows


def _chunks(values: list, size: int = _IN_CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]
