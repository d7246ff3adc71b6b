"""The one outbox: every message Šalter sends to a client goes through here.

`queue_message` writes the row (and the case's MESSAGE_OUT event) inside the caller's
transaction and enqueues `send_outbound` only after commit, so a rolled-back action sends
nothing and a committed one is never forgotten: `send_due` picks up whatever the queue lost.

Sending is at-least-once with a guard that makes it exactly-once in practice: a worker
claims the row under a lock by pushing `next_attempt_at` a lease into the future and
counting the attempt; a second worker finds the row not due and leaves it alone. Only a
worker that dies between handing the message to SMTP and recording it can cause a resend
(after the lease), and the resend carries the same Message-ID.
"""

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from salter import bulk
from salter.cases.events import record_event
from salter.cases.models import CaseEvent, Channel
from salter.channels.models import OutboundMessage
from salter.clients.contact import normalize_email
from salter.tasks import enqueue_on_commit
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Language

logger = logging.getLogger(__name__)

State = OutboundMessage.State
Purpose = OutboundMessage.Purpose

# How long a claimed message is left to its worker before another may try again.
CLAIM_LEASE = timedelta(minutes=10)
# How long a queued message waits for its task before `send_due` takes it over.
QUEUED_GRACE = timedelta(minutes=2)
# Keep the References header bounded on long threads (RFC 5322 allows trimming the middle).
MAX_REFERENCES = 20
# BCP 47 tags for the Content-Language header.
CONTENT_LANGUAGE = {
    Language.SR_LATN: "sr-Latn",
    Language.SR_CYRL: "sr-Cyrl",
    Language.HU: "hu",
    Language.EN: "en",
}
# 7bit transfer encoding (quoted-printable/base64 bodies) reaches every server, even one
# without 8BITMIME; outbound volume is small, so the size cost does not matter.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{settings.SALTER_MAIL_DOMAIN}>"


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
                  language: str = "", channel: str = Channel.EMAIL) -> OutboundMessage:
    """Put a message in the outbox; it is sent after the surrounding transaction commits."""
    message = _unsaved_message(
        actor, case=case, client=client, recipient=recipient, subject=subject, body=body,
        purpose=purpose, inbound=inbound, in_reply_to=in_reply_to, references=references,
        language=language, channel=channel)
    message.save()
    if case is not None:
        record_event(case, actor, CaseEvent.Kind.MESSAGE_OUT, text=message.subject,
                     after=_queued_event_data(message), ref={"outbound": message.pk})
    enqueue_on_commit(send_outbound, message.pk)
    return message


# --- sending ------------------------------------------------------------------------------


class TemporaryFailure(Exception):
    """The receiving side may accept the message later (4xx, connection trouble)."""


class PermanentFailure(Exception):
    """The receiving side will never accept this message (5xx)."""


@task()
def send_outbound(outbound_id: int) -> str:
    """Send one outbound message if it is due; returns the state it ends in."""
    message = _claim(outbound_id)
    if message is None:
        return "skipped"
    sender = SENDERS.get(message.channel)
    try:
        if sender is None:
            raise PermanentFailure(_("Šalter cannot send on this channel yet."))
        sender(message)
    except TemporaryFailure as exc:
        return _record_temporary_failure(message, str(exc))
    except PermanentFailure as exc:
        return _record_outcome(message, State.FAILED, str(exc))
    return _record_outcome(message, State.SENT, "")


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
                   .select_related("municipality", "case", "inbound__mailbox")
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


def _record_temporary_failure(message: OutboundMessage, error: str) -> str:
    if message.attempts >= settings.SALTER_MAIL_MAX_ATTEMPTS:
        return _record_outcome(message, State.FAILED,
                               _("Gave up after %(n)d attempts: %(error)s")
                               % {"n": message.attempts, "error": error})
    run_after = timezone.now() + retry_delay(message.attempts)
    OutboundMessage.objects.filter(pk=message.pk).update(
        state=State.RETRYING, next_attempt_at=run_after, last_error=error[:2000])
    logger.info("outbound %s: attempt %s failed (%s), retrying at %s",
                message.pk, message.attempts, error, run_after)
    send_outbound.using(run_after=run_after).enqueue(message.pk)
    return State.RETRYING


