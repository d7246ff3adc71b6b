"""Turn the raw bytes of one e-mail into a ParsedEmail.

The stdlib parser runs with the compat32 policy: it is several times faster
than policy.default and, unlike it, leaves header and body bytes alone, so
charset repair (charsets.py), RFC 2047/2231 decoding (headers.py), HTML
sanitising (html.py) and quote splitting (quoting.py) are ours. Anything the
pipeline must not accept silently (oversized attachments, absurd nesting, no
headers at all) raises UnparseableEmail with a reason for the quarantine.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.feedparser import BytesFeedParser
from email.message import Message
from email.policy import compat32
from itertools import islice
from urllib.parse import unquote_to_bytes

from . import html as html_body
from . import tnef
from .charsets import decode_bytes
from .headers import (
    clean_line,
    decode_header,
    normalize_address,
    parse_addresses,
    parse_date,
    parse_message_id,
    parse_message_ids,
    raw_bytes,
    unique_addresses,
)
from .quoting import is_forward_subject, split_message

MAX_SUBJECT_CHARS = 300
MAX_TEXT_CHARS = 1_000_000
MAX_FILENAME_CHARS = 200
MAX_HEADERS = 2000
MAX_ADDRESS_HEADERS = 20  # repeated To:/Cc: lines read, each already bounded in length

# Headers kept verbatim (decoded) for later stages: loop prevention, threading, lists.
KEPT_HEADERS = {
    name.lower(): name
    for name in (
        "Auto-Submitted", "Return-Path", "List-Id", "List-Unsubscribe", "Precedence",
        "X-Autoreply", "X-Autorespond", "X-Failed-Recipients", "Delivered-To",
        "X-Original-To", "Thread-Index", "Thread-Topic", "X-Mailer", "User-Agent",
    )
}
# At least one of these must be present for the bytes to count as an e-mail.
_MAIL_HEADERS = {
    "from", "to", "cc", "subject", "date", "message-id", "received", "return-path",
    "content-type", "mime-version", "delivered-to", "sender", "reply-to", "x-mailer",
}


class UnparseableEmail(Exception):
    """The message cannot be accepted as it is; ``reason`` goes to quarantine."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes
    is_inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    quoted: str = ""
    signature: str = ""
    full_text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    is_auto_reply: bool = False
    is_bounce: bool = False
    bounced_recipients: list[str] = field(default_factory=list)
    is_list: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    charset_notes: list[str] = field(default_factory=list)
    # Added beyond the agreed interface:
    forwarded: list[ParsedEmail] = field(default_factory=list)  # attached message/rfc822
    parse_notes: list[str] = field(default_factory=list)  # repaired damage, for reviewers


@dataclass(frozen=True, slots=True)
class _Limits:
    max_attachment_bytes: int
    max_parts: int
    max_depth: int


