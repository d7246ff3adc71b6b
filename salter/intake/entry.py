"""The one way into intake, for every channel: store the raw item, then queue it.

A channel's transport (IMAP, the SMTP receiver, an SMS gateway's callback, a scanner
folder, the portal) calls `accept` or `accept_many` with the exact bytes and what it knows
cheaply (the idempotency key, the channel's id of the item, the endpoint it came in on).
The bytes are durable when the call returns; processing runs later in a worker, through
the channel's adapter and the one decide-and-apply path (`salter.intake.pipeline`).
"""

from typing import NamedTuple

from django.db import transaction

from salter.channels.models import InboundMessage
from salter.channels.store import RawItem, store_inbound, store_inbound_many
from salter.intake.pipeline import enqueue_processing

__all__ = ["Accepted", "RawItem", "accept", "accept_many"]


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
