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
from salter.documents.storage import blob_ids, store_bytes, write_blob_files


@dataclass(frozen=True)
class RawItem:
    raw: bytes
    idempotency_key: str
    external_id: str = ""  # the channel's id of the item, when accept can see it cheaply
    sha256: str = ""  # of `raw`, when the caller has it already
    metadata: dict | None = None  # transport facts (a gateway's sender and time stamp)
    source: str = ""  # where this item came from, if not the batch's source (a file name)
    # Who sent it, when the transport says so cheaply (an SMS gateway's sender number):
    # written with the row, so that it counts before the item is processed.
    sender: str = ""


def store_inbound(*, municipality, channel, raw: bytes, idempotency_key: str, source: str,
                  endpoint=None, external_id: str = "", sha256: str | None = None,
                  metadata: dict | None = None, sender: str = "") -> tuple[InboundMessage, bool]:
    """Store one inbound item; (existing, False) when its key was seen before. `sha256`,
    if the caller has it, saves hashing the bytes again. The municipality and the
    endpoint are instances or their ids."""
    existing = _find(municipality, channel, idempotency_key)
    if existing is not None:
        return existing, False
    blob = store_bytes(raw, sha256=sha256)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                municipality_id=getattr(municipality, "pk", municipality), channel=channel,
                idempotency_key=idempotency_key, sha256=blob.sha256, raw=blob,
                source=source[:100], endpoint_id=getattr(endpoint, "pk", endpoint),
                external_id=external_id[:255], metadata=metadata or {}, sender=sender[:254],
                received_at=now, queued_at=now,
            )
    except IntegrityError:
        # The same item arrived concurrently by another path and won the race.
        return _find(municipality, channel, idempotency_key), False
    return message, True


def _find(municipality, channel, key: str) -> InboundMessage | None:
    return InboundMessage.objects.filter(municipality=municipality, channel=channel,
                                         idempotency_key=key).first()


def store_inbound_many(*, municipality, channel, items: Sequence[RawItem], source: str,
                       endpoint=None) -> list[tuple[InboundMessage, bool]]:
    """Store a batch in one transaction; one (message, created) per item, in order: the
    durable accept of IMAP fetches and of the benchmark.

    Only keys already stored are looked up; new rows are inserted and take their keys
    from the insert. On PostgreSQL an accept of the same item in another transaction may
    insert its key between the look-up and the insert; the insert then fails on the
    unique key, and the batch is stored again row by row, each row that lost the race
    answering with the winner's message.
    """
    digests = [item.sha256 or hashlib.sha256(item.raw).hexdigest() for item in items]
    write_blob_files([item.raw for item in items], digests=digests)
    batch = _Batch(municipality, channel, items, digests, source[:100], endpoint)
    with transaction.atomic():
        try:
            with transaction.atomic():
                return batch.store(one_by_one=False)
        except IntegrityError:
            return batch.store(one_by_one=True)


class _Batch:
    """The rows of one `store_inbound_many` call."""

    def __init__(self, municipality, channel, items, digests, source, endpoint):
        self.municipality, self.channel, self.source = municipality, channel, source
        self.endpoint_id = getattr(endpoint, "pk", endpoint)
        self.items, self.digests = items, digests
        self.keys = [item.idempotency_key for item in items]

    def store(self, *, one_by_one: bool) -> list[tuple[InboundMessage, bool]]:
        stored = _rows_by_key(self.municipality, self.channel, self.keys)
        new = {}  # key: (item, digest), the first of the batch's copies
        for item, digest in zip(self.items, self.digests, strict=True):
            if item.idempotency_key not in stored:
                new.setdefault(item.idempotency_key, (item, digest))
        blobs = blob_ids([digest for _, digest in new.values()],
                         [item.raw for item, _ in new.values()])
        fresh = self._messages(new, blobs)
        if one_by_one:
            self._insert_each(fresh, stored)
        else:
            bulk.insert(InboundMessage, fresh.values())
        return self._results(stored, fresh)

    def _messages(self, new, blobs) -> dict[str, InboundMessage]:
        """Unsaved rows for the new keys; the messages of a batch differ in six columns."""
        now = timezone.now()
        built = bulk.build(InboundMessage, [
            {"idempotency_key": key, "sha256": digest, "raw_id": blobs[digest],
             "external_id": item.external_id[:255], "metadata": item.metadata or {},
             "source": (item.source or self.source)[:100], "sender": item.sender[:254]}
            for key, (item, digest) in new.items()],
            municipality_id=getattr(self.municipality, "pk", self.municipality),
            channel=self.channel, endpoint_id=self.endpoint_id,
            state=InboundMessage.State.RECEIVED.value, received_at=now, queued_at=now)
        return dict(zip(new, built, strict=True))

    def _insert_each(self, fresh, stored) -> None:
        """Each row alone: a key another transaction inserted meanwhile answers with
        that transaction's row."""
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
    """The stored messages of these keys: the keys found in plain SQL (`bulk.find`), the
    rows of the few found then read whole."""
    found = [pk for (pk,) in bulk.find(InboundMessage, "idempotency_key", keys,
                                       municipality=municipality, channel=channel)]
    if not found:
        return {}
    return {message.idempotency_key: message
            for message in InboundMessage.objects.filter(pk__in=found)}
