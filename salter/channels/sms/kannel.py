"""Kannel's HTTP interface, both ways: the MO callback of its smsbox (get-url/post-url),
the sendsms interface for MT, delivery reports (dlr-url) and the configuration groups an
operator pastes into kannel.conf.

An MO request is stored exactly as it came (`envelope`): the query string as received
(percent-encoded, so lossless for UCS-2 bytes) and, for post-url, Kannel's X-Kannel-*
headers and the body. `read_mo` reads such an envelope back into an `Mo`; the view reads
the request with it before answering, and the adapter again when intake processes it.
"""

import hashlib
import hmac
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_noop

from salter.channels.sms import gsm
from salter.lang.deferred import Deferred

ENVELOPE_MAGIC = b"KANNEL-MO/1"
PARTS_MAGIC = b"KANNEL-MO-PARTS/1"
# Kannel's codings (DC_7BIT, DC_8BIT, DC_UCS2) and its delivery report types.
CODINGS = {"0": "7bit", "1": "8bit", "2": "ucs2"}
DLR_DELIVERED, DLR_FAILED, DLR_BUFFERED, DLR_SMSC_ACCEPTED, DLR_SMSC_REJECTED = 1, 2, 4, 8, 16
DLR_MASK = DLR_DELIVERED | DLR_FAILED | DLR_BUFFERED | DLR_SMSC_ACCEPTED | DLR_SMSC_REJECTED
# The MO fields as the get-url names them, and Kannel's escape for each (%b: the text as
# the bytes the phone sent, never squeezed or converted).
MO_ESCAPES = {"from": "%p", "to": "%P", "text": "%b", "coding": "%c", "charset": "%C",
              "udh": "%u", "smsc": "%i", "time": "%T", "id": "%I"}
# post-url sends the text as the body and these headers.
POST_HEADERS = {"X-Kannel-From": "from", "X-Kannel-To": "to", "X-Kannel-Coding": "coding",
                "X-Kannel-UDH": "udh", "X-Kannel-SMSC": "smsc", "X-Kannel-Time": "time",
                "X-Kannel-Charset": "charset"}
MAX_TEXT_BYTES = 255 * 140  # the longest concatenation a UDH can describe


class Malformed(Exception):
    """The request is not what Kannel sends: `field` names what is wrong, `reason` says
    it (a Deferred text)."""

    def __init__(self, field: str, reason: Deferred):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# --- MO ------------------------------------------------------------------------------------


def envelope(method: str, query: str, headers: dict[str, str], body: bytes) -> bytes:
    """The request as stored: what Kannel sent, nothing decoded."""
    lines = [ENVELOPE_MAGIC + b" " + method.upper().encode("ascii", "replace"),
             b"Query: " + query.encode("latin-1", "replace")]
    for name in POST_HEADERS:
        value = headers.get(name)
        if value is not None:
            lines.append(f"{name}: {value}".encode("latin-1", "replace"))
    return b"\n".join(lines) + b"\n\n" + body


@dataclass(frozen=True)
class Concat:
    """Where a part of a concatenated message belongs, from its UDH."""

    reference: int
    total: int
    seq: int


@dataclass(frozen=True)
class Mo:
    sender: str
    receiver: str
    text_bytes: bytes
    coding: str  # "0", "1", "2"
    charset: str
    udh: bytes
    smsc: str
    time: int | None
    kannel_id: str
    concat: Concat | None = None
    fields: dict = field(default_factory=dict)

    def text(self) -> str:
        return decode_text(self.text_bytes, self.coding, self.charset)

    def digest(self) -> str:
        """What makes Kannel's resending of one message recognisable when it gives no id
        of its own: the same sender, receiver, time, UDH and bytes."""
        parts = [self.sender, self.receiver, str(self.time or ""), self.udh.hex(),
                 self.coding, self.text_bytes.hex()]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()

    def idempotency_key(self) -> str:
        if self.kannel_id:
            return f"mo:{self.kannel_id[:100]}"
        return f"mo:{self.digest()}"


def _split_envelope(raw: bytes) -> tuple[str, str, dict[str, str], bytes]:
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    if not sep or not lines[0].startswith(ENVELOPE_MAGIC):
        raise Malformed("request", Deferred(gettext_noop("This is not a stored Kannel request.")))
    method = lines[0][len(ENVELOPE_MAGIC):].strip().decode("ascii", "replace")
    query, headers = "", {}
    for line in lines[1:]:
        name, _colon, value = line.decode("latin-1").partition(": ")
        if name == "Query":
            query = value
        else:
            headers[name] = value
    return method, query, headers, body


