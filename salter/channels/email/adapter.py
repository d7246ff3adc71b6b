"""The e-mail channel's adapter: a stored message (RFC 5322 bytes or an Outlook .msg) into
a neutral intake item, and an outbound message onto SMTP.

What only e-mail has is decided here: loops and automatic mail (Auto-Submitted,
Precedence, list headers, our own messages coming back), bounces as delivery reports,
threading by Message-ID/In-Reply-To/References, and a citizen's message forwarded by one
of the municipality's own addresses, whose sender is then the client.
"""

import smtplib
import uuid
from datetime import timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_noop

from salter.cases.models import Channel
from salter.channels.adapters import Adapter, PermanentFailure, TemporaryFailure
from salter.channels.email import outlook
from salter.channels.email.forwards import forwarded_message
from salter.channels.email.loops import automatic_reason, bounce_of
from salter.channels.email.parsing import UnparseableEmail, parse_email
from salter.clients.contact import normalize_email
from salter.clients.models import ContactPoint
from salter.intake.items import Attachment, Item, Sender, Unreadable
from salter.lang.deferred import Deferred
from salter.lang.detection import detect_language
from salter.tenancy.models import Language

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
# A Date header further from the moment the message reached us than this is a sender's
# wrong clock, not when the citizen wrote.
_PLAUSIBLE_PAST = timedelta(days=7)
_PLAUSIBLE_FUTURE = timedelta(minutes=10)


class EmailAdapter(Adapter):
    channel = Channel.EMAIL
    acknowledgement = "email"

    # --- in ---------------------------------------------------------------------------------

    def interpret(self, inbound, raw: bytes, context) -> Item:
        parsed = parse(raw)
        address = _address(parsed.from_address)
        forward = None
        if address in context.municipal_addresses:
            forward = forwarded_message(parsed)
            if forward is not None and (not _address(forward.from_address)
                                        or _address(forward.from_address)
                                        in context.municipal_addresses):
                forward = None  # mail between offices, not a citizen's
        automatic = automatic_reason(parsed, own_addresses=context.own_addresses,
                                     forwarded=forward is not None)
        if forward is not None:
            return _forwarded_item(parsed, forward, address, automatic, inbound)
        text = (parsed.text or "").strip() or (parsed.full_text or "").strip()
        subject = " ".join((parsed.subject or "").split())
        return Item(
            sender=Sender(kind=ContactPoint.Kind.EMAIL, value=address,
                          name=" ".join((parsed.from_name or "").split()),
                          shown=parsed.from_address or ""),
            subject=subject,
            text=text,
            full_text=parsed.full_text or text,
            language=detect_language(text or subject),
            attachments=_attachments(parsed.attachments),
            external_id=parsed.message_id or inbound.external_id,
            replies_to=_thread_ids(parsed),
            marks_text=subject,
            sent_at=plausible(parsed.date, inbound.received_at),
            automatic=automatic,
            report=bounce_of(parsed),
        )

    # --- out --------------------------------------------------------------------------------

    def recipient(self, value: str) -> str:
        return normalize_email(value)

    def new_external_id(self) -> str:
        return f"<{uuid.uuid4().hex}@{settings.SALTER_MAIL_DOMAIN}>"

    def send(self, message) -> str:
        mail = build_email(message)
        envelope_from = (settings.SALTER_MAIL_RETURN_PATH
                         or mail["From"].addresses[0].addr_spec)
        try:
            with _smtp_connection() as connection:
                connection.send_message(mail, from_addr=envelope_from,
                                        to_addrs=[message.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _by_code(code, text) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not the message: worth retrying once someone fixes them.
            raise TemporaryFailure(_smtp_text(exc.smtp_code, exc.smtp_error), Deferred(
                gettext_noop("Šalter could not log in to its mail server; an administrator "
                             "must check the mail settings."))) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}", Deferred(gettext_noop(
                "The mail server could not be reached."))) from exc
        return message.external_id


def parse(raw: bytes):
    """The parsed message; raises Unreadable with the reason. A stored Outlook .msg is
    converted first (the stored original stays the .msg itself)."""
    limits = _parse_limits()
    if outlook.is_compound_file(raw):
        try:
            raw = outlook.to_internet_message(raw, **limits)
        except outlook.UnreadableOutlookFile as exc:
            raise Unreadable(exc.reason) from exc
    try:
        return parse_email(raw, **limits)
    except UnparseableEmail as exc:
        raise Unreadable(str(getattr(exc, "reason", "") or exc)) from exc


