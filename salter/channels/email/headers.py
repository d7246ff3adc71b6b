"""Header values: RFC 2047 words, raw 8-bit, addresses, ids, dates, parameters.

The stdlib parser runs with the compat32 policy for speed, which hands us
header values as str carrying the raw bytes as surrogate escapes. Everything
here turns such a value into clean text and never raises.
"""

from __future__ import annotations

import binascii
import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from .charsets import decode_bytes

MAX_HEADER_CHARS = 4000
MAX_ADDRESSES = 200
MAX_REFERENCES = 100

# Lenient: broken mailers put spaces or stray "?" into words and forget "?=".
_ENCODED_WORD = re.compile(
    rb"=\?([^?\s]{1,60})\?([qQbB])\?([^?]*?)(?:\?=|$|(?=\s))",
)
_FOLD = re.compile(rb"\r?\n[ \t]*")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def raw_bytes(value: str) -> bytes:
    """Recover the original bytes of a compat32 header value.

    Real non-ASCII characters (from callers passing text) become UTF-8.
    """
    return value.encode("utf-8", "surrogateescape")


def _decode_q(text: bytes) -> bytes:
    return binascii.a2b_qp(text.replace(b"_", b" "))


def _decode_b(text: bytes) -> bytes:
    text = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
    text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text
    try:
        return binascii.a2b_base64(text + b"=" * (-len(text) % 4))
    except binascii.Error:
        return b""


def decode_header(value: str | bytes | None, notes: list[str] | None = None) -> str:
    """Decode a header value to one line of text, bounded in length.

    Adjacent encoded words in the same charset are joined before decoding,
    because mailers split multi-byte characters across words.
    """
    if not value:
        return ""
    if isinstance(value, str) and value.isascii() and "=?" not in value:
        return clean_line(value[: MAX_HEADER_CHARS * 4])[:MAX_HEADER_CHARS]
    data = value if isinstance(value, bytes) else raw_bytes(value)
    data = _FOLD.sub(b" ", data[: MAX_HEADER_CHARS * 4])
    pieces: list[tuple[str | None, bytes]] = []  # (charset or None for raw, bytes)
    pos = 0
    for match in _ENCODED_WORD.finditer(data):
        between = data[pos : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        charset = match.group(1).decode("ascii", "replace")
        encoded = match.group(3)
        chunk = _decode_b(encoded) if match.group(2) in b"bB" else _decode_q(encoded)
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + chunk)
        else:
            pieces.append((charset, chunk))
        pos = match.end()
    if pos < len(data):
        pieces.append((None, data[pos:]))
    text = "".join(_decode_piece(charset, chunk, notes) for charset, chunk in pieces)
    return clean_line(text)[:MAX_HEADER_CHARS]


def _decode_piece(charset: str | None, chunk: bytes, notes: list[str] | None) -> str:
    if charset is None and chunk.isascii():
        return chunk.decode("ascii")
    decoded = decode_bytes(chunk, charset)
    if decoded.note and notes is not None and decoded.note not in notes:
        notes.append(decoded.note)
    return decoded.text


def clean_line(text: str) -> str:
    """One line: no control characters (CR/LF/NUL included), whitespace folded."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


# --- addresses -------------------------------------------------------------

_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\],;:\"\\]{1,64}@[^\s@<>()\[\],;:\"\\]{1,255}$")


def normalize_address(addr: str) -> str:
    """Lower-cased addr-spec, or "" when it does not look like one."""
    addr = addr.strip().strip("<>").strip().lower()
    if not _ADDR_SPEC.match(addr):
        return ""
    domain = addr.rsplit("@", 1)[1]
    if domain.startswith(".") or domain.endswith(".") or ".." in domain:
        return ""
    return addr


def parse_addresses(values: list[str], notes: list[str] | None = None) -> list[tuple[str, str]]:
    """(display name, addr-spec) pairs, names decoded, invalid addresses dropped.

    Parsing happens before RFC 2047 decoding so a decoded comma in a display
    name ("Petrović, Marko") does not split one address into two.
    """
    bounded = [v[: MAX_HEADER_CHARS * 4] for v in values]
    result = []
    for name, addr in _split_addresses(bounded):
        normal = normalize_address(decode_header(addr))
        if normal:
            result.append((decode_header(name, notes), normal))
        if len(result) >= MAX_ADDRESSES:
            break
    return result


_SIMPLE_MAILBOX = re.compile(
    r'^\s*(?:"([^"\\,]*)"\s*|([^"<>,;:@()\\]*?)\s*)?<([^<>\s,;"()\\]+)>\s*$'
    r'|^\s*([^<>\s,;"()\\]+@[^<>\s,;"()\\]+)\s*$'
)


_SIMPLE_MAILBOX_MAX = 400


def _split_addresses(values: list[str]) -> list[tuple[str, str]]:
    """getaddresses(), with a fast path for the common single mailbox."""
    # Length-guarded: the fast pattern backtracks on long runs of spaces.
    if len(values) == 1 and len(values[0]) < _SIMPLE_MAILBOX_MAX:
        match = _SIMPLE_MAILBOX.match(values[0])
        if match:
            quoted, bare_name, bracketed, plain = match.groups()
            return [((quoted or bare_name or "").strip(), bracketed or plain)]
    try:
        return getaddresses(values)
    except RecursionError:
        # The stdlib parses nested comments "((((…" recursively.
        return []


def unique_addresses(pairs: list[tuple[str, str]]) -> list[str]:
    return list(dict.fromkeys(addr for _, addr in pairs))


# --- message ids -----------------------------------------------------------

_MSG_ID = re.compile(r"<\s*([^<>\s]{1,900})\s*>")


def parse_message_ids(value: str | None, limit: int = MAX_REFERENCES) -> list[str]:
    """Ids without angle brackets; bare ids (no brackets) are accepted too."""
    if not value:
        return []
    text = clean_line(raw_bytes(value).decode("utf-8", "replace"))
    ids = _MSG_ID.findall(text)
    if not ids:
        ids = [token for token in text.split() if "@" in token or len(text.split()) == 1]
        ids = [token.strip("<>,;")[:900] for token in ids]
    ids = [i for i in ids if i]
    return ids[-limit:]


def parse_message_id(value: str | None) -> str:
    ids = parse_message_ids(value, limit=1)
    return ids[0] if ids else ""


# --- dates -----------------------------------------------------------------


def parse_date(value: str | None) -> datetime | None:
    """Aware datetime; a date without a zone is taken as UTC."""
    if not value:
        return None
    text = clean_line(raw_bytes(value).decode("ascii", "replace"))[:200]
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