def parse_email(
    raw: bytes,
    *,
    max_attachment_bytes: int = 25 * 1024 * 1024,
    max_parts: int = 200,
    max_depth: int = 20,
) -> ParsedEmail:
    """Parse one message. Raises only UnparseableEmail."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise UnparseableEmail("input is not bytes")
    raw = bytes(raw).lstrip(b"\r\n\t ")
    if not raw:
        raise UnparseableEmail("empty message")
    limits = _Limits(max_attachment_bytes, max_parts, max_depth)
    try:
        return _parse_message(_parse_bytes(raw, max_depth), limits, _Budget(), depth=0, top=True)
    except UnparseableEmail:
        raise
    except RecursionError as exc:
        raise UnparseableEmail(f"MIME nesting deeper than {max_depth} levels") from exc
    except MemoryError as exc:
        raise UnparseableEmail("message too large to parse in memory") from exc
    except Exception as exc:
        # A bug of ours must not crash the worker; the reason names it for replay.
        reason = f"internal parser error ({type(exc).__name__}: {exc})"
        raise UnparseableEmail(reason[:300]) from exc


_FEED_CHUNK = 64 * 1024


def _parse_bytes(raw: bytes, max_depth: int) -> Message:
    """The stdlib parser, fed in chunks so absurd nesting is refused early.

    The parser checks every line against the boundary of every open
    multipart, so 800 nested levels over a 25 MB body would take minutes;
    its stack of open parts tells us the depth as it goes.
    """
    parser = BytesFeedParser(policy=compat32)
    for start in range(0, len(raw), _FEED_CHUNK):
        parser.feed(raw[start : start + _FEED_CHUNK])
        if len(parser._msgstack) > max_depth + 1:
            raise UnparseableEmail(f"MIME nesting deeper than {max_depth} levels")
    return parser.close()


@dataclass(slots=True)
class _Budget:
    """Counts shared by a message and the messages forwarded inside it."""

    parts: int = 0


class _Headers:
    """Raw header values by lower-cased name, first occurrence first."""

    __slots__ = ("values",)

    def __init__(self, part: Message) -> None:
        values: dict[str, list[str]] = {}
        for name, value in islice(part.raw_items(), MAX_HEADERS):
            if not isinstance(value, str):
                value = str(value)
            values.setdefault(name.strip().lower(), []).append(value)
        self.values = values

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])


# --- the whole message ------------------------------------------------------


def _parse_message(
    msg: Message, limits: _Limits, budget: _Budget, *, depth: int, top: bool
) -> ParsedEmail:
    headers = _Headers(msg)
    if top and not _MAIL_HEADERS.intersection(headers.values):
        raise UnparseableEmail("no e-mail headers found")
    parsed = ParsedEmail()
    _fill_envelope(parsed, headers)
    walker = _Walker(limits, budget, parsed)
    walker.visit(msg, depth, alternative=None)
    _fill_body(parsed, walker)
    _fill_flags(parsed, headers, walker)
    return parsed


def _fill_envelope(parsed: ParsedEmail, headers: _Headers) -> None:
    notes = parsed.charset_notes
    parsed.message_id = parse_message_id(headers.first("message-id"))
    parsed.in_reply_to = parse_message_id(headers.first("in-reply-to"))
    parsed.references = parse_message_ids(" ".join(headers.all("references")))
    parsed.subject = decode_header(headers.first("subject"), notes)[:MAX_SUBJECT_CHARS]
    senders = parse_addresses(headers.all("from")[:1], notes)
    if senders:
        parsed.from_name, parsed.from_address = senders[0]
    reply_to = parse_addresses(headers.all("reply-to")[:1], notes)
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    parsed.to = unique_addresses(parse_addresses(headers.all("to")[:MAX_ADDRESS_HEADERS], notes))
    parsed.cc = unique_addresses(parse_addresses(headers.all("cc")[:MAX_ADDRESS_HEADERS], notes))
    parsed.date = parse_date(headers.first("date"))
    for name, values in headers.values.items():
        if name in KEPT_HEADERS:
            parsed.headers[KEPT_HEADERS[name]] = decode_header(values[0])
        elif name.startswith("x-salter-"):
            parsed.headers[_canonical_name(name)] = decode_header(values[0])


def _canonical_name(name: str) -> str:
    return "-".join(word.capitalize() for word in name.split("-"))


def _fill_body(parsed: ParsedEmail, walker: _Walker) -> None:
    texts = [t for t in walker.texts if t.strip()]
    if texts:
        full_text = "\n\n".join(texts)
    elif walker.htmls:
        full_text = html_body.to_text("\n".join(walker.htmls))
    else:
        full_text = walker.tnef_text
    full_text = clean_text(full_text)
    if len(full_text) > MAX_TEXT_CHARS:
        full_text = full_text[:MAX_TEXT_CHARS]
        parsed.parse_notes.append(f"text truncated to {MAX_TEXT_CHARS} characters")
    parsed.full_text = full_text
    if walker.htmls:
        parsed.html = html_body.sanitize("\n".join(walker.htmls))
    split = split_message(full_text, forward=is_forward_subject(parsed.subject))
    parsed.text, parsed.quoted, parsed.signature = split.text, split.quoted, split.signature


_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Plain text with LF line ends, no NUL or other control characters."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("", text).strip("\n")


# --- flags: auto-replies, bounces, lists -------------------------------------

_AUTO_REPLY_SUBJECT = re.compile(
    r"""(?ix)^\s*(?:
      automatic\s+reply | auto(?:matic)?[\s-]*(?:reply|response) | autoreply | auto: |
      out\s+of\s+(?:the\s+)?office | automatski\s+odgovor | аутоматски\s+одговор |
      automatikus\s+válasz | házon\s+kívül | odsutan | odsutna | одсутан | одсутна |
      nisam\s+u\s+kancelariji | na\s+godišnjem\s+odmoru
    )"""
)
_DAEMON_SENDER = re.compile(r"(?i)^(?:mailer-daemon|postmaster)@")


def _fill_flags(parsed: ParsedEmail, headers: _Headers, walker: _Walker) -> None:
    auto_submitted = (headers.first("auto-submitted") or "").strip().lower()
    precedence = (headers.first("precedence") or "").strip().lower()
    parsed.is_auto_reply = bool(
        (auto_submitted and not auto_submitted.startswith("no"))
        or headers.first("x-autoreply") is not None
        or headers.first("x-autorespond") is not None
        or precedence == "auto_reply"
        or _AUTO_REPLY_SUBJECT.match(parsed.subject)
    )
    return_path = (headers.first("return-path") or "").strip()
    parsed.is_bounce = walker.is_delivery_report or bool(
        _DAEMON_SENDER.match(parsed.from_address) and return_path in ("", "<>")
    )
    failed = list(walker.failed_recipients)
    for value in headers.all("x-failed-recipients"):
        failed.extend(addr for _, addr in parse_addresses([value]))
    parsed.bounced_recipients = list(dict.fromkeys(failed)) if parsed.is_bounce or failed else []
    if failed:
        parsed.is_bounce = True
    parsed.is_list = bool(
        headers.first("list-id") is not None
        or headers.first("list-unsubscribe") is not None
        or precedence in ("bulk", "list", "junk")
    )


# --- walking the MIME tree ----------------------------------------------------


class _Walker:
    """Visits the MIME tree once, sorting parts into body text, HTML and attachments."""

    def __init__(self, limits: _Limits, budget: _Budget, parsed: ParsedEmail) -> None:
        self.limits = limits
        self.budget = budget
        self.parsed = parsed
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.tnef_text = ""
        self.is_delivery_report = False
        self.failed_recipients: list[str] = []
        self._alternatives_taken: set[tuple[int, str]] = set()

    def visit(self, part: Message, depth: int, alternative: int | None) -> None:
        if depth > self.limits.max_depth:
            raise UnparseableEmail(f"MIME nesting deeper than {self.limits.max_depth} levels")
        self.budget.parts += 1
        if self.budget.parts > self.limits.max_parts:
            raise UnparseableEmail(f"more than {self.limits.max_parts} MIME parts")
        headers = _Headers(part)
        content_type, params = _content_type(headers)
        payload = _raw_payload(part)
        if content_type.startswith("multipart/"):
            self._visit_multipart(part, headers, content_type, params, payload, depth, alternative)
        elif content_type in ("message/rfc822", "message/global"):
            self._visit_forwarded(part, headers, payload, depth)
        elif content_type == "message/delivery-status":
            self._read_delivery_status(part, headers, payload)
        else:
            self._visit_leaf(part, headers, content_type, params, depth, alternative)

    def _visit_multipart(self, part, headers, content_type, params, payload, depth, alternative):
        if content_type == "multipart/report" and (
            params.get("report-type", "").lower() == "delivery-status"
        ):
            self.is_delivery_report = True
        if not isinstance(payload, list):
            self._recover_multipart(part, headers, content_type, params, depth, alternative)
            return
        group = id(part) if content_type == "multipart/alternative" else alternative
        for child in payload:
            if isinstance(child, Message):
                self.visit(child, depth + 1, group)

    def _recover_multipart(self, part, headers, content_type, params, depth, alternative):
        """Multipart without a usable boundary: find the boundary lines in the
        body and parse again, or else read the body as plain text."""
        body = _payload_bytes(part, headers, self.limits, "")
        boundary = _guess_boundary(body)
        if boundary:
            self.parsed.parse_notes.append("multipart boundary missing or wrong; recovered")
            rebuilt = (
                f"Content-Type: {content_type}; boundary=\"{boundary}\"\r\n\r\n".encode()
                + body
            )
            inner = _parse_bytes(rebuilt, self.limits.max_depth - depth)
            if isinstance(_raw_payload(inner), list):
                self.visit(inner, depth + 1, alternative)
                return
        self.parsed.parse_notes.append("multipart without parts; read as text")
        self._add_text("text/plain", params, body, headers)

    def _visit_forwarded(self, part, headers, payload, depth):
        cte = (headers.first("content-transfer-encoding") or "").strip().lower()
        if cte in ("base64", "quoted-printable") and isinstance(payload, list) and payload:
            # Not allowed by RFC 2046, but sent: the parser took the encoded
            # text for a message; regenerate that text and decode it.
            encoded = _message_bytes(payload[0]).lstrip(b"\r\n")
            data = _decode_base64(encoded) if cte == "base64" else binascii.a2b_qp(encoded)
            inner = _parse_bytes(data.lstrip(b"\r\n\t "), self.limits.max_depth - depth)
        elif isinstance(payload, list) and payload and isinstance(payload[0], Message):
            inner = payload[0]
            data = _message_bytes(inner)
        else:
            data = _payload_bytes(part, headers, self.limits, "message.eml")
            inner = _parse_bytes(data.lstrip(b"\r\n\t "), self.limits.max_depth - depth)
        self._check_size(len(data), "forwarded message")
        forwarded = _parse_message(inner, self.limits, self.budget, depth=depth + 1, top=False)
        name = _filename(headers, {}) or (forwarded.subject or "forwarded message")
        if not name.lower().endswith(".eml"):
            name = f"{name}.eml"
        self._add_attachment(name, "message/rfc822", data, headers)
        self.parsed.forwarded.append(forwarded)
        self.parsed.attachments.extend(forwarded.attachments)
        _extend_unique(self.parsed.charset_notes, forwarded.charset_notes)

    def _visit_leaf(self, part, headers, content_type, params, depth, alternative):
        filename = _filename(headers, params)
        disposition = _disposition(headers)
        is_body = content_type in ("text/plain", "text/html") and (
            disposition != "attachment" and not filename
        )
        data = _payload_bytes(part, headers, self.limits, filename)
        if is_body:
            kind = content_type
            if alternative is not None:
                if (alternative, kind) in self._alternatives_taken:
                    return
                self._alternatives_taken.add((alternative, kind))
            self._add_text(kind, params, data, headers)
            return
        if tnef.looks_like_tnef(content_type, filename, data):
            expanded = tnef.expand(data)
            if expanded is not None:
                self._add_tnef(expanded)
                return
            self.parsed.parse_notes.append("winmail.dat could not be read; kept as is")
        self._add_attachment(filename, content_type, data, headers)

    def _add_text(self, content_type, params, data, headers):
        charset = params.get("charset")
        if content_type == "text/html" and not charset:
            charset = html_body.declared_charset(data)
        decoded = decode_bytes(data, charset)
        if decoded.note:
            _extend_unique(self.parsed.charset_notes, [decoded.note])
        if content_type == "text/html":
            self.htmls.append(decoded.text)
        else:
            self.texts.append(decoded.text)

    def _add_tnef(self, expanded: tnef.TnefContent) -> None:
        for name, data in expanded.attachments:
            self._check_size(len(data), name or "winmail.dat attachment")
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self._append(Attachment(name, content_type, data, False, ""))
        if expanded.body:
            self.tnef_text = expanded.body
        elif expanded.html:
            self.tnef_text = html_body.to_text(expanded.html)
        if expanded.html and not self.htmls:
            self.htmls.append(expanded.html)

    def _add_attachment(self, filename, content_type, data, headers):
        self._check_size(len(data), filename or content_type)
        content_id = _content_id(headers)
        is_inline = _disposition(headers) == "inline" or (
            bool(content_id) and _disposition(headers) != "attachment"
        )
        self._append(Attachment(filename, content_type, data, is_inline, content_id))

    def _append(self, attachment: Attachment) -> None:
        number = len(self.parsed.attachments) + 1
        attachment.filename = safe_filename(attachment.filename, attachment.content_type, number)
        self.parsed.attachments.append(attachment)

    def _check_size(self, size: int, what: str) -> None:
        if size > self.limits.max_attachment_bytes:
            raise UnparseableEmail(
                f"attachment {clean_line(what)[:80]!r} is {size} bytes, over the size limit "
                f"of {self.limits.max_attachment_bytes} bytes"
            )

    def _read_delivery_status(self, part, headers, payload):
        if isinstance(payload, list):
            blocks = [_Headers(block).values for block in payload if isinstance(block, Message)]
        else:
            text = _payload_bytes(part, headers, self.limits, "").decode("utf-8", "replace")
            blocks = _status_blocks(text)
        for block in blocks:
            action = (block.get("action") or [""])[0].strip().lower()
            address = _dsn_recipient(block) if action.startswith("failed") else ""
            if address:
                self.failed_recipients.append(address)


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes()
    except Exception:
        # The generator can choke on damaged headers; a lossy copy will do.
        return str(message).encode("utf-8", "surrogateescape")


def _extend_unique(target: list[str], items: list[str]) -> None:
    for item in items:
        if item not in target:
            target.append(item)


def _status_blocks(text: str) -> list[dict[str, list[str]]]:
    """Header-like blocks of a message/delivery-status body left unparsed."""
    blocks = []
    for chunk in re.split(r"\r?\n\s*\r?\n", text):
        block: dict[str, list[str]] = {}
        for line in chunk.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                block.setdefault(name.strip().lower(), []).append(value.strip())
        if block:
            blocks.append(block)
    return blocks


def _dsn_recipient(block: dict[str, list[str]]) -> str:
    """Final-Recipient ("rfc822; a@b"), else Original-Recipient, of one DSN block."""
    for name in ("final-recipient", "original-recipient"):
        for value in block.get(name, []):
            address = normalize_address(decode_header(value).split(";", 1)[-1])
            if address:
                return address
    return ""


# --- part headers ----------------------------------------------------------

_PARAM = re.compile(r""";\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)""")


_MIME_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]{1,64}/[a-z0-9!#$&^_.+-]{1,64}$")


def _content_type(headers: _Headers) -> tuple[str, dict[str, str]]:
    value = headers.first("content-type")
    if value is None:
        return "text/plain", {}
    main = value.partition(";")[0].strip().lower()
    if not _MIME_TYPE.match(main):
        main = "text/plain"
    return main, _params(value)


def _params(value: str) -> dict[str, str]:
    """MIME parameters with RFC 2231 (name*, name*0*, charset'lang') and RFC 2047
    (filename="=?utf-8?…") values decoded."""
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[bool, str]]] = {}
    for match in _PARAM.finditer(value[:16000]):
        name, raw_value = match.group(1).lower(), match.group(2).strip()
        if raw_value.startswith('"'):
            raw_value = re.sub(r"\\(.)", r"\1", raw_value[1:].removesuffix('"'))
        base, star, rest = name.partition("*")
        if not star:
            simple.setdefault(name, raw_value)
            continue
        index_text, _, encoded_mark = rest.partition("*")
        encoded = bool(encoded_mark == "" and rest.endswith("*")) or not index_text
        index = int(index_text) if index_text.isdigit() and len(index_text) < 4 else 0
        extended.setdefault(base, {}).setdefault(index, (encoded, raw_value))
    result = {name: decode_header(v) if "=?" in v or not v.isascii() else v
              for name, v in simple.items()}
    for name, pieces in extended.items():
        decoded = _rfc2231_value(pieces)
        if decoded:
            result[name] = decoded
    return result


def _rfc2231_value(pieces: dict[int, tuple[bool, str]]) -> str:
    charset = None
    data = b""
    for index in sorted(pieces):
        encoded, text = pieces[index]
        if encoded and index == 0 and text.count("'") >= 2:
            charset, _, text = text.split("'", 2)
        chunk = raw_bytes(text)
        data += unquote_to_bytes(chunk) if encoded else chunk
    return clean_line(decode_bytes(data, charset or None).text)


def _disposition(headers: _Headers) -> str:
    value = headers.first("content-disposition")
    if not value:
        return ""
    return value.partition(";")[0].strip().lower()


def _filename(headers: _Headers, type_params: dict[str, str]) -> str:
    disposition = headers.first("content-disposition")
    if disposition:
        params = _params(disposition)
        if params.get("filename"):
            return params["filename"]
    return type_params.get("name", "")


def _content_id(headers: _Headers) -> str:
    value = headers.first("content-id")
    if not value:
        return ""
    return clean_line(raw_bytes(value).decode("utf-8", "replace")).strip("<> ")[:500]


# --- transfer encodings ------------------------------------------------------

_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/=\s]")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]{40,100}=?=?\r?\Z")


def _raw_payload(part: Message):
    """The payload as parsed: a list of parts, or str holding the raw bytes as
    surrogate escapes. get_payload() would decode those with the declared
    (often wrong) charset before we can repair it."""
    return part._payload


def _payload_bytes(part: Message, headers: _Headers, limits: _Limits, name: str) -> bytes:
    payload = _raw_payload(part)
    if isinstance(payload, list):
        return b""
    data = raw_bytes(payload) if isinstance(payload, str) else bytes(payload or b"")
    cte = (headers.first("content-transfer-encoding") or "").strip().lower()
    if cte == "base64" or (not cte and _looks_like_base64(part, data)):
        # Refuse before decoding a huge attachment, not after.
        estimate = (len(data) - 2 * data.count(b"\n")) * 3 // 4
        if estimate > limits.max_attachment_bytes * 1.05 + 64:
            raise UnparseableEmail(
                f"attachment {clean_line(name)[:80]!r} is over the size limit of "
                f"{limits.max_attachment_bytes} bytes"
            )
        return _decode_base64(data)
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        decoded = part.get_payload(decode=True)
        return decoded if isinstance(decoded, bytes) else data
    return data


def _looks_like_base64(part: Message, data: bytes) -> bool:
    """Some generators forget the Content-Transfer-Encoding of binary attachments."""
    if _content_type(_Headers(part))[0].startswith(("text/", "message/", "multipart/")):
        return False
    lines = data[:8192].split(b"\n")[:-1] or [data]
    return len(lines) >= 2 and all(_BASE64_LINE.match(line) for line in lines[:-1])


def _decode_base64(data: bytes) -> bytes:
    sample = data[:4096]
    if sample and len(_BASE64_JUNK.findall(sample)) > len(sample) // 20:
        # Declared base64 but plainly not: wrong Content-Transfer-Encoding.
        return data
    # Several padded chunks glued together would silently stop at the first "=".
    if b"=" not in data.rstrip(b"\r\n\t =")[:-2]:
        try:
            return binascii.a2b_base64(data, strict_mode=False)
        except binascii.Error:
            pass
    # Bad padding or glued chunks: decode chunk by chunk.
    out = []
    for chunk in re.split(rb"=+", data):
        chunk = _NOT_BASE64.sub(b"", chunk)
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]
        if chunk:
            out.append(binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4)))
    return b"".join(out)


def _guess_boundary(body: bytes) -> str:
    match = re.search(rb"(?m)^--([A-Za-z0-9'()+_,./:=?-]{1,70})[ \t]*\r?$", body[:65536])
    if not match:
        return ""
    return match.group(1).decode("ascii")


# --- filenames -----------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r"(?i)^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)")
_UNSAFE_CHARS = re.compile(r'[<>:"|?*\\/\x00-\x1f\x7f-\x9f]')


def safe_filename(name: str, content_type: str, number: int) -> str:
    """A basename safe to store and to offer for download.

    Drops directories ("../../etc/passwd", "C:\\x\\y.exe"), control and
    bidi-override characters (a "gpj.exe" shown as "exe.jpg"), leading dots
    and Windows device names; never empty.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\.{2,}", ".", name).strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = f"{stem[: MAX_FILENAME_CHARS - len(ext) - 1]}.{ext}"
        else:
            name = name[:MAX_FILENAME_CHARS]
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{number}{extension}"
    return name
