"""Outlook's .msg files, turned into Internet messages for the one parser.

A .msg (MS-OXMSG) is an OLE2 compound file: a small file system of storages and streams.
The message's properties live in it, each either in the fixed-size table of the
``__properties_version1.0`` stream or, when variable in length, in a stream of its own
named ``__substg1.0_IIIITTTT`` (property id, property type); recipients and attachments
are sub-storages, and an attached message is a whole message again inside its
attachment. We read that with olefile and write an ordinary MIME message, which then goes
through `parsing.parse_email` like every .eml, so threading, charsets, attachments and
limits are handled in one place.

For received mail Outlook keeps the original Internet header block
(PR_TRANSPORT_MESSAGE_HEADERS); those headers are copied over unchanged, so the parser
decodes them exactly as it would have decoded the original message. Otherwise the
headers are written from the message's properties.

Anything that is not a readable message raises UnreadableOutlookFile with a reason for
the quarantine. Sizes are checked before anything is read, because a damaged or hostile
file can claim streams far larger than itself.
"""

from __future__ import annotations

import codecs
import io
import mimetypes
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime, quote

import olefile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salter.lang.deferred import Deferred

from .charsets import decode_bytes
from .headers import clean_line, normalize_address

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A name, not a word: the reasons take it as a placeholder, so no translation (and no
# transliteration into Cyrillic) changes it.
FORMAT = "Outlook .msg"

MAX_RECIPIENTS = 1000  # more are ignored; the parser keeps at most 200 anyway
MAX_HEADERS = 2000
MAX_TRANSPORT_HEADER_CHARS = 512 * 1024

# Property ids (MS-OXPROPS).
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENT_REPRESENTING_NAME = 0x0042
PR_SENT_REPRESENTING_ADDRTYPE = 0x0064
PR_SENT_REPRESENTING_EMAIL_ADDRESS = 0x0065
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D
PR_RECIPIENT_TYPE = 0x0C15
PR_SENDER_NAME = 0x0C1A
PR_SENDER_ADDRTYPE = 0x0C1E
PR_SENDER_EMAIL_ADDRESS = 0x0C1F
PR_DISPLAY_TO = 0x0E04
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_HTML = 0x1013
PR_INTERNET_MESSAGE_ID = 0x1035
PR_INTERNET_REFERENCES = 0x1039
PR_IN_REPLY_TO_ID = 0x1042
PR_DISPLAY_NAME = 0x3001
PR_ADDRTYPE = 0x3002
PR_EMAIL_ADDRESS = 0x3003
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
PR_SMTP_ADDRESS = 0x39FE
PR_INTERNET_CPID = 0x3FDE
PR_MESSAGE_CODEPAGE = 0x3FFD
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_SENT_REPRESENTING_SMTP_ADDRESS = 0x5D02

# Property types (MS-OXCDATA).
PT_LONG = 0x0003
PT_BOOLEAN = 0x000B
PT_OBJECT = 0x000D
PT_STRING8 = 0x001E
PT_UNICODE = 0x001F
PT_SYSTIME = 0x0040
PT_BINARY = 0x0102

ATTACH_BY_VALUE = 1
ATTACH_EMBEDDED_MSG = 5
RECIPIENT_CC = 2

PROPERTIES = "__properties_version1.0"
ATTACHMENT_PREFIX = "__attach_version1.0_#"
RECIPIENT_PREFIX = "__recip_version1.0_#"
EMBEDDED_MESSAGE = f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_OBJECT:04X}"
# Bytes before the property entries of the properties stream (MS-OXMSG 2.4.1).
TOP_HEADER, EMBEDDED_HEADER, CHILD_HEADER = 32, 24, 8

# Header values are copied verbatim (refold_source="none"); the parts we build are
# written by the stdlib in the usual way.
_POLICY = policy.default.clone(refold_source="none")
_MIME_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}$")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
# Windows code pages whose Python codec is not simply "cp<number>".
_CODEPAGES = {
    65001: "utf-8", 1200: "utf-16-le", 1201: "utf-16-be", 20127: "ascii",
    20866: "koi8-r", 21866: "koi8-u", 10000: "mac-roman", 10007: "mac-cyrillic",
    10029: "mac-latin2", 50220: "iso2022-jp", 50221: "iso2022-jp", 50222: "iso2022-jp",
    51932: "euc-jp", 51949: "euc-kr", 54936: "gb18030", 52936: "hz",
    **{28590 + n: f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 15)},
}


