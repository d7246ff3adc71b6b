"""Outlook's winmail.dat (TNEF): unpack its attachments and body with tnefparse."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from tnefparse.tnef import TNEF

from .charsets import decode_bytes

TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
TNEF_CONTENT_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
MAX_OBJECTS = 5000


@dataclass(slots=True)
class TnefContent:
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (name, data)
    body: str = ""
    html: str = ""


def looks_like_tnef(content_type: str, filename: str, data: bytes) -> bool:
    return data.startswith(TNEF_SIGNATURE) and (
        content_type in TNEF_CONTENT_TYPES or filename.lower() == "winmail.dat"
    )


def expand(data: bytes) -> TnefContent | None:
    """Contents of a TNEF stream, or None when it cannot be read (keep the original)."""
    if _too_many_objects(data):
        return None
    try:
        tnef = TNEF(data, do_checksum=False)
        content = TnefContent()
        for attachment in tnef.attachments:
            content.attachments.append((_name(attachment), bytes(attachment.data or b"")))
        content.body = _text(tnef.body)
        content.html = _text(tnef.htmlbody)
    except Exception:
        # tnefparse raises whatever its struct reads hit on malformed input.
        return None
    if not (content.attachments or content.body or content.html):
        return None  # nothing recognisable: the original is worth more
    return content


def _too_many_objects(data: bytes) -> bool:
    """tnefparse copies the rest of the stream for every object it reads, so a
    stream of many tiny objects takes quadratic time; Outlook writes a few
    dozen per message."""
    offset, count = 6, 0
    while offset + 12 < len(data):
        (length,) = struct.unpack_from("<I", data, offset + 5)
        offset += length + 11
        count += 1
        if count > MAX_OBJECTS:
            return True
    return False


def _name(attachment) -> str:
    """The long (MAPI) file name, else the 8.3 title; tnefparse decodes the
    title as UTF-8 although Outlook writes it in the message's code page."""
    try:
        name = attachment.long_filename()
    except Exception:
        # Names are decoded lazily by tnefparse and may be garbage.
        name = getattr(attachment, "_name", b"")
    if isinstance(name, bytes):
        name = decode_bytes(name.split(b"\x00", 1)[0]).text
    return str(name or "").strip("\x00")


def _text(value) -> str:
    if not value:
        return ""
    if isinstance(value, bytes):
        return decode_bytes(value.rstrip(b"\x00")).text
    return str(value).rstrip("\x00")