def _query_bytes(query: str) -> dict[str, bytes]:
    """The query's parameters as bytes: a UCS-2 text is UTF-16BE, not a str."""
    values: dict[str, bytes] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _eq, value = pair.partition("=")
        name = urllib.parse.unquote_plus(name)
        values.setdefault(name, urllib.parse.unquote_to_bytes(value.replace("+", " ")))
    return values


def read_mo(raw: bytes) -> Mo:
    """The stored request as an MO message; raises Malformed naming the field."""
    method, query, headers, body = _split_envelope(raw)
    params = _query_bytes(query)
    fields = {name: params[name] for name in MO_ESCAPES if name in params}
    if method == "POST":
        for header, name in POST_HEADERS.items():
            if header in headers and name not in fields:
                fields[name] = urllib.parse.unquote_to_bytes(headers[header]) \
                    if name == "udh" else headers[header].encode("latin-1")
        if "text" not in fields:
            fields["text"] = body
    return _mo(fields)


def _ascii(fields: dict, name: str) -> str:
    try:
        return fields.get(name, b"").decode("ascii").strip()
    except UnicodeDecodeError:
        raise Malformed(name, Deferred(gettext_noop("The field %(field)s must be ASCII."),
                                       {"field": name})) from None


def _mo(fields: dict) -> Mo:
    if "from" not in fields:
        raise Malformed("from", Deferred(gettext_noop(
            "The sender is missing: the field %(field)s, which Kannel fills with %(escape)s."),
            {"field": "from", "escape": "%p"}))
    if "to" not in fields:
        raise Malformed("to", Deferred(gettext_noop(
            "The receiver is missing: the field %(field)s, which Kannel fills with "
            "%(escape)s."), {"field": "to", "escape": "%P"}))
    if "text" not in fields:
        raise Malformed("text", Deferred(gettext_noop(
            "The text is missing: the field %(field)s, which Kannel fills with %(escape)s."),
            {"field": "text", "escape": "%b"}))
    sender = fields["from"].decode("utf-8", "replace").strip()
    receiver = _ascii(fields, "to")
    coding = _ascii(fields, "coding") or "0"
    if coding not in CODINGS:
        raise Malformed("coding", Deferred(gettext_noop(
            "Unknown coding %(coding)s: Kannel sends 0 (GSM alphabet), 1 (8 bits) or 2 "
            "(UCS-2)."),
            {"coding": coding[:10]}))
    charset = _ascii(fields, "charset")
    raw_time = _ascii(fields, "time")
    if raw_time and not raw_time.lstrip("-").isdigit():
        raise Malformed("time", Deferred(gettext_noop(
            "The time must be in seconds since 1970 (%(escape)s), not %(value)s."),
            {"value": raw_time[:30], "escape": "%T"}))
    udh = fields.get("udh", b"")
    if len(fields["text"]) > MAX_TEXT_BYTES:
        raise Malformed("text", Deferred(gettext_noop(
            "The text is longer than any concatenated message can be (%(n)d bytes)."),
            {"n": MAX_TEXT_BYTES}))
    return Mo(sender=sender[:64], receiver=receiver[:64], text_bytes=fields["text"],
              coding=coding, charset=charset[:40], udh=udh, smsc=_ascii(fields, "smsc")[:64],
              time=int(raw_time) if raw_time else None, kannel_id=_ascii(fields, "id")[:100],
              concat=concat_of(udh))


def concat_of(udh: bytes) -> Concat | None:
    """The concatenation element of a UDH (IE 0x00, 8-bit reference, or 0x08, 16-bit);
    None when there is none. A UDH whose length byte does not match is malformed."""
    if not udh:
        return None
    length = udh[0]
    if length + 1 != len(udh):
        raise Malformed("udh", Deferred(gettext_noop(
            "The UDH is %(n)d bytes but says it is %(m)d."), {"n": len(udh), "m": length + 1}))
    i = 1
    while i + 1 < len(udh):
        ie, size = udh[i], udh[i + 1]
        data = udh[i + 2:i + 2 + size]
        if len(data) != size:
            break
        if ie == 0x00 and size == 3:
            reference, total, seq = data
        elif ie == 0x08 and size == 4:
            reference, total, seq = int.from_bytes(data[:2], "big"), data[2], data[3]
        else:
            i += 2 + size
            continue
        if not (total >= 1 and 1 <= seq <= total):
            raise Malformed("udh", Deferred(gettext_noop(
                "The UDH names part %(seq)d of %(total)d."), {"seq": seq, "total": total}))
        return Concat(reference, total, seq) if total > 1 else None
    return None