class UnreadableOutlookFile(Exception):
    """The .msg file cannot be turned into a message; ``reason`` goes to quarantine."""

    def __init__(self, reason: Deferred) -> None:
        super().__init__(str(reason))
        self.reason = reason


def is_compound_file(raw: bytes) -> bool:
    """An OLE2 compound file: an Outlook .msg, or a Word, Excel, … document."""
    return raw[:8] == OLE2_MAGIC


def to_internet_message(raw: bytes, *, max_attachment_bytes: int = 25 * 1024 * 1024,
                        max_parts: int = 200, max_depth: int = 20) -> bytes:
    """The .msg file as the bytes of an Internet message; raises UnreadableOutlookFile.

    The limits are the parser's: no attachment over max_attachment_bytes, at most
    max_parts attachments in all, attached messages at most max_depth deep.
    """
    _check_allocation(raw)
    limits = _Limits(max_attachment_bytes, max_parts, max_depth)
    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except RecursionError as exc:
        raise _damaged("its directory is nested too deeply") from exc
    except Exception as exc:
        # olefile reports damage with OSError, struct.error, IndexError, …
        raise _damaged(_detail(exc)) from exc
    try:
        reader = _Reader(ole, len(raw), limits)
        top = reader.top_storage()
        return reader.message(top, depth=0).as_bytes(policy=_POLICY)
    except UnreadableOutlookFile:
        raise
    except RecursionError as exc:
        raise _damaged("its structure is nested too deeply") from exc
    except MemoryError as exc:
        raise _damaged("too large to convert in memory") from exc
    except Exception as exc:
        # A bug of ours must not crash the worker either; the reason names it for replay.
        raise _damaged(_detail(exc)) from exc
    finally:
        ole.close()


def _damaged(detail: str) -> UnreadableOutlookFile:
    return UnreadableOutlookFile(
        Deferred(gettext_noop(
            "The %(format)s file is damaged and cannot be read (%(detail)s)."),
            {"format": FORMAT, "detail": detail}))


def _detail(exc: Exception) -> str:
    return clean_line(f"{type(exc).__name__}: {exc}")[:200]


