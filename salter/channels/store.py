"""Raw first: an inbound item is durable before anything reads it.

The exact bytes go to the content-addressed store (`salter.documents.storage`), and the
InboundMessage row records their SHA-256 and the channel's idempotency key, in the same
transaction. Parsing, matching and routing happen later in a retryable task; whatever
they do, the original is never lost, and the same item arriving again is recognised by
its key instead of being stored twice.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from salter import bulk
from salter.channels.models import InboundMessage
from salter.documents.storage import blob_ids, store_blobs, store_bytes, write_blob_files

# store_blobs and write_blob_files are re-exported for callers that still import them
# from here; their home is salter.documents.storage.
__all__ = ["RawItem", "store_blobs", "store_inbound", "store_inbound_many",
           "write_blob_files"]

_IN_CHUNK = 500


@dataclass(frozen=True)
class RawItem:
    raw: bytes
    idempotency_key: str
    message_id: str = ""
    sha256: str = ""  # of `raw`, when the caller has it already


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
    """Store a batch in one transaction; one (message, created) per item, in order: the
    durable accept of IMAP fetches and of the benchmark.

    Only keys already stored are looked up; new rows are inserted and take their keys
    from the insert. On PostgreSQL an accept of the same item in another transaction may
    insert its key between the look-up and the insert; the insert then fails on the
    unique key, and the batch is stored again row by row, each row that lost the race
    answering with the winner's message.
    """
    digests = [item.sha256 or hashlib.sha256(item.raw).hexdigest() for item in items]
    payloads = [item.raw for item in items]
    write_blob_files(payloads, digests=digests)
    batch = _Batch(municipality, channel, items, digests, source[:100], mailbox)
    with transaction.atomic():
        try:
            with transaction.atomic():
                return batch.insert_new(blob_ids(digests, payloads))
        except IntegrityError:
            return batch.insert_one_by_one(blob_ids(digests, payloads))


class _Batch:
    """The rows of one `store_inbound_many` call."""

    def __init__(self, municipality, channel, items, digests, source, mailbox):
        self.municipality, self.channel, self.source = municipality, channel, source
        self.mailbox = mailbox
        self.items, self.digests = items, digests
        self.keys = [item.idempotency_key for item in items]

    def insert_new(self, blobs: dict[str, int]) -> list[tuple[InboundMessage, bool]]:
        stored = _rows_by_key(self.municipality, self.channel, self.keys)
        fresh = self._new_messages(blobs, skip=stored)
        bulk.insert(InboundMessage, fresh.values())
        return self._results(stored, fresh)

    def insert_one_by_one(self, blobs: dict[str, int]) -> list[tuple[InboundMessage, bool]]:
        stored = _rows_by_key(self.municipality, self.channel, self.keys)
        fresh = self._new_messages(blobs, skip=stored)
        for key, message in list(fresh.items()):
            try:
                with transaction.atomic():
                    bulk.insert(InboundMessage, [message])
            except IntegrityError:
                winner = _rows_by_key(self.municipality, self.channel, [key])
                if not winner:
                    raise  # not the race on the key: the batch must fail, not drop it
                del fresh[key]
                stored.update(winner)
        return self._results(stored, fresh)

    def _new_messages(self, blobs, *, skip) -> dict[str, InboundMessage]:
        now = timezone.now()
        fresh = {}
        for item, digest in zip(self.items, self.digests, strict=True):
            key = item.idempotency_key
            if key in skip or key in fresh:
                continue
            fresh[key] = InboundMessage(
                municipality=self.municipality, channel=self.channel, idempotency_key=key,
                sha256=digest, raw_id=blobs[digest], source=self.source,
                mailbox=self.mailbox, message_id=item.message_id[:255], received_at=now,
                queued_at=now,
            )
        return fresh

    def _results(self, stored, fresh) -> list[tuple[InboundMessage, bool]]:
        results, handed_out = [], set()
        for key in self.keys:
            if key in fresh and key not in handed_out:
                handed_out.add(key)
                results.append((fresh[key], True))
            else:
                results.append((fresh.get(key) or stored[key], False))
        return results


def _rows_by_key(municipality, channel, keys: list[str]) -> dict[str, InboundMessage]:
    rows = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _IN_CHUNK):
        for message in InboundMessage.objects.filter(
                municipality=municipality, channel=channel,
                idempotency_key__in=unique[start:start + _IN_CHUNK]):
            rows[message.idempotency_key] = message
    return rows
