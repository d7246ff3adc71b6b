"""The one outbox: every message Šalter sends to a client goes through here.

`queue_message` writes the row (and the case's MESSAGE_OUT event) inside the caller's
transaction and enqueues `send_outbound` only after commit, so a rolled-back action sends
nothing and a committed one is never forgotten: `send_due` picks up whatever the queue lost.

Sending is at-least-once with a guard that makes it exactly-once in practice: a worker
claims the row under a lock by pushing `next_attempt_at` a lease into the future and
counting the attempt; a second worker finds the row not due and leaves it alone. Only a
worker that dies between handing the message to SMTP and recording it can cause a resend
(after the lease), and the resend carries the same external id (an e-mail's Message-ID).

The outbox knows no channel: each message is handed to its channel's adapter
(`salter.channels.adapters`), which normalises the recipient, names the message and sends
it.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from salter import bulk
from salter.cases.events import record_event
from salter.cases.models import CaseEvent, Channel
from salter.channels.adapters import PermanentFailure, TemporaryFailure, adapter_for
from salter.channels.models import OutboundMessage
from salter.lang.deferred import Deferred
from salter.tasks import enqueue_on_commit
from salter.tenancy.actors import SystemActor

logger = logging.getLogger(__name__)

State = OutboundMessage.State
Purpose = OutboundMessage.Purpose

# How long a claimed message is left to its worker before another may try again.
CLAIM_LEASE = timedelta(minutes=10)
# How long a queued message waits for its task before `send_due` takes it over.
QUEUED_GRACE = timedelta(minutes=2)
# Keep the References header bounded on long threads (RFC 5322 allows trimming the middle).
MAX_REFERENCES = 20


def subject_with_number(subject: str, case) -> str:
    """Every message about a case names it, so a reply finds its way back."""
    subject = " ".join((subject or "").split())  # also drops CR/LF: no header injection
    if case is None:
        return subject
    if not subject:
        subject = case.subject
    if case.registry_number in subject:
        return subject
    return f"[{case.registry_number}] {subject}"


def angled(message_id: str) -> str:
    """Message-IDs in headers are <id>; intake stores them bare."""
    bare = (message_id or "").strip().strip("<>").strip()
    return f"<{bare}>" if bare else ""


def reference_chain(references: str, in_reply_to: str) -> str:
    ids = [angled(i) for i in (references or "").split()]
    if in_reply_to and in_reply_to not in ids:
        ids.append(in_reply_to)
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return " ".join(ids)


@transaction.atomic
def queue_message(*, actor, case, client, recipient: str, subject: str, body: str,
                  purpose: str, inbound=None, in_reply_to: str = "", references: str = "",
                  language: str = "", channel: str = Channel.EMAIL,
                  endpoint=None) -> OutboundMessage:
    """Put a message in the outbox; it is sent after the surrounding transaction commits."""
    message = _unsaved_message(
        actor, case=case, client=client, recipient=recipient, subject=subject, body=body,
        purpose=purpose, inbound=inbound, in_reply_to=in_reply_to, references=references,
        language=language, channel=channel, endpoint=endpoint)
    message.save()
    if case is not None:
        record_event(case, actor, CaseEvent.Kind.MESSAGE_OUT, text=message.subject,
                     after=_queued_event_data(message), ref={"outbound": message.pk})
    enqueue_on_commit(send_outbound, message.pk)
    return message


# --- sending ------------------------------------------------------------------------------

_NO_CHANNEL = Deferred(gettext_noop("Šalter cannot send on this channel yet."))


@task()
def send_outbound(outbound_id: int) -> str:
    """Send one outbound message if it is due; returns the state it ends in."""
    message = _claim(outbound_id)
    if message is None:
        return "skipped"
    adapter = adapter_for(message.channel)
    try:
        if adapter is None or not adapter.can_send:
            raise PermanentFailure(str(_NO_CHANNEL), _NO_CHANNEL)
        external_id = adapter.send(message)
    except PermanentFailure as exc:
        return _record_outcome(message, State.FAILED, _failure(exc))
    except TemporaryFailure as exc:
        return _record_temporary_failure(message, _failure(exc))
    if external_id and external_id != message.external_id:
        OutboundMessage.objects.filter(pk=message.pk).update(external_id=external_id[:255])
    return _record_outcome(message, State.SENT, None)


@dataclass(frozen=True)
class _Failure:
    detail: str  # for the log and operators
    reason: Deferred  # for staff, in their language


def _failure(exc: TemporaryFailure) -> _Failure:
    reason = exc.reason if isinstance(exc.reason, Deferred) else Deferred(
        gettext_noop("The message could not be delivered."))
    return _Failure(str(exc), reason)


def send_due(now=None) -> dict[str, int]:
    """Send every message whose time has come: queued ones whose task went missing and
    retries whose backoff has passed. Safe to run alongside the task workers."""
    now = now or timezone.now()
    due = OutboundMessage.objects.filter(
        Q(state=State.RETRYING, next_attempt_at__lte=now)
        # A fresh message belongs to its queued task for a while; only then is it lost.
        | Q(state=State.QUEUED, next_attempt_at__lte=now - QUEUED_GRACE),
    ).order_by("next_attempt_at").values_list("pk", flat=True)
    outcomes: dict[str, int] = {}
    for pk in list(due[:500]):
        outcome = send_outbound.call(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _claim(outbound_id: int) -> OutboundMessage | None:
    with transaction.atomic():
        message = (OutboundMessage.objects.select_for_update(of=("self",))
                   .select_related("municipality", "case", "endpoint")
                   .filter(pk=outbound_id).first())
        now = timezone.now()
        if (message is None or message.state not in (State.QUEUED, State.RETRYING)
                or message.next_attempt_at > now):
            return None
        message.attempts += 1
        message.next_attempt_at = now + CLAIM_LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def retry_delay(attempts: int) -> timedelta:
    base = settings.SALTER_MAIL_RETRY_BASE_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.SALTER_MAIL_RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds)


def _record_temporary_failure(message: OutboundMessage, failure: _Failure) -> str:
    if message.attempts >= settings.SALTER_MAIL_MAX_ATTEMPTS:
        return _record_outcome(message, State.FAILED, _Failure(
            f"gave up after {message.attempts} attempts: {failure.detail}",
            Deferred(gettext_noop("Gave up after %(n)d attempts: %(reason)s"),
                     {"n": message.attempts, "reason": failure.reason})))
    run_after = timezone.now() + retry_delay(message.attempts)
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=State.RETRYING, next_attempt_at=run_after,
            last_error=failure.detail[:2000], error_data=failure.reason.as_data())
        _record_delivery(message, State.RETRYING, failure, retry_at=run_after)
    logger.info("outbound %s: attempt %s failed (%s), retrying at %s",
                message.pk, message.attempts, failure.detail, run_after)
    send_outbound.using(run_after=run_after).enqueue(message.pk)
    return State.RETRYING


def _record_outcome(message: OutboundMessage, state: str, failure: _Failure | None) -> str:
    with transaction.atomic():
        now = timezone.now()
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=state, last_error=failure.detail[:2000] if failure else "",
            error_data=failure.reason.as_data() if failure else None, next_attempt_at=now,
            sent_at=now if state == State.SENT else None)
        _record_delivery(message, state, failure)
    if state == State.FAILED:
        logger.warning("outbound %s failed: %s", message.pk, failure.detail)
    return state


def _record_delivery(message: OutboundMessage, state: str, failure: _Failure | None, *,
                     retry_at=None) -> None:
    """The attempt on the case's timeline: the state, and why in the reader's language."""
    if message.case is None:
        return
    actor = SystemActor(municipality=message.municipality, label="outbox")
    after = {"state": state, "recipient": message.recipient, "attempts": message.attempts,
             "channel": message.channel}
    if failure is not None:
        after["reason"] = failure.reason.as_data()
    if retry_at is not None:
        after["retry_at"] = retry_at.isoformat()
    record_event(message.case, actor, CaseEvent.Kind.DELIVERY, text=message.recipient,
                 after=after, ref={"outbound": message.pk})


# --- batches (intake acknowledgements) ------------------------------------------------------

# Behind the intake tasks in the queue: a citizen waits a little longer for the receipt,
# while the message itself is registered first.
BATCH_SEND_PRIORITY = -10


@dataclass
class NewMessages:
    """Messages to queue in bulk, built before the transaction (`plan_messages`) and
    inserted in it (`save_messages`) with their MESSAGE_OUT entries."""

    messages: list[OutboundMessage]
    events: list[CaseEvent]  # of the messages about a case; text and ref set when saved


def plan_messages(*, actor, drafts) -> NewMessages:
    """`queue_message` for a batch, first half: validate and build the rows; no queries.
    `drafts` are dicts of `queue_message`'s keyword arguments (without `actor`)."""
    messages = [_unsaved_message(actor, **draft) for draft in drafts]
    events = [bulk.unsaved(CaseEvent, municipality_id=message.municipality_id,
                           case=message.case, kind=CaseEvent.Kind.MESSAGE_OUT,
                           actor=actor.user, actor_label="" if actor.user else str(actor))
              for message in messages if message.case is not None]
    return NewMessages(messages, events)