def decode_text(data: bytes, coding: str, charset: str) -> str:
    """The text exactly as written: UCS-2 (coding 2) is UTF-16BE; GSM and 8-bit text
    arrive in the charset Kannel names (UTF-8 when it names none). Raises Malformed."""
    if coding == "2":
        if len(data) % 2:
            raise Malformed("text", Deferred(gettext_noop(
                "The UCS-2 text has an odd number of bytes (%(n)d)."), {"n": len(data)}))
        try:
            return data.decode("utf-16-be")
        except UnicodeDecodeError as exc:
            raise Malformed("text", Deferred(gettext_noop(
                "The UCS-2 text is not valid UTF-16 (byte %(at)d)."), {"at": exc.start})) from None
    name = (charset or "UTF-8").upper()
    if name in ("GSM", "GSM7", "GSM-7", "GSM0338", "GSM03.38"):
        try:
            return gsm.decode_septets(data)
        except ValueError as exc:
            raise Malformed("text", Deferred(gettext_noop(
                "The GSM text has a byte that is not a septet: %(detail)s"),
                {"detail": str(exc)})) from None
    try:
        return data.decode(_python_codec(name))
    except LookupError:
        raise Malformed("charset", Deferred(gettext_noop(
            "Unknown charset %(charset)s."), {"charset": charset[:40]})) from None
    except UnicodeDecodeError as exc:
        raise Malformed("text", Deferred(gettext_noop(
            "The text is not valid %(charset)s (byte %(at)d)."),
            {"charset": name, "at": exc.start})) from None


def _python_codec(name: str) -> str:
    # Kannel names 8-bit data "8-BIT": its bytes are taken as Latin-1, as phones that
    # send 8-bit text mean them.
    return {"ISO-8859-1": "latin-1", "LATIN1": "latin-1", "WINDOWS-1252": "cp1252",
            "UTF8": "utf-8", "8-BIT": "latin-1", "BINARY": "latin-1"}.get(name, name)


def parts_envelope(parts: list[tuple[int, bytes]]) -> bytes:
    """The stored parts of one concatenated message, in order: (seq, envelope) each."""
    out = [PARTS_MAGIC]
    for seq, raw in parts:
        out.append(f"\npart {seq} {len(raw)}\n".encode() + raw)
    return b"".join(out)


def read_parts(raw: bytes) -> list[tuple[int, Mo]]:
    if not raw.startswith(PARTS_MAGIC):
        raise Malformed("request", Deferred(gettext_noop("This is not a stored set of parts.")))
    i, parts = len(PARTS_MAGIC), []
    while i < len(raw):
        end = raw.index(b"\n", i + 1)
        _word, seq, length = raw[i + 1:end].decode().split()
        start = end + 1
        parts.append((int(seq), read_mo(raw[start:start + int(length)])))
        i = start + int(length)
    return parts


def joined_text(parts: list[Mo]) -> str:
    """The parts' texts, in order; UCS-2 bytes are joined before decoding, since a
    character may be split between two parts."""
    if parts and all(p.coding == "2" for p in parts):
        return decode_text(b"".join(p.text_bytes for p in parts), "2", "")
    return "".join(p.text() for p in parts)


# --- secrets and signatures ---------------------------------------------------------------


def _key() -> bytes:
    return (settings.SALTER_SMS_SECRET or settings.SECRET_KEY).encode()


def mo_secret(slug: str) -> str:
    """The shared secret of a municipality's MO callback (in its get-url)."""
    return hmac.new(_key(), f"kannel-mo:{slug}".encode(), hashlib.sha256).hexdigest()[:40]