def _parse_limits() -> dict:
    names = {"max_attachment_bytes": "SALTER_MAIL_MAX_ATTACHMENT_BYTES",
             "max_parts": "SALTER_MAIL_MAX_PARTS", "max_depth": "SALTER_MAIL_MAX_DEPTH"}
    return {arg: getattr(settings, name) for arg, name in names.items()
            if hasattr(settings, name)}


def plausible(sent_at, received_at):
    """The sender's Date, unless their clock is clearly wrong."""
    if sent_at is None or received_at is None:
        return None
    if received_at - _PLAUSIBLE_PAST <= sent_at <= received_at + _PLAUSIBLE_FUTURE:
        return min(sent_at, received_at)
    return None


def _address(value) -> str:
    try:
        return normalize_email(value or "")
    except ValidationError:
        return ""


def _attachments(parsed_attachments) -> tuple[Attachment, ...]:
    return tuple(Attachment(a.filename or "", a.content_type or "", a.data)
                 for a in parsed_attachments or ())


def _thread_ids(parsed) -> tuple[str, ...]:
    ids = list(parsed.references or ())
    if parsed.in_reply_to and parsed.in_reply_to not in ids:
        ids.append(parsed.in_reply_to)
    return tuple(i.strip("<> ") for i in ids if i)


def _forwarded_item(parsed, forward, forwarder: str, automatic, inbound) -> Item:
    """The forwarded message is the item: its sender, text and time; the forwarder, their
    note and the forwarding message's own id are kept as facts."""
    subject = " ".join((forward.subject or parsed.subject or "").split())
    text = forward.text.strip()
    outer_id = parsed.message_id or inbound.external_id
    return Item(
        sender=Sender(kind=ContactPoint.Kind.EMAIL, value=_address(forward.from_address),
                      name=" ".join(forward.from_name.split()), shown=forward.from_address),
        subject=subject,
        text=text,
        full_text=parsed.full_text or text,
        language=detect_language(text or subject),
        attachments=_attachments(parsed.attachments),
        # The citizen's own Message-ID where the forward carries it: the same message
        # reaching intake directly too is then recognised as a copy.
        external_id=forward.message_id or outer_id,
        replies_to=tuple(dict.fromkeys([*forward.references, *_thread_ids(parsed)])),
        marks_text=f"{subject}\n{parsed.subject or ''}",
        sent_at=plausible(forward.sent_at, inbound.received_at),
        automatic=automatic,
        forwarded_by=Sender(kind=ContactPoint.Kind.EMAIL, value=forwarder,
                            name=" ".join((parsed.from_name or "").split())),
        facts={"forward": {"by": forwarder, "note": forward.note[:2000],
                           "message_id": outer_id}},
    )


# --- building and sending mail ------------------------------------------------------------


def sender_address(message) -> Address:
    """The endpoint the message goes out from (the one the client wrote to), else the
    municipality's public address."""
    municipality = message.municipality
    endpoint = message.endpoint if message.endpoint_id else None
    address = (endpoint.address if endpoint is not None else "") or municipality.email
    address = address or settings.SALTER_MAIL_FROM
    name = municipality.name_cyrl if message.language == Language.SR_CYRL else municipality.name
    username, _at, domain = address.rpartition("@")
    return Address(display_name=name or "", username=username, domain=domain)


def build_email(message) -> EmailMessage:
    from salter.channels.models import OutboundMessage

    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = sender_address(message)
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(timezone.now())
    mail["Message-ID"] = message.external_id
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
    if message.references:
        mail["References"] = message.references
    if message.purpose == OutboundMessage.Purpose.ACKNOWLEDGEMENT:
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


def _smtp_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}"


def _by_code(code: int, text) -> Exception:
    detail = _smtp_text(code, text)
    if 500 <= code < 600:
        return PermanentFailure(detail, Deferred(gettext_noop(
            "The receiving mail server refused the message (code %(code)s)."),
            {"code": code}))
    return TemporaryFailure(detail, Deferred(gettext_noop(
        "The receiving mail server asked to try again later (code %(code)s)."),
        {"code": code}))