@transaction.atomic
def save_messages(*, actor, planned: NewMessages) -> list[OutboundMessage]:
    """Insert what `plan_messages` built, inside the caller's transaction, and send them
    with one task after commit."""
    messages = planned.messages
    bulk.insert(OutboundMessage, messages)
    about_cases = [message for message in messages if message.case is not None]
    for event, message in zip(planned.events, about_cases, strict=True):
        event.text = message.subject
        event.after = _queued_event_data(message)
        event.ref = {"outbound": message.pk}
    bulk.insert(CaseEvent, planned.events)
    ids = [message.pk for message in messages]
    if ids:
        enqueue_on_commit(send_outbound_batch.using(priority=BATCH_SEND_PRIORITY), ids)
    return messages


def _queued_event_data(message: OutboundMessage) -> dict:
    return {"state": message.state, "recipient": message.recipient,
            "purpose": message.purpose, "channel": message.channel}


def _unsaved_message(actor, *, case, client, recipient: str, subject: str, body: str,
                     purpose: str, inbound=None, in_reply_to: str = "", references: str = "",
                     language: str = "", channel: str = Channel.EMAIL,
                     endpoint=None) -> OutboundMessage:
    if not (body or "").strip():
        raise ValidationError({"body": [_("Write the message.")]})
    adapter = adapter_for(channel)
    if adapter is not None:
        recipient = adapter.recipient(recipient)
    if inbound is not None and not in_reply_to:
        in_reply_to = inbound.external_id
    if endpoint is None and inbound is not None:
        endpoint = inbound.endpoint_id
    in_reply_to = angled(in_reply_to)
    metadata = {key: value for key, value in (
        ("in_reply_to", in_reply_to),
        ("references", reference_chain(references, in_reply_to))) if value}
    return bulk.unsaved(
        OutboundMessage, municipality=actor.municipality, channel=channel, inbound=inbound,
        purpose=purpose, case=case, client=client, recipient=recipient,
        endpoint_id=getattr(endpoint, "pk", endpoint),
        subject=subject_with_number(subject, case)[:300], body_text=body,
        language=language or (case.language if case is not None else ""),
        external_id=adapter.new_external_id() if adapter is not None else "",
        metadata=metadata, created_by=actor.user)