def _check_allocation(raw: bytes) -> None:
    """Refuse headers whose allocation tables claim more sectors than the file holds:
    olefile would follow them (growing its table by copying) before any check of ours."""
    if len(raw) < 512:
        raise _damaged("it is shorter than its own header")
    sector_shift, mini_shift = struct.unpack_from("<HH", raw, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise _damaged("unknown sector size")
    sector = 1 << sector_shift
    sectors = (len(raw) + sector - 1) // sector - 1
    (fat_sectors,) = struct.unpack_from("<I", raw, 44)
    (mini_fat_sectors,) = struct.unpack_from("<I", raw, 64)
    (difat_sectors,) = struct.unpack_from("<I", raw, 72)
    if (fat_sectors > sectors // (sector // 4) + 2 or mini_fat_sectors > sectors
            or difat_sectors > sectors):
        raise _damaged("its allocation tables claim more than the file holds")


@dataclass(frozen=True, slots=True)
class _Limits:
    max_attachment_bytes: int
    max_parts: int
    max_depth: int


@dataclass(slots=True)
class _Storage:
    """One message, attachment or recipient: where it is and its fixed-size properties."""

    path: list[str]
    node: olefile.olefile.OleDirectoryEntry
    fixed: dict[int, tuple[int, bytes]]  # property id -> (type, 8 value bytes)
    codec: str  # for PT_STRING8 values; "" means unknown (windows-1252, checked)


class _Reader:
    def __init__(self, ole: olefile.OleFileIO, size: int, limits: _Limits) -> None:
        self.ole = ole
        self.size = size
        self.limits = limits
        # In an undamaged file every byte belongs to one stream at most.
        self.budget = size
        self.attachments = 0
        if ole.root.size > size:
            raise _damaged(f"its mini stream claims {ole.root.size} bytes")

    # --- storages and streams ---------------------------------------------------------

    def top_storage(self) -> _Storage:
        top = self.storage([], self.ole.root, TOP_HEADER, codec="")
        if top is None:
            raise UnreadableOutlookFile(
                Deferred(gettext_noop(
                    "This file is not an %(format)s message but another kind of document "
                    "(%(examples)s, …); attach it to a case by hand if it is needed."),
                    {"format": FORMAT, "examples": "Word, Excel"}))
        return top

    def storage(self, path, node, header: int, *, codec: str) -> _Storage | None:
        """The storage at path with its properties; None without a properties stream."""
        data = self.stream(path, node, PROPERTIES)
        if data is None:
            return None
        fixed = {}
        for offset in range(header, len(data) - 15, 16):
            tag, _flags, value = struct.unpack_from("<II8s", data, offset)
            fixed[tag >> 16] = (tag & 0xFFFF, value)
        found = _codec(fixed, PR_MESSAGE_CODEPAGE) or _codec(fixed, PR_INTERNET_CPID)
        return _Storage(path, node, fixed, found or codec)

    def stream(self, path, node, name: str) -> bytes | None:
        entry = node.kids_dict.get(name.lower())
        if entry is None or entry.entry_type != olefile.STGTY_STREAM:
            return None
        self.spend(entry.size)
        return self.ole.openstream([*path, entry.name]).read()

    def spend(self, size: int) -> None:
        self.budget -= size
        if size > self.size or self.budget < 0:
            raise _damaged("its parts claim more bytes than the file holds")

    def children(self, storage: _Storage, prefix: str):
        kids = [kid for kid in storage.node.kids
                if kid.entry_type == olefile.STGTY_STORAGE
                and kid.name.lower().startswith(prefix.lower())]
        return sorted(kids, key=lambda kid: kid.name.lower())

    # --- property values --------------------------------------------------------------

    def string(self, storage: _Storage, prop: int) -> str:
        data = self.stream(storage.path, storage.node, f"__substg1.0_{prop:04X}{PT_UNICODE:04X}")
        if data is not None:
            return data.decode("utf-16-le", "replace").split("\x00", 1)[0]
        data = self.stream(storage.path, storage.node, f"__substg1.0_{prop:04X}{PT_STRING8:04X}")
        if data is None:
            return ""
        data = data.split(b"\x00", 1)[0]
        if storage.codec:
            return data.decode(storage.codec, "replace")
        return decode_bytes(data, "windows-1252").text

    def binary(self, storage: _Storage, prop: int) -> bytes | None:
        return self.stream(storage.path, storage.node, f"__substg1.0_{prop:04X}{PT_BINARY:04X}")

    # --- the message --------------------------------------------------------------------

    def message(self, storage: _Storage, *, depth: int) -> EmailMessage:
        message = EmailMessage(policy=_POLICY)
        self.set_body(message, storage)
        parts = [self.attachment(storage, kid, depth)
                 for kid in self.children(storage, ATTACHMENT_PREFIX)]
        parts = [part for part in parts if part is not None]
        if parts:
            message.make_mixed()
            for part in parts:
                message.attach(part)
        headers = self.transport_headers(storage)
        present = {name.lower() for name, _value in headers}
        for name, value in self.property_headers(storage):
            if name.lower() not in present:
                headers.append((name, value))
        for name, value in headers:
            message.set_raw(name, value)
        return message

    def set_body(self, message: EmailMessage, storage: _Storage) -> None:
        text = self.string(storage, PR_BODY)
        html, charset = self.html(storage)
        rtf = f"__substg1.0_{PR_RTF_COMPRESSED:04X}{PT_BINARY:04X}".lower()
        if not text.strip() and not html and rtf in storage.node.kids_dict:
            text = (_("[This %(format)s message has only a formatted (RTF) body, which "
                      "Šalter cannot show; the original file is kept with the message.]")
                    % {"format": FORMAT})
        html_params = {"charset": charset} if charset else {}
        if html and text.strip():
            message.set_content(text)
            message.add_alternative(html, "text", "html", params=html_params)
        elif html:
            message.set_content(html, "text", "html", params=html_params)
        else:
            message.set_content(text)

    def html(self, storage: _Storage) -> tuple[bytes, str]:
        """The HTML body's bytes and their charset ("" to let the parser look)."""
        data = self.binary(storage, PR_HTML)
        if data is not None:
            data = data.rstrip(b"\x00")
            return data, _codec(storage.fixed, PR_INTERNET_CPID) or storage.codec
        text = self.string(storage, PR_HTML)
        return text.encode("utf-8"), "utf-8"

    def attachment(self, storage: _Storage, node, depth: int) -> MIMEPart | None:
        self.attachments += 1
        if self.attachments > self.limits.max_parts:
            raise UnreadableOutlookFile(
                Deferred(gettext_noop(
                    "The %(format)s file has more than %(limit)s attachments."),
                    {"format": FORMAT, "limit": self.limits.max_parts}))
        item = self.storage([*storage.path, node.name], node, CHILD_HEADER, codec=storage.codec)
        if item is None:
            return None
        name = clean_line(self.string(item, PR_ATTACH_LONG_FILENAME)
                          or self.string(item, PR_ATTACH_FILENAME)
                          or self.string(item, PR_DISPLAY_NAME))
        method = _long(item.fixed, PR_ATTACH_METHOD)
        embedded = node.kids_dict.get(EMBEDDED_MESSAGE.lower())
        if method == ATTACH_EMBEDDED_MSG and embedded is not None:
            return self.forwarded(item, embedded, name, depth)
        entry = node.kids_dict.get(f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_BINARY:04X}".lower())
        if entry is None:
            return None  # by reference or an OLE object: nothing to carry over
        if entry.size > self.limits.max_attachment_bytes:
            raise UnreadableOutlookFile(
                Deferred(gettext_noop(
                    "The attachment %(name)s of the %(format)s file is %(size)s bytes, over "
                    "the size limit of %(limit)s bytes."),
                    {"name": repr(name[:80]), "format": FORMAT, "size": entry.size,
                     "limit": self.limits.max_attachment_bytes}))
        data = self.binary(item, PR_ATTACH_DATA) or b""
        content_type = _content_type(self.string(item, PR_ATTACH_MIME_TAG), name)
        name = name or _fallback_name(content_type, self.attachments)
        content_id = re.sub(r"[^!-~]", "", self.string(item, PR_ATTACH_CONTENT_ID)).strip("<>")
        part = MIMEPart(policy=_POLICY)
        # An attached .eml goes as message/rfc822 in base64, which the parser reads
        # as a forwarded message with its own nesting checks.
        part.set_content(data, *content_type.split("/"), filename=name,
                         disposition="inline" if content_id else "attachment")
        if content_id:
            part.set_raw("Content-ID", f"<{content_id[:500]}>")
        return part

    def forwarded(self, item: _Storage, node, name: str, depth: int) -> MIMEPart:
        if depth + 1 > self.limits.max_depth:
            raise UnreadableOutlookFile(
                Deferred(gettext_noop(
                    "The %(format)s file holds messages attached inside each other more "
                    "than %(limit)s levels deep."),
                    {"format": FORMAT, "limit": self.limits.max_depth}))
        path = [*item.path, node.name]
        inner = self.storage(path, node, EMBEDDED_HEADER, codec=item.codec)
        if inner is None:
            raise _damaged("an attached message has no properties")
        part = MIMEPart(policy=_POLICY)
        part.set_content(self.message(inner, depth=depth + 1), disposition="attachment",
                         filename=name or None)
        return part

    # --- headers ------------------------------------------------------------------------

    def transport_headers(self, storage: _Storage) -> list[tuple[str, str]]:
        """The original Internet headers, raw, less those describing the old body."""
        text = self.string(storage, PR_TRANSPORT_MESSAGE_HEADERS)[:MAX_TRANSPORT_HEADER_CHARS]
        lines = text.encode("utf-8").splitlines(keepends=True)
        # Exchange may put a line such as "Microsoft Mail Internet Headers Version 2.0"
        # first; the header block starts at the first "Name:" line.
        start = next((i for i, line in enumerate(lines) if _HEADER_LINE.match(line)), None)
        if start is None:
            return []
        block = b"".join(lines[start:]).strip(b"\r\n") + b"\r\n\r\n"
        parsed = BytesParser(policy=policy.compat32).parsebytes(block, headersonly=True)
        headers = []
        for name, value in parsed.raw_items():
            lower = name.strip().lower()
            if not lower or lower.startswith("content-") or lower == "mime-version":
                continue
            headers.append((name.strip(), str(value)))
            if len(headers) >= MAX_HEADERS:
                break
        return headers

    def property_headers(self, storage: _Storage) -> list[tuple[str, str]]:
        headers = []
        sender = self.sender(storage)
        if sender:
            headers.append(("From", sender))
        to, cc = self.recipients(storage)
        if to:
            headers.append(("To", ",\n ".join(to)))
        if cc:
            headers.append(("Cc", ",\n ".join(cc)))
        subject = clean_line(self.string(storage, PR_SUBJECT))
        if subject:
            headers.append(("Subject", _encoded(subject)))
        sent = (_time(storage.fixed, PR_CLIENT_SUBMIT_TIME)
                or _time(storage.fixed, PR_MESSAGE_DELIVERY_TIME))
        if sent:
            headers.append(("Date", format_datetime(sent)))
        for name, prop in (("Message-ID", PR_INTERNET_MESSAGE_ID),
                           ("In-Reply-To", PR_IN_REPLY_TO_ID),
                           ("References", PR_INTERNET_REFERENCES)):
            value = _ascii(self.string(storage, prop))
            if value:
                headers.append((name, value))
        return headers

    def sender(self, storage: _Storage) -> str:
        """From: the author ("sent representing"), else the one who sent it."""
        candidates = (
            (PR_SENT_REPRESENTING_NAME, PR_SENT_REPRESENTING_ADDRTYPE,
             PR_SENT_REPRESENTING_EMAIL_ADDRESS, PR_SENT_REPRESENTING_SMTP_ADDRESS),
            (PR_SENDER_NAME, PR_SENDER_ADDRTYPE, PR_SENDER_EMAIL_ADDRESS,
             PR_SENDER_SMTP_ADDRESS),
        )
        for name_prop, type_prop, address_prop, smtp_prop in candidates:
            address = self.smtp_address(storage, type_prop, address_prop, smtp_prop)
            if address:
                return _mailbox(self.string(storage, name_prop), address)
        return ""

    def smtp_address(self, storage: _Storage, type_prop: int, address_prop: int,
                     smtp_prop: int) -> str:
        """The Internet address; Exchange ("EX") addresses are X.500 paths, and the SMTP
        one is then in its own property."""
        kind = self.string(storage, type_prop).strip().upper()
        if kind in ("SMTP", ""):
            address = normalize_address(self.string(storage, address_prop))
            if address:
                return address
        return normalize_address(self.string(storage, smtp_prop))

    def recipients(self, storage: _Storage) -> tuple[list[str], list[str]]:
        to, cc = [], []
        for node in self.children(storage, RECIPIENT_PREFIX)[:MAX_RECIPIENTS]:
            item = self.storage([*storage.path, node.name], node, CHILD_HEADER,
                                codec=storage.codec)
            if item is None:
                continue
            address = self.smtp_address(item, PR_ADDRTYPE, PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS)
            if not address:
                continue  # Bcc kept no address, or an X.500 path alone
            mailbox = _mailbox(self.string(item, PR_DISPLAY_NAME), address)
            (cc if _long(item.fixed, PR_RECIPIENT_TYPE) == RECIPIENT_CC else to).append(mailbox)
        if not (to or cc):
            # Display names only ("Ana Kovač; Marko"), unless someone typed addresses.
            for piece in self.string(storage, PR_DISPLAY_TO).split(";")[:MAX_RECIPIENTS]:
                address = normalize_address(piece)
                if address:
                    to.append(address)
        return to, cc


# --- values ---------------------------------------------------------------------------------


def _long(fixed, prop: int) -> int | None:
    found = fixed.get(prop)
    if found is None or found[0] != PT_LONG:
        return None
    return struct.unpack_from("<I", found[1])[0]


def _time(fixed, prop: int) -> datetime | None:
    found = fixed.get(prop)
    if found is None or found[0] != PT_SYSTIME:
        return None
    (ticks,) = struct.unpack_from("<Q", found[1])
    if not ticks:
        return None
    try:
        return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def _codec(fixed, prop: int) -> str:
    """The Python codec of a Windows code page property, "" when absent or unknown."""
    number = _long(fixed, prop)
    if not number:
        return ""
    try:
        return codecs.lookup(_CODEPAGES.get(number, f"cp{number}")).name
    except LookupError:
        return ""


def _content_type(mime_tag: str, filename: str) -> str:
    content_type = mime_tag.strip().lower()
    if not _MIME_TYPE.match(content_type):
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if content_type.startswith("multipart/") or (
            content_type.startswith("message/") and content_type != "message/rfc822"):
        return "application/octet-stream"
    return content_type


def _fallback_name(content_type: str, number: int) -> str:
    # A text part without a name would be taken for the body.
    return f"attachment-{number}{mimetypes.guess_extension(content_type) or '.bin'}"


def _encoded(text: str) -> str:
    """A header value in ASCII: RFC 2047 words where needed, for the parser to decode."""
    return text if text.isascii() else Header(text, "utf-8").encode()


def _mailbox(name: str, address: str) -> str:
    # An internationalised address goes as raw UTF-8, which the parser reads.
    address = address.encode("utf-8").decode("ascii", "surrogateescape")
    name = clean_line(name)
    if not name or name.lower() == address:
        return address
    if not name.isascii():
        return f"{Header(name, 'utf-8').encode()} <{address}>"
    if _SPECIALS.search(name):
        return f'"{quote(name)}" <{address}>'
    return f"{name} <{address}>"


def _ascii(value: str) -> str:
    return clean_line(re.sub(r"[^\x20-\x7e]", " ", value))[:4000]
