"""The one way into intake, for every channel: store the raw item, then queue it.

A channel's transport (IMAP, the SMTP receiver, an SMS gateway's callback, a scanner
folder, the portal) calls `accept` or `accept_many` with the exact bytes and what it knows
cheaply (the idempotency key, the channel's id of the item, the endpoint it came in on).
The bytes are durable when the call returns; processing runs later in a worker, through
the channel's adapter and the one decide-and-apply path (`salter.intake.pipeline`).

A transport that gets one item per request, many requests at once (an SMS gateway's
callback), calls `accept_shared`: the items that the threads of one process accept at
the same moment are stored in one transaction, and its one commit makes them all
durable before any of them is answered.
"""

import threading
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction

from salter.channels.models import InboundMessage
from salter.channels.store import RawItem, store_inbound, store_inbound_many
from salter.intake.pipeline import BATCH_SIZE, enqueue_processing
from salter.tasks import enqueue_on_commit

__all__ = ["Accepted", "RawItem", "accept", "accept_many", "accept_shared"]


class Accepted(NamedTuple):
    inbound: InboundMessage
    # False when the idempotency key was stored before: the same item delivered again
    # (a mail server retrying, a gateway resending), not stored a second time.
    created: bool


def accept(*, municipality, channel: str, item: RawItem, source: str, endpoint=None,
           enqueue: bool = True) -> Accepted:
    """Store one item durably and queue its processing, in one transaction.
    `enqueue=False` is for callers that process it themselves right away."""
    with transaction.atomic():
        inbound, created = store_inbound(
            municipality=municipality, channel=channel, raw=item.raw,
            idempotency_key=item.idempotency_key, source=source, endpoint=endpoint,
            external_id=item.external_id, sha256=item.sha256 or None,
            metadata=item.metadata, sender=item.sender)
        if created and enqueue:
            enqueue_processing([inbound.pk], single=True)
    return Accepted(inbound, created)


def accept_many(*, municipality, channel: str, items, source: str, endpoint=None,
                enqueue: bool = True) -> list[Accepted]:
    """Store a batch and queue its processing in one transaction (an IMAP fetch, a file
    import, the benchmark); one `Accepted` per item, in order."""
    with transaction.atomic():
        results = store_inbound_many(municipality=municipality, channel=channel,
                                     items=list(items), source=source, endpoint=endpoint)
        fresh = [inbound.pk for inbound, created in results if created]
        if fresh and enqueue:
            enqueue_processing(fresh)
    return [Accepted(inbound, created) for inbound, created in results]


def accept_shared(*, municipality, channel: str, item: RawItem, source: str, endpoint=None,
                  task=None) -> Accepted:
    """Store one item durably, as `accept` does, in a transaction shared with the items
    other threads of this process are accepting at the same moment.

    On SQLite every commit waits for the disk (`synchronous=FULL`), one after another: a
    gateway calling once per text could get no more texts stored per second than the
    disk syncs. Here the first caller stores what is waiting and commits; whoever comes
    meanwhile waits for that commit and then stores, with one commit, everything that
    came during it. No one waits for company: alone, an item is committed at once.
    Every caller returns only when its own item is committed.

    `task`, if given, is queued in the same transaction for the items stored, once per
    municipality, with their ids as its arguments. The municipality and the endpoint
    are instances or ids. Inside a transaction of the caller's, the item is stored in
    that transaction instead, and is durable when it commits.
    """
    pending = _Pending(municipality_id=getattr(municipality, "pk", municipality),
                       channel=channel, item=item, source=source,
                       endpoint_id=getattr(endpoint, "pk", endpoint), task=task)
    if transaction.get_connection().in_atomic_block:
        _store([pending])
        return pending.result
    return _shared.accept(pending)


@dataclass(eq=False)
class _Pending:
    municipality_id: int
    channel: str
    item: RawItem
    source: str
    endpoint_id: int | None
    task: object
    done: bool = False
    alone: bool = False  # the shared transaction failed: store it in one of its own
    result: Accepted | None = None
    error: BaseException | None = field(default=None, repr=False)

    def group(self) -> tuple:
        return (self.municipality_id, self.channel, self.source, self.endpoint_id)


class _Shared:
    """The items waiting for a commit in this process, and whether one is under way."""

    def __init__(self):
        self._changed = threading.Condition()
        self._waiting: list[_Pending] = []
        self._storing = False

    def accept(self, pending: _Pending) -> Accepted:
        with self._changed:
            self._waiting.append(pending)
            while not pending.done:
                if self._storing:
                    self._changed.wait()
                    continue
                self._storing = True
                batch, self._waiting = self._waiting[:_AT_MOST], self._waiting[_AT_MOST:]
                self._changed.release()
                try:
                    _store_or_leave_alone(batch)
                finally:
                    self._changed.acquire()
                    self._storing = False
                    self._changed.notify_all()
        if pending.alone:
            # Whatever failed the shared transaction (any item's), each item now takes
            # its own, so that it fails only its own request.
            with transaction.atomic():
                _store([pending])
        if pending.error is not None:
            raise pending.error
        return pending.result


_AT_MOST = 200  # items in one shared transaction
_shared = _Shared()


def _store_or_leave_alone(batch: list[_Pending]) -> None:
    """Store the batch in one transaction. Should it fail, an item alone gets the error;
    the items of a larger batch are each tried again alone, by their own callers."""
    try:
        with transaction.atomic():
            _store(batch)
    except Exception as exc:
        _leave_alone(batch, exc)
    except BaseException:
        _leave_alone(batch, None)
        raise
    finally:
        for pending in batch:
            pending.done = True


def _leave_alone(batch: list[_Pending], exc: Exception | None) -> None:
    for pending in batch:
        pending.result = None
        if len(batch) == 1 and exc is not None:
            pending.error = exc
        else:
            pending.alone = True


def _store(batch: list[_Pending]) -> None:
    """Store the batch in the current transaction, with the tasks for what is new."""
    groups: dict[tuple, list[_Pending]] = {}
    for pending in batch:
        groups.setdefault(pending.group(), []).append(pending)
    for (municipality_id, channel, source, endpoint_id), members in groups.items():
        stored = store_inbound_many(municipality=municipality_id, channel=channel,
                                    items=[p.item for p in members], source=source,
                                    endpoint=endpoint_id)
        for pending, (inbound, created) in zip(members, stored, strict=True):
            pending.result = Accepted(inbound, created)
        fresh: dict[object, list[int]] = {}
        for pending in members:
            if pending.result.created and pending.task is not None:
                fresh.setdefault(pending.task, []).append(pending.result.inbound.pk)
        for task, ids in fresh.items():
            for start in range(0, len(ids), BATCH_SIZE):
                enqueue_on_commit(task, *ids[start:start + BATCH_SIZE])