@task()
def send_outbound_batch(outbound_ids: list[int]) -> dict[str, int]:
    """Send a batch queued together, one after another, each claimed as `send_outbound`
    claims it: one task row for the batch instead of one per message."""
    outcomes: dict[str, int] = {}
    for pk in outbound_ids:
        outcome = send_outbound.call(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


# --- delivery reports ----------------------------------------------------------------------

# Without our id in the report, the latest message to the recipient within this window is
# taken to be the one it is about.
REPORT_WINDOW = timedelta(days=14)
_FINAL = (State.BOUNCED,)


@transaction.atomic
def record_delivery_report(*, actor, municipality, report) -> list[OutboundMessage]:
    """A report about messages we sent (an e-mail bounce, later an SMS delivery report):
    each message it names takes the reported state, said on its case's timeline; a
    recipient that bounced is marked failing on its client. Returns the messages."""
    from salter.clients.actions import mark_contact_failing
    from salter.clients.models import ContactPoint

    reason = report.reason or report.state
    if report.state == State.BOUNCED:
        # Every kind named, so that the (municipality, kind, value) index finds them.
        for point in ContactPoint.objects.filter(municipality=municipality,
                                                 kind__in=ContactPoint.Kind.values,
                                                 value__in=report.recipients):
            mark_contact_failing(actor=actor, point=point, reason=reason)
    messages = [message for message in _reported_messages(municipality, report)
                if not _behind(message.state, report.state)]
    for message in messages:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=report.state, last_error=reason[:2000])
        if message.case is not None:
            record_event(message.case, actor, CaseEvent.Kind.DELIVERY, text=reason,
                         after={"state": report.state, "recipient": message.recipient,
                                "attempts": message.attempts, "error": reason,
                                "channel": message.channel},
                         ref={"outbound": message.pk})
    return messages


# Reports may arrive out of order (the SMSC's "accepted" after the phone's "delivered"):
# a report never takes a message back to a state it has passed.
_PROGRESS = {State.SENT: 1, State.BUFFERED: 2, State.DELIVERED: 3}


def _behind(current: str, reported: str) -> bool:
    return _PROGRESS.get(reported, 99) < _PROGRESS.get(current, 0)


def _reported_messages(municipality, report) -> list[OutboundMessage]:
    ours = (OutboundMessage.objects.filter(municipality=municipality)
            .exclude(state__in=_FINAL).select_related("case"))
    if report.external_ids:
        ids = [*report.external_ids, *(angled(i) for i in report.external_ids)]
        # Unordered: the (municipality, external_id) index answers it without a sort.
        found = list(ours.filter(external_id__in=ids).order_by())
        if found:
            return found
    latest = []
    for recipient in report.recipients:
        message = (ours.filter(recipient=recipient,
                               created_at__gte=timezone.now() - REPORT_WINDOW)
                   .order_by("-created_at").first())
        if message is not None:
            latest.append(message)
    return latest