def secret_matches(slug: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(mo_secret(slug), given)


def dlr_signature(slug: str, message_id: str) -> str:
    return hmac.new(_key(), f"kannel-dlr:{slug}:{message_id}".encode(),
                    hashlib.sha256).hexdigest()[:40]


def signature_matches(slug: str, message_id: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(dlr_signature(slug, message_id), given)


def dlr_url(base_url: str, slug: str, message_id: str) -> str:
    """Where Kannel reports on one message: its id signed, Kannel's escapes for the
    report's type (%d), the SMSC's answer (%A) and the time (%T)."""
    query = urllib.parse.urlencode({"id": message_id, "sig": dlr_signature(slug, message_id)})
    return (f"{base_url.rstrip('/')}/gateway/sms/kannel/{slug}/dlr/?{query}"
            "&type=%d&reply=%A&time=%T")


def mo_url(base_url: str, slug: str) -> str:
    query = "&".join(f"{name}={escape}" for name, escape in MO_ESCAPES.items())
    return (f"{base_url.rstrip('/')}/gateway/sms/kannel/{slug}/mo/?secret={mo_secret(slug)}"
            f"&{query}")


# --- MT --------------------------------------------------------------------------------------


class SendError(Exception):
    def __init__(self, detail: str, *, temporary: bool, status: int | None = None):
        super().__init__(detail)
        self.temporary = temporary
        self.status = status


def sendsms_query(*, sender: str, recipient: str, text: str, dlr: str) -> dict:
    """sendsms parameters: GSM-7 when every character fits (Kannel converts UTF-8 to the
    GSM alphabet, extension table included), UCS-2 as UTF-16BE bytes otherwise."""
    params = {"username": settings.SALTER_KANNEL_USER,
              "password": settings.SALTER_KANNEL_PASSWORD, "to": recipient,
              "dlr-mask": str(DLR_MASK), "dlr-url": dlr}
    if sender:
        params["from"] = sender
    if gsm.fits_gsm7(text):
        params.update({"coding": "0", "charset": "UTF-8", "text": text.encode("utf-8")})
    else:
        params.update({"coding": "2", "charset": "UTF-16BE",
                       "text": text.encode("utf-16-be")})
    return params


def send_sms(params: dict) -> str:
    """GET sendsms; returns Kannel's answer. Raises SendError (temporary for connection
    trouble, 5xx and Kannel's "queued"-less refusals that may pass later)."""
    url = settings.SALTER_KANNEL_URL
    query = urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(f"{url}?{query}",
                                    timeout=settings.SALTER_KANNEL_TIMEOUT) as response:
            return response.read(2000).decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        answer = exc.read(2000).decode("utf-8", "replace").strip()
        # 4xx: Kannel refuses the request itself (credentials, recipient, too long);
        # 503 and other 5xx: it is overloaded or its SMSC is down.
        raise SendError(f"{exc.code} {answer}", temporary=exc.code >= 500 or exc.code in (
            403, 429), status=exc.code) from exc
    except (OSError, ValueError) as exc:
        raise SendError(f"{type(exc).__name__}: {exc}", temporary=True) from exc


# --- the operator's configuration ----------------------------------------------------------


def config_groups(*, slug: str, base_url: str, name: str = "", smsc_id: str = "") -> str:
    """The sms-service and sendsms-user groups for one municipality. With several
    municipalities on one Kannel, each has its own SMSC (its number) and `smsc_id`
    names it, so that each sms-service takes only its municipality's texts."""
    label = name or slug
    lines = [
        f"# Šalter: text messages to {label} (MO) and from it (sendsms).",
        "group = sms-service",
        "keyword = default",
        f"name = salter-{slug}",
    ]
    if smsc_id:
        lines.append(f"accepted-smsc = {smsc_id}")
    lines += [
        f'get-url = "{mo_url(base_url, slug)}"',
        "catch-all = true",
        # Šalter answers in its own time, through sendsms: no reply from smsbox.
        "max-messages = 0",
        "",
        "group = sendsms-user",
        f"username = {settings.SALTER_KANNEL_USER}",
        f"password = {settings.SALTER_KANNEL_PASSWORD}",
        f"name = salter-{slug}",
        "# Long answers go out as concatenated messages of up to ten parts.",
        f"max-messages = {gsm.MAX_PARTS}",
        "concatenation = true",
    ]
    if smsc_id:
        lines.append(f"forced-smsc = {smsc_id}")
    return "\n".join(lines) + "\n"
