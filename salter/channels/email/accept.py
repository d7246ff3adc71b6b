"""Handing received mail to intake: cheap and durable.

The bytes are stored and the row committed, the only look inside being a scan of the
header block for the Message-ID (the idempotency key is Message-ID + SHA-256). Parsing
happens later, in the processing task, through the e-mail adapter
(`salter.channels.email.adapter`).
"""

import hashlib
import re

from salter.cases.models import Channel
from salter.channels.email import outlook
from salter.intake.entry import Accepted, RawItem, accept, accept_many

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


def raw_item(raw: bytes, source: str = "") -> RawItem:
    message_id = scan_message_id(raw)
    digest = hashlib.sha256(raw).hexdigest()
    return RawItem(raw=raw, idempotency_key=idempotency_key(message_id, digest),
                   external_id=message_id, sha256=digest, source=source)


def accept_email(*, municipality, raw: bytes, source: str, endpoint=None,
                 enqueue: bool = True) -> Accepted:
    """Store one message durably and queue its processing (the SMTP receiver)."""
    return accept(municipality=municipality, channel=Channel.EMAIL, item=raw_item(raw),
                  source=source, endpoint=endpoint, enqueue=enqueue)


def accept_emails(*, municipality, raws, source: str, endpoint=None,
                  enqueue: bool = True, sources=None) -> list[Accepted]:
    """Store a batch and queue its processing in one transaction (IMAP fetches, files,
    the benchmark); `sources` names each message's own origin (a file), if any."""
    raws = list(raws)
    sources = sources or [""] * len(raws)
    return accept_many(municipality=municipality, channel=Channel.EMAIL,
                       items=[raw_item(raw, name) for raw, name in zip(raws, sources,
                                                                       strict=True)],
                       source=source, endpoint=endpoint, enqueue=enqueue)
