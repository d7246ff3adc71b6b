"""The e-mail channel's adapter to the intake pipeline.

Accepting is cheap and durable: the bytes are stored and the row committed, the only
look inside being a scan of the header block for the Message-ID (the idempotency key is
Message-ID + SHA-256). Parsing happens later, in the processing task, through the one
parser in `salter.channels.email.parsing`.
"""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from salter.cases.models import Channel
from salter.channels.email import outlook
from salter.channels.models import InboundMessage
from salter.channels.store import RawItem, store_inbound, store_inbound_many
from salter.clients.contact import normalize_email
from salter.clients.models import ContactPoint
from salter.documents.storage import read_blob
from salter.intake.incoming import Incoming, Unreadable
from salter.intake.loops import automatic_reason, bounce_of
from salter.lang.detection import detect_language

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_HEADER_SCAN_LIMIT = 256 * 1024
_MESSAGE_ID = re.compile(rb"^message-id[ \t]*:((?:[^\r\n]|\r?\n[ \t])*)",
                         re.IGNORECASE | re.MULTILINE)
_ANGLE = re.compile(r"<([^<>\s]+)>")
_KEY_ID_LENGTH = 180  # leaves room for "|" and the 64 hex digits within 255


def scan_message_id(raw: bytes) -> str:
    """The Message-ID (without <>) from the header block, without parsing the message."""
    if outlook.is_compound_file(raw):
        # A .msg is binary: a "Message-ID:" line found in it could be an attachment's.
        return ""
    end = _HEADER_END.search(raw, 0, _HEADER_SCAN_LIMIT)
    head = raw[: end.start() if end else _HEADER_SCAN_LIMIT]
    match = _MESSAGE_ID.search(head)
    if match is None:
        return ""
    value = " ".join(match.group(1).decode("ascii", "replace").split())
    angled = _ANGLE.search(value)
    return (angled.group(1) if angled else value)[:255]


def idempotency_key(message_id: str, sha256: str) -> str:
    return f"{message_id[:_KEY_ID_LENGTH]}|{sha256}"


def accept_email(*, municipality, raw: bytes, source: str, mailbox=None,
                 enqueue: bool = True) -> tuple[InboundMessage, bool]:
    """Store one message durably and queue its processing; (existing, False) if seen.

    `enqueue=False` is for callers that process the message themselves right away.
    """
    from salter.intake.pipeline import enqueue_processing

    message_id = scan_message_id(raw)
    digest = hashlib.sha256(raw).hexdigest()
    key = idempotency_key(message_id, digest)
    with transaction.atomic():
        inbound, created = store_inbound(
            municipality=municipality, channel=Channel.EMAIL, raw=raw, idempotency_key=key,
            source=source, mailbox=mailbox, message_id=message_id, sha256=digest)
        if created and enqueue:
            enqueue_processing([inbound.pk], single=True)
    return inbound, created


def accept_emails(*, municipality, raws, source: str,
                  mailbox=None) -> list[tuple[InboundMessage, bool]]:
    """Store a batch and queue its processing in one transaction (IMAP fetches, the
    benchmark)."""
    from salter.intake.pipeline import enqueue_processing

    items = []
    for raw in raws:
        message_id = scan_message_id(raw)
        digest = hashlib.sha256(raw).hexdigest()
        items.append(RawItem(raw=raw, idempotency_key=idempotency_key(message_id, digest),
                             message_id=message_id, sha256=digest))
    with transaction.atomic():
        results = store_inbound_many(municipality=municipality, channel=Channel.EMAIL,
                                     items=items, source=source, mailbox=mailbox)
        fresh = [inbound.pk for inbound, created in results if created]
        if fresh:
            enqueue_processing(fresh)
    return results


def _parse_limits() -> dict:
    names = {"max_attachment_bytes": "SALTER_MAIL_MAX_ATTACHMENT_BYTES",
             "max_parts": "SALTER_MAIL_MAX_PARTS", "max_depth": "SALTER_MAIL_MAX_DEPTH"}
    return {arg: getattr(settings, name) for arg, name in names.items()
            if hasattr(settings, name)}


def parse_inbound(inbound: InboundMessage):
    """The parsed message; raises UnparseableEmail, or Unreadable for an Outlook .msg file
    that cannot be converted. The stored original stays the .msg itself."""
    from salter.channels.email.parsing import parse_email

    raw = read_blob(inbound.raw)
    limits = _parse_limits()
    if outlook.is_compound_file(raw):
        try:
            raw = outlook.to_internet_message(raw, **limits)
        except outlook.UnreadableOutlookFile as exc:
            raise Unreadable(exc.reason) from exc
    return parse_email(raw, **limits)


def interpret_email(inbound: InboundMessage, *, own_addresses: frozenset[str]) -> Incoming:
    from salter.channels.email.parsing import UnparseableEmail

    try:
        parsed = parse_inbound(inbound)
    except UnparseableEmail as exc:
        raise Unreadable(str(getattr(exc, "reason", "") or exc)) from exc
    except FileNotFoundError as exc:
        raise Unreadable(f"raw bytes missing from the store: {exc.filename}") from exc
    try:
        sender = normalize_email(parsed.from_address or "")
    except ValidationError:
        sender = ""
    text = (parsed.text or "").strip() or (parsed.full_text or "").strip()
    return Incoming(
        sender=sender,
        sender_kind=ContactPoint.Kind.EMAIL,
        sender_name=" ".join((parsed.from_name or "").split()),
        subject=" ".join((parsed.subject or "").split()),
        text=text,
        full_text=parsed.full_text or text,
        attachments=tuple(parsed.attachments or ()),
        message_id=parsed.message_id or inbound.message_id,
        references=_thread_ids(parsed),
        automatic=automatic_reason(parsed, own_addresses=own_addresses),
        bounce=bounce_of(parsed),
        language=detect_language(text or parsed.subject or ""),
    )


def _thread_ids(parsed) -> tuple[str, ...]:
    ids = list(parsed.references or ())
    if parsed.in_reply_to and parsed.in_reply_to not in ids:
        ids.append(parsed.in_reply_to)
    return tuple(i.strip("<> ") for i in ids if i)
