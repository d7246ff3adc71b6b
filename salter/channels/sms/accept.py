"""Handing what Kannel sends to intake: cheap and durable.

Every MO request is stored exactly as it came, one InboundMessage each, before anything
else; intake processes it through the SMS adapter. A part of a concatenated message that
Kannel passed on by itself (its UDH names part n of m) is stored like any other, under the
key of its set (`external_id` "sms-parts:…"); when the last part is in, the set is stored
once more as one message made of the parts' stored requests, which becomes the case. A
set still incomplete after SALTER_SMS_PARTS_TIMEOUT_SECONDS is quarantined as it is, with
the parts it has and the reason (`settle_stale_parts`, a periodic job).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from salter import bulk
from salter.cases.models import Channel
from salter.channels.models import Endpoint, InboundMessage
from salter.channels.sms import kannel
from salter.channels.sms.adapter import dlr_envelope
from salter.channels.sms.tasks import process_texts
from salter.channels.sms.text import endpoint_address, normalise_number
from salter.documents.storage import read_blob
from salter.intake.entry import Accepted, RawItem, accept, accept_shared
from salter.lang.deferred import Deferred
from salter.tasks import enqueue_on_commit

SOURCE = "kannel"
PARTS_PREFIX = "sms-parts:"


def endpoint_for(municipality, receiver: str) -> int | None:
    """The id of the municipality's SMS endpoint the text was sent to (its number or
    short code), read afresh: an endpoint an administrator adds, changes or removes
    applies to the next text. One plain statement, as it is read for every text."""
    address = endpoint_address(receiver)
    if not address:
        return None
    found = bulk.find(Endpoint, "address", [address], municipality=municipality,
                      channel=Channel.SMS)
    return found[0][0] if found else None


def _sender(given: str) -> str:
    """The sender as stored on the message: E.164, or as given (an alphanumeric id)."""
    number = normalise_number(given)
    return number.e164 or number.given


def set_key(mo: kannel.Mo) -> str:
    concat = mo.concat
    basis = f"{mo.sender}|{mo.receiver}|{concat.reference}|{concat.total}"
    return PARTS_PREFIX + hashlib.sha256(basis.encode()).hexdigest()[:40]


def accept_mo(*, municipality, raw: bytes, mo: kannel.Mo | None,
              enqueue: bool = True) -> Accepted:
    """Store one MO request (already read into `mo`, or None when it could not be read:
    it is stored all the same and intake quarantines it with the reason). `municipality`
    is a Municipality or its id."""
    endpoint = endpoint_for(municipality, mo.receiver) if mo is not None else None
    digest = hashlib.sha256(raw).hexdigest()
    key = mo.idempotency_key() if mo is not None else f"mo-unreadable:{digest}"
    external_id = set_key(mo) if mo is not None and mo.concat is not None else ""
    # Known at once, so that a number texting many times within the hour is counted
    # before its messages are processed.
    sender = _sender(mo.sender) if mo is not None else ""
    # Kannel keeps several texts pending at once: their commits are shared.
    accepted = accept_shared(municipality=municipality, channel=Channel.SMS,
                             item=RawItem(raw=raw, idempotency_key=key,
                                          external_id=external_id, sha256=digest,
                                          sender=sender),
                             source=SOURCE, endpoint=endpoint,
                             task=process_texts if enqueue else None)
    if accepted.created and external_id:
        assemble(municipality, external_id, total=mo.concat.total, enqueue=enqueue)
    return accepted


def _parts(municipality, key: str) -> dict[int, InboundMessage]:
    found: dict[int, InboundMessage] = {}
    for inbound in (InboundMessage.objects.filter(municipality=municipality,
                                                  channel=Channel.SMS, external_id=key)
                    .select_related("raw", "endpoint").order_by("received_at", "pk")):
        raw = read_blob(inbound.raw)
        if raw.startswith(kannel.PARTS_MAGIC):
            continue
        try:
            mo = kannel.read_mo(raw)
        except kannel.Malformed:
            continue
        if mo.concat is not None:
            found.setdefault(mo.concat.seq, inbound)
    return found


def assemble(municipality, key: str, *, total: int, enqueue: bool = True,
             incomplete: bool = False) -> Accepted | None:
    """Once every part of the set is stored (or, with `incomplete`, after the timeout),
    store the set as one message. Stored once: its idempotency key is the set's."""
    parts = _parts(municipality, key)
    if not parts or (len(parts) < total and not incomplete):
        return None
    raws = [(seq, read_blob(parts[seq].raw)) for seq in sorted(parts)]
    raw = kannel.parts_envelope(raws)
    first = parts[min(parts)]
    complete = len(parts) >= total
    item = RawItem(raw=raw, idempotency_key=f"{key}:{'whole' if complete else 'incomplete'}",
                   metadata={"sms": {"parts": sorted(parts), "total": total,
                                     "part_messages": [parts[s].pk for s in sorted(parts)]}},
                   sender=first.sender)
    with transaction.atomic():
        accepted = accept(municipality=municipality, channel=Channel.SMS, item=item,
                          source=SOURCE, endpoint=first.endpoint_id, enqueue=False)
        if accepted.created and enqueue and complete:
            enqueue_on_commit(process_texts, accepted.inbound.pk)
        if accepted.created and not complete:
            missing = [str(seq) for seq in range(1, total + 1) if seq not in parts]
            InboundMessage.objects.filter(pk=accepted.inbound.pk).update(
                state=InboundMessage.State.QUARANTINED, outcome="quarantined",
                processed_at=timezone.now(), body_text=_partial_text(raws),
                **_reason(Deferred(gettext_noop(
                    "An incomplete text message: part(s) %(missing)s of %(total)d never "
                    "arrived. The parts received are kept; open a case by hand if "
                    "needed."), {"missing": ", ".join(missing), "total": total})))
    return accepted