def _record_outcome(message: OutboundMessage, state: str, error: str) -> str:
    with transaction.atomic():
        now = timezone.now()
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=state, last_error=error[:2000], next_attempt_at=now,
            sent_at=now if state == State.SENT else None)
        if message.case is not None:
            actor = SystemActor(municipality=message.municipality, label="outbox")
            record_event(message.case, actor, CaseEvent.Kind.DELIVERY,
                         text=error or message.recipient,
                         after={"state": state, "recipient": message.recipient,
                                "attempts": message.attempts, "error": error},
                         ref={"outbound": message.pk})
    if state == State.FAILED:
        logger.warning("outbound %s failed: %s", message.pk, error)
    return state


# --- e-mail -------------------------------------------------------------------------------


def sender_address(message: OutboundMessage) -> Address:
    """The mailbox the client wrote to, else the municipality's public address."""
    municipality = message.municipality
    mailbox = message.inbound.mailbox if message.inbound_id else None
    address = (mailbox.address if mailbox else "") or municipality.email
    address = address or settings.SALTER_MAIL_FROM
    name = municipality.name_cyrl if message.language == Language.SR_CYRL else municipality.name
    username, _at, domain = address.rpartition("@")
    return Address(display_name=name or "", username=username, domain=domain)


def build_email(message: OutboundMessage) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = sender_address(message)
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = message.message_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references:
        mail["References"] = message.references
    if message.purpose == Purpose.ACKNOWLEDGEMENT:
        # RFC 3834: an automatic answer; other robots must not answer it in turn.
        mail["Auto-Submitted"] = "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    if message.case is not None:
        mail["X-Salter-Case"] = message.case.registry_number
    mail.set_content(message.body_text)
    # After set_content, which clears every Content-* header.
    if message.language in CONTENT_LANGUAGE:
        mail["Content-Language"] = CONTENT_LANGUAGE[message.language]
    return mail


def _smtp_connection() -> smtplib.SMTP:
    host, port, timeout = settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT
    if settings.EMAIL_USE_SSL:
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
        if settings.EMAIL_USE_TLS:
            connection.starttls()
    if settings.EMAIL_HOST_USER:
        connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    return connection


def send_email(message: OutboundMessage) -> None:
    mail = build_email(message)
    envelope_from = settings.SALTER_MAIL_RETURN_PATH or mail["From"].addresses[0].addr_spec
    try:
        with _smtp_connection() as connection:
            connection.send_message(mail, from_addr=envelope_from,
                                    to_addrs=[message.recipient])
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _by_code(code, text) from exc
    except smtplib.SMTPAuthenticationError as exc:
        # Our credentials, not the message: worth retrying once someone fixes them.
        raise TemporaryFailure(_smtp_text(exc.smtp_code, exc.smtp_error)) from exc
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, exc.smtp_error) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


def _smtp_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _by_code(code: int, text) -> Exception:
    error = _smtp_text(code, text)
    return PermanentFailure(error) if 500 <= code < 600 else TemporaryFailure(error)


SENDERS = {Channel.EMAIL: send_email}


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
    events = [CaseEvent(municipality_id=message.municipality_id, case=message.case,
                        kind=CaseEvent.Kind.MESSAGE_OUT, actor=actor.user,
                        actor_label="" if actor.user else str(actor))
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
                     language: str = "", channel: str = Channel.EMAIL) -> OutboundMessage:
    if not (body or "").strip():
        raise ValidationError({"body": [_("Write the message.")]})
    if channel == Channel.EMAIL:
        recipient = normalize_email(recipient)
    if inbound is not None and not in_reply_to:
        in_reply_to = inbound.message_id
    in_reply_to = angled(in_reply_to)
    return OutboundMessage(
        municipality=actor.municipality, channel=channel, inbound=inbound, purpose=purpose,
        case=case, client=client, recipient=recipient,
        subject=subject_with_number(subject, case)[:300], body_text=body,
        language=language or (case.language if case is not None else ""),
        message_id=new_message_id(), in_reply_to=in_reply_to,
        references=reference_chain(references, in_reply_to), created_by=actor.user)


@task()
def send_outbound_batch(outbound_ids: list[int]) -> dict[str, int]:
    """Send a batch queued together, one after another, each claimed as `send_outbound`
    claims it: one task row for the batch instead of one per message."""
    outcomes: dict[str, int] = {}
    for pk in outbound_ids:
        outcome = send_outbound.call(pk)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