def _partial_text(raws) -> str:
    texts = []
    for _seq, raw in raws:
        try:
            texts.append(kannel.read_mo(raw).text())
        except kannel.Malformed:
            texts.append("…")
    return " […] ".join(texts)


def _reason(reason) -> dict:
    from salter.intake.apply import reason_columns

    return reason_columns(reason)


def settle_stale_parts(now=None) -> dict[str, int]:
    """Sets of parts whose last part never came, or whose assembly was missed (two last
    parts arriving at once): the complete ones are assembled, the others quarantined
    after the timeout."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SALTER_SMS_PARTS_TIMEOUT_SECONDS)
    keys = (InboundMessage.objects.filter(channel=Channel.SMS,
                                          external_id__startswith=PARTS_PREFIX,
                                          received_at__gte=now - timedelta(days=7))
            .values_list("municipality_id", "external_id").distinct())
    done = {"assembled": 0, "quarantined": 0}
    for municipality_id, key in list(keys):
        rows = InboundMessage.objects.filter(municipality_id=municipality_id,
                                             channel=Channel.SMS, external_id=key)
        if rows.filter(idempotency_key__in=[f"{key}:whole", f"{key}:incomplete"]).exists():
            continue
        first = rows.order_by("received_at").select_related("raw", "municipality").first()
        try:
            mo = kannel.read_mo(read_blob(first.raw))
        except kannel.Malformed:
            continue
        total = mo.concat.total if mo.concat else 1
        stale = first.received_at <= cutoff
        accepted = assemble(first.municipality, key, total=total, incomplete=stale)
        if accepted is not None and accepted.created:
            done["quarantined" if accepted.inbound.idempotency_key.endswith("incomplete")
                 else "assembled"] += 1
    return done


def accept_webhook(*, municipality, body: bytes, data: dict | None, signature: str,
                   enqueue: bool = True):
    """Store a webhook request. (accepted, replayed): the very same signed request again
    is a replay; the same gateway id with a new signature is the gateway resending."""
    from salter.channels.sms.webhook import MAGIC

    raw = MAGIC + body
    digest = hashlib.sha256(raw).hexdigest()
    kind = data.get("type") if data else ""
    key = f"webhook:{kind}:{data['id'][:150]}" if data else f"webhook-unreadable:{digest}"
    existing = InboundMessage.objects.filter(municipality=municipality, channel=Channel.SMS,
                                             idempotency_key=key).first()
    if existing is not None:
        replayed = (existing.metadata or {}).get("signature") == signature
        return Accepted(existing, False), replayed
    endpoint = endpoint_for(municipality, data["to"]) if data and kind == "mo" else None
    sender = _sender(data["from"]) if data and kind == "mo" else ""
    with transaction.atomic():
        accepted = accept(municipality=municipality, channel=Channel.SMS,
                          item=RawItem(raw=raw, idempotency_key=key, sha256=digest,
                                       metadata={"signature": signature}, sender=sender),
                          source="webhook" if kind != "dlr" else "webhook-dlr",
                          endpoint=endpoint, enqueue=False)
        if accepted.created and enqueue:
            enqueue_on_commit(process_texts, accepted.inbound.pk)
    return accepted, False


def accept_dlr(*, municipality, query: str, message_id: str, dlr_type: str,
               stamp: str) -> Accepted:
    raw = dlr_envelope(query)
    key = f"dlr:{message_id[:80]}:{dlr_type[:10]}:{stamp[:20]}"
    with transaction.atomic():
        accepted = accept(municipality=municipality, channel=Channel.SMS,
                          item=RawItem(raw=raw, idempotency_key=key), source=SOURCE + "-dlr",
                          enqueue=False)
        if accepted.created:
            enqueue_on_commit(process_texts, accepted.inbound.pk)
    return accepted
