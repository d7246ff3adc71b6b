"""Raw e-mail messages as they reach Šalter, built byte by byte.

The stdlib generator would fix what real mail gets wrong, so this builder
writes the bytes itself: it can declare one charset and encode in another,
put raw 8-bit into headers, encode file names the RFC 2231 or the Outlook
way, and break MIME on purpose. Tests of the parser, the intake pipeline and
the parse benchmark all use it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import io
import itertools
import random
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

NL = b"\r\n"
_BOUNDARIES = itertools.count(1)

SERBIAN_LATIN = "Poštovani, u Ulici Žarka Zrenjanina đubre nije odneto već šest dana. Čekamo ćutke."
SERBIAN_CYRILLIC = (
    "Поштовани, у Улици Жарка Зрењанина ђубре није однето већ шест дана. Љубазно молим, џабе."
)
HUNGARIAN = (
    "Tisztelt Hivatal! A Kossuth utcában hűtőszekrényt dobtak ki, kérem az elszállítását. Üdv, Ő."
)


@dataclass(frozen=True)
class Part:
    """An attachment (or inline image) of a built message."""

    filename: str | None
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None
    # How the name is written: "rfc2231", "rfc2231-continued", "rfc2047", "plain",
    # "raw8bit" (UTF-8 bytes in the header), "name-only" (Content-Type name=), "none".
    filename_style: str = "rfc2231"
    transfer_encoding: str = "base64"  # or "8bit", "7bit", "quoted-printable"
    extra_headers: tuple[tuple[str, str], ...] = ()


# --- headers ---------------------------------------------------------------


def encode_word(
    text: str, codec: str = "utf-8", style: str = "b", charset: str | None = None
) -> str:
    """RFC 2047 encoded words, split so no word exceeds 75 characters."""
    label = charset or codec
    words, chunk = [], ""
    for ch in text:
        if len((chunk + ch).encode(codec, "replace")) > 30:
            words.append(chunk)
            chunk = ""
        chunk += ch
    if chunk:
        words.append(chunk)
    encoded = []
    for word in words:
        data = word.encode(codec, "replace")
        if style == "b":
            payload = base64.b64encode(data).decode("ascii")
        else:
            payload = "".join(
                "_"
                if byte == 0x20
                else chr(byte)
                if chr(byte).isalnum() and byte < 128
                else f"={byte:02X}"
                for byte in data
            )
        encoded.append(f"=?{label}?{style.upper()}?{payload}?=")
    return "\r\n ".join(encoded)


def header_value(text: str, style: str, codec: str = "utf-8", charset: str | None = None) -> bytes:
    """A header value as bytes: "ascii" as is, "raw" as 8-bit bytes, "b"/"q" encoded words."""
    if style == "raw":
        return text.encode(codec, "replace")
    if style == "ascii" or text.isascii():
        return text.encode("ascii", "replace")
    return encode_word(text, codec, style, charset).encode("ascii")


def address(name: str | None, addr: str, style: str = "b", codec: str = "utf-8") -> bytes:
    if not name:
        return addr.encode("ascii")
    if name.isascii():
        return f'"{name}" <{addr}>'.encode("ascii")
    return header_value(name, style, codec) + f" <{addr}>".encode("ascii")


# --- bodies ----------------------------------------------------------------


def transfer_encode(data: bytes, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.encodebytes(data).replace(b"\n", NL)
    if encoding == "quoted-printable":
        return binascii.b2a_qp(data.replace(NL, b"\n")).replace(b"\n", NL)
    return data.replace(NL, b"\n").replace(b"\n", NL)


def text_part(
    text: str,
    *,
    subtype: str = "plain",
    charset: str | None = "utf-8",
    codec: str | None = None,
    transfer_encoding: str = "quoted-printable",
) -> bytes:
    """One text/* part: `charset` is what is declared, `codec` what the bytes really are."""
    data = text.encode(codec or charset or "utf-8", "replace")
    content_type = f"text/{subtype}" + (f"; charset={charset}" if charset else "")
    return (
        f"Content-Type: {content_type}".encode()
        + NL
        + f"Content-Transfer-Encoding: {transfer_encoding}".encode()
        + NL
        + NL
        + transfer_encode(data, transfer_encoding)
    )


def filename_params(name: str, style: str) -> tuple[bytes, bytes]:
    """(Content-Type params, Content-Disposition params) naming a file."""
    if style == "none":
        return b"", b""
    if style == "rfc2231":
        value = f"filename*=utf-8''{quote(name, safe='')}".encode()
        return b"", b"; " + value
    if style == "rfc2231-continued":
        encoded = quote(name, safe="")
        pieces = [encoded[i : i + 20] for i in range(0, len(encoded), 20)]
        # Do not cut a %XX escape in two.
        fixed, carry = [], ""
        for piece in pieces:
            piece = carry + piece
            cut = piece.rfind("%", max(0, len(piece) - 2))
            piece, carry = (piece[:cut], piece[cut:]) if cut != -1 else (piece, "")
            fixed.append(piece)
        if carry:
            fixed.append(carry)
        params = [f"filename*0*=utf-8''{fixed[0]}"] + [
            f"filename*{i}*={p}" for i, p in enumerate(fixed[1:], 1) if p
        ]
        return b"", ("; " + ";\r\n ".join(params)).encode()
    if style == "rfc2047":
        word = encode_word(name, "utf-8", "b").replace("\r\n ", " ").encode()
        return b'; name="' + word + b'"', b'; filename="' + word + b'"'
    if style == "raw8bit":
        raw = name.encode("utf-8")
        return b'; name="' + raw + b'"', b'; filename="' + raw + b'"'
    if style == "name-only":
        return b'; name="' + name.encode("utf-8") + b'"', b""
    return b"", b'; filename="' + name.encode("utf-8") + b'"'


def attachment_part(part: Part) -> bytes:
    type_params, disposition_params = (
        filename_params(part.filename, part.filename_style) if part.filename else (b"", b"")
    )
    disposition = b"inline" if part.inline else b"attachment"
    lines = [b"Content-Type: " + part.content_type.encode() + type_params]
    if part.filename_style != "name-only":
        lines.append(b"Content-Disposition: " + disposition + disposition_params)
    lines.append(b"Content-Transfer-Encoding: " + part.transfer_encoding.encode())
    if part.content_id:
        lines.append(f"Content-ID: <{part.content_id}>".encode())
    lines.extend(f"{name}: {value}".encode() for name, value in part.extra_headers)
    return NL.join(lines) + NL + NL + transfer_encode(part.data, part.transfer_encoding)


def multipart(subtype: str, parts: Sequence[bytes], boundary: str, *, close: bool = True) -> bytes:
    """Headers and body of a multipart entity (its own Content-Type first)."""
    body = b"".join(f"--{boundary}".encode() + NL + part + NL for part in parts)
    if close:
        body += f"--{boundary}--".encode() + NL
    header = f'Content-Type: multipart/{subtype}; boundary="{boundary}"'.encode()
    return header + NL + NL + b"This is a multi-part message in MIME format." + NL + NL + body


# --- whole messages --------------------------------------------------------


def build_message(
    *,
    subject: str = "Zahtev za odvoz kabastog otpada",
    body: str | None = SERBIAN_LATIN,
    html: str | None = None,
    charset: str | None = "utf-8",
    codec: str | None = None,
    transfer_encoding: str = "quoted-printable",
    subject_style: str = "b",
    header_codec: str = "utf-8",
    from_name: str | None = "Marko Petrović",
    from_address: str = "marko.petrovic@example.net",
    to: Iterable[str] = ("pisarnica@subotica.rs",),
    cc: Iterable[str] = (),
    reply_to: str | None = None,
    date: str | None = "Mon, 05 Feb 2024 10:15:00 +0100",
    message_id: str | None = "<20240205101500.1234@example.net>",
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    attachments: Sequence[Part] = (),
    headers: Iterable[tuple[str, str]] = (),
    boundary: str | None = None,
) -> bytes:
    """One message, bytes ready for the parser.

    `charset` is the declared body charset (None: no charset parameter), and
    `codec` the one the bytes are really in (default: the declared one).
    """
    head = [b"From: " + address(from_name, from_address, subject_style, header_codec)]
    if to:
        head.append(b"To: " + ", ".join(to).encode())
    if cc:
        head.append(b"Cc: " + ", ".join(cc).encode())
    if reply_to:
        head.append(b"Reply-To: " + reply_to.encode())
    head.append(b"Subject: " + header_value(subject, subject_style, header_codec))
    if date:
        head.append(b"Date: " + date.encode())
    if message_id:
        head.append(b"Message-ID: " + message_id.encode())
    if in_reply_to:
        head.append(b"In-Reply-To: " + in_reply_to.encode())
    refs = list(references)
    if refs:
        head.append(b"References: " + "\r\n ".join(refs).encode())
    head.extend(f"{name}: {value}".encode() for name, value in headers)
    head.append(b"MIME-Version: 1.0")
    boundary = boundary or f"=_salter_{next(_BOUNDARIES)}_"
    entity = _body_entity(body, html, charset, codec, transfer_encoding, attachments, boundary)
    return NL.join(head) + NL + entity


def _body_entity(body, html, charset, codec, transfer_encoding, attachments, boundary) -> bytes:
    def text(content: str, subtype: str) -> bytes:
        return text_part(
            content,
            subtype=subtype,
            charset=charset,
            codec=codec,
            transfer_encoding=transfer_encoding,
        )

    inline = [p for p in attachments if p.inline and p.content_id and html is not None]
    others = [p for p in attachments if p not in inline]
    html_entity = None
    if html is not None:
        html_entity = text(html, "html")
        if inline:
            html_entity = multipart(
                "related", [html_entity, *map(attachment_part, inline)], f"{boundary}rel"
            )
    if body is not None and html_entity is not None:
        main = multipart("alternative", [text(body, "plain"), html_entity], f"{boundary}alt")
    elif html_entity is not None:
        main = html_entity
    else:
        main = text(body or "", "plain")
    if not others:
        return main
    return multipart("mixed", [main, *map(attachment_part, others)], f"{boundary}mix")


def forwarded(raw: bytes, filename: str | None = None) -> Part:
    """A message attached as message/rfc822 (Outlook's "forward as attachment")."""
    return Part(
        filename,
        "message/rfc822",
        raw,
        filename_style="plain" if filename else "none",
        transfer_encoding="8bit",
    )


def build_bounce(failed_recipient: str, *, original: bytes | None = None) -> bytes:
    """A delivery status notification (RFC 3464) for one failed recipient."""
    human = text_part(
        f"Delivery to the following recipient failed permanently:\n\n    {failed_recipient}\n",
        transfer_encoding="7bit",
    )
    status = (
        b"Content-Type: message/delivery-status"
        + NL
        + NL
        + b"Reporting-MTA: dns; mx.subotica.rs"
        + NL
        + NL
        + f"Final-Recipient: rfc822; {failed_recipient}".encode()
        + NL
        + b"Action: failed"
        + NL
        + b"Status: 5.1.1"
        + NL
        + b"Diagnostic-Code: smtp; 550 5.1.1 user unknown"
        + NL
    )
    original_part = (
        b"Content-Type: text/rfc822-headers"
        + NL
        + NL
        + (original or b"From: pisarnica@subotica.rs\r\nSubject: Vas predmet\r\n")
    )
    parts = [human, status, original_part]
    body = b"".join(b"--dsn" + NL + part + NL for part in parts) + b"--dsn--" + NL
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.subotica.rs>"
        + NL
        + b"To: pisarnica@subotica.rs"
        + NL
        + b"Subject: Undelivered Mail Returned to Sender"
        + NL
        + b"Date: Tue, 06 Feb 2024 08:00:00 +0100"
        + NL
        + b"Message-ID: <dsn.1@mx.subotica.rs>"
        + NL
        + b"Return-Path: <>"
        + NL
        + b"Auto-Submitted: auto-replied"
        + NL
        + b"MIME-Version: 1.0"
        + NL
        + b'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"'
        + NL
        + NL
        + body
    )


# --- TNEF (winmail.dat) ----------------------------------------------------

TNEF_SIGNATURE = 0x223E9F78
_LVL_MESSAGE, _LVL_ATTACHMENT = 1, 2
_ATT_BODY = 0x800C
_ATT_ATTACH_RENDDATA = 0x9002
_ATT_ATTACH_TITLE = 0x8010
_ATT_ATTACH_DATA = 0x800F
_ATT_TNEF_VERSION = 0x9006
_ATT_OEM_CODEPAGE = 0x9007


def _tnef_attribute(level: int, name: int, attr_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, name, attr_type, len(data)) + data + struct.pack("<H", checksum)
    )


def build_tnef(files: Sequence[tuple[str, bytes]], body: str | None = None) -> bytes:
    """A minimal TNEF stream as Outlook writes it: version, code page, optional
    plain body, and per attachment its rendering data, title and data."""
    out = struct.pack("<IH", TNEF_SIGNATURE, 0x0001)
    out += _tnef_attribute(_LVL_MESSAGE, _ATT_TNEF_VERSION, 0x0008, struct.pack("<I", 0x00010000))
    out += _tnef_attribute(_LVL_MESSAGE, _ATT_OEM_CODEPAGE, 0x0006, struct.pack("<II", 1250, 0))
    if body is not None:
        out += _tnef_attribute(_LVL_MESSAGE, _ATT_BODY, 0x0002, body.encode("cp1250") + b"\x00")
    for name, data in files:
        out += _tnef_attribute(
            _LVL_ATTACHMENT, _ATT_ATTACH_RENDDATA, 0x0002, b"\x01\x00" + b"\xff" * 12
        )
        out += _tnef_attribute(
            _LVL_ATTACHMENT, _ATT_ATTACH_TITLE, 0x0001, name.encode("cp1250") + b"\x00"
        )
        out += _tnef_attribute(_LVL_ATTACHMENT, _ATT_ATTACH_DATA, 0x0006, data)
    return out


def winmail(files: Sequence[tuple[str, bytes]], body: str | None = None) -> Part:
    return Part("winmail.dat", "application/ms-tnef", build_tnef(files, body))


def winmail_of_tiny_objects(count: int) -> Part:
    """A TNEF stream of many empty attributes (tnefparse needs quadratic time on it)."""
    tiny = _tnef_attribute(_LVL_MESSAGE, 0x0004, 0x0000, b"")
    return Part(
        "winmail.dat", "application/ms-tnef", struct.pack("<IH", TNEF_SIGNATURE, 1) + tiny * count
    )


# --- samples ---------------------------------------------------------------

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PDF_SMALL = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def reply_body(new: str, quoted: str, attribution: str) -> str:
    quoted_lines = "\n".join(f"> {line}" if line else ">" for line in quoted.split("\n"))
    return f"{new}\n\n{attribution}\n{quoted_lines}\n"


def zip_bomb(size: int = 10 * 1024 * 1024) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nule.txt", b"\x00" * size)
    return buffer.getvalue()


def _nested(depth: int) -> bytes:
    entity = text_part("najdublje", transfer_encoding="7bit")
    for level in range(depth):
        entity = multipart("mixed", [entity], f"n{level}")
    return entity


def _header_block() -> bytes:
    return (
        b"From: napadac@example.net"
        + NL
        + b"To: pisarnica@subotica.rs"
        + NL
        + b"Subject: test"
        + NL
        + b"Date: Mon, 05 Feb 2024 10:00:00 +0100"
        + NL
        + b"Message-ID: <hostile@example.net>"
        + NL
        + b"MIME-Version: 1.0"
        + NL
    )


@functools.lru_cache(maxsize=1)
def _hostile() -> dict[str, bytes]:
    rng = random.Random(20240205)
    many_parts = [text_part(f"deo {i}", transfer_encoding="7bit") for i in range(500)]
    return {
        "empty": b"",
        "whitespace_only": b"\r\n\r\n   \r\n",
        "no_headers": b"Ovo je samo tekst bez zaglavlja.\nDrugi red.\n",
        "random_garbage": bytes(rng.getrandbits(8) for _ in range(4096)),
        "deep_nesting": _header_block() + _nested(100),
        "too_many_parts": _header_block() + multipart("mixed", many_parts, "many"),
        "oversized_attachment": build_message(
            attachments=[
                Part("veliko.bin", "application/octet-stream", b"\x01" * (26 * 1024 * 1024))
            ]
        ),
        "zip_bomb": build_message(attachments=[Part("bomba.zip", "application/zip", zip_bomb())]),
        "gzip_content_encoding": build_message(
            attachments=[
                Part(
                    "podaci.txt",
                    "text/plain",
                    gzip.compress(b"\x00" * (10 * 1024 * 1024)),
                    extra_headers=(("Content-Encoding", "gzip"),),
                )
            ]
        ),
        "subject_crlf_injection": build_message(
            subject="Zahtev\r\nBcc: svi@subotica.rs\r\nX-Injected: da", subject_style="ascii"
        ),
        "subject_encoded_crlf_injection": build_message(
            subject="Zahtev\r\nBcc: svi@subotica.rs\x00", subject_style="q"
        ),
        "script_in_html": build_message(
            body=None,
            html='<p onclick="steal()">Zdravo</p><script>alert("xss")</script>'
            '<a href="javascript:alert(1)">klik</a><img src="x" onerror="alert(2)">'
            '<style>body{background:url(http://evil)}</style><iframe src="http://evil"></iframe>',
        ),
        "path_traversal_names": build_message(
            attachments=[
                Part("../../etc/passwd", "text/plain", b"root:x:0:0", filename_style="plain"),
                Part("C:\\x\\y.exe", "application/octet-stream", b"MZ", filename_style="plain"),
                Part(
                    "evil\x00.pdf.exe", "application/octet-stream", b"MZ", filename_style="rfc2231"
                ),
                Part("slika\u202egpj.exe", "application/octet-stream", b"MZ"),
                Part("..", "application/octet-stream", b"x", filename_style="plain"),
            ]
        ),
        "nul_in_text": build_message(
            body="Pošto\x00vani,\x00 molim\x00 odgovor.", transfer_encoding="8bit"
        ),
        "very_long_line": build_message(body="a" * (3 * 1024 * 1024), transfer_encoding="7bit"),
        "huge_header": _header_block().replace(
            b"Subject: test", b"Subject: " + b"x" * (1024 * 1024)
        )
        + b"Content-Type: text/plain"
        + NL
        + NL
        + b"telo"
        + NL,
        "many_headers": _header_block()
        + b"".join(f"X-Junk-{i}: {'v' * 50}".encode() + NL for i in range(20000))
        + NL
        + b"telo"
        + NL,
        "many_recipients": build_message(to=[f"u{i}@example.net" for i in range(5000)]),
        "many_quoted_lines": build_message(
            body="> pitanje\nodgovor\n" * 50_000 + "> kraj", transfer_encoding="7bit"
        ),
        "unclosed_html_tags": build_message(body=None, html='<a title="' * 50_000 + "kraj"),
        "nested_address_comments": build_message(
            from_name=None, from_address="(" * 15_000 + "napadac@example.net"
        ),
        "tnef_many_objects": build_message(attachments=[winmail_of_tiny_objects(200_000)]),
        "deeply_nested_html": build_message(
            body=None, html="<div>" * 50_000 + "duboko" + "</div>" * 50_000
        ),
    }


def hostile_messages() -> dict[str, bytes]:
    """Inputs an attacker or a broken system could send, by name."""
    return dict(_hostile())


def broken_messages() -> dict[str, bytes]:
    """Damaged MIME seen from real mailers; the parser should recover the content."""
    head = _header_block()
    return {
        "missing_boundary_param": head
        + b"Content-Type: multipart/mixed"
        + NL
        + NL
        + b"--zzz"
        + NL
        + text_part("Prvi deo sa tekstom.")
        + NL
        + b"--zzz"
        + NL
        + attachment_part(Part("a.pdf", "application/pdf", PDF_SMALL))
        + NL
        + b"--zzz--"
        + NL,
        "wrong_boundary_param": head
        + b'Content-Type: multipart/mixed; boundary="nije-ovaj"'
        + NL
        + NL
        + b"--ovaj"
        + NL
        + text_part("Tekst uz pogresnu granicu.")
        + NL
        + b"--ovaj--"
        + NL,
        "missing_end_boundary": head
        + multipart(
            "mixed",
            [
                text_part("Tekst bez kraja."),
                attachment_part(Part("a.pdf", "application/pdf", PDF_SMALL)),
            ],
            "kraj",
            close=False,
        ),
        "bad_base64_padding": head
        + b"Content-Type: text/plain; charset=utf-8"
        + NL
        + b"Content-Transfer-Encoding: base64"
        + NL
        + NL
        + base64.b64encode("Poštovani, čekam odgovor.".encode()).rstrip(b"=")[:-1]
        + NL,
        "glued_base64_chunks": head
        + b"Content-Type: text/plain; charset=utf-8"
        + NL
        + b"Content-Transfer-Encoding: base64"
        + NL
        + NL
        + base64.b64encode(b"Prvi ")
        + base64.b64encode(b"drugi.")
        + NL,
        "bad_quoted_printable": head
        + b"Content-Type: text/plain; charset=utf-8"
        + NL
        + b"Content-Transfer-Encoding: quoted-printable"
        + NL
        + NL
        + b"Po=C5=A1tovani =ZZ i =\r\nnastavak =C4"
        + NL,
        "base64_declared_plain_sent": head
        + b"Content-Type: text/plain; charset=utf-8"
        + NL
        + b"Content-Transfer-Encoding: base64"
        + NL
        + NL
        + "Ovo nije base64, ovo je običan tekst: šta sad?".encode()
        + NL,
        "unknown_transfer_encoding": head
        + b"Content-Type: text/plain; charset=utf-8"
        + NL
        + b"Content-Transfer-Encoding: x-nesto"
        + NL
        + NL
        + "Tekst je čitljiv.".encode()
        + NL,
        "part_without_headers": head
        + b'Content-Type: multipart/mixed; boundary="b"'
        + NL
        + NL
        + b"--b"
        + NL
        + NL
        + "Deo bez zaglavlja, ćao.".encode()
        + NL
        + b"--b--"
        + NL,
        "part_without_separator": head
        + b'Content-Type: multipart/mixed; boundary="b"'
        + NL
        + NL
        + b"--b"
        + NL
        + "Deo odmah počinje tekstom".encode()
        + NL
        + b"--b--"
        + NL,
        "attachment_without_transfer_encoding_header": head
        + b'Content-Type: multipart/mixed; boundary="b"'
        + NL
        + NL
        + b"--b"
        + NL
        + text_part("Vidi prilog.")
        + NL
        + b"--b"
        + NL
        + b'Content-Type: application/pdf; name="a.pdf"'
        + NL
        + NL
        + base64.encodebytes(PDF_SMALL * 4).replace(b"\n", NL)
        + b"--b--"
        + NL,
        "bare_lf_line_endings": build_message().replace(NL, b"\n"),
        "mbox_from_line": b"From marko@example.net Mon Feb  5 10:15:00 2024\n" + build_message(),
    }


# --- a realistic mix, for the benchmark and for bulk tests -----------------

_CHARSET_MIX = [
    ("utf-8", None, SERBIAN_LATIN),
    ("utf-8", None, SERBIAN_CYRILLIC),
    ("utf-8", None, HUNGARIAN),
    ("windows-1250", None, SERBIAN_LATIN),
    ("iso-8859-2", None, HUNGARIAN),
    ("windows-1251", None, SERBIAN_CYRILLIC),
    ("iso-8859-1", "cp1250", SERBIAN_LATIN),  # mislabelled
    ("us-ascii", "cp1250", SERBIAN_LATIN),  # mislabelled
    (None, "cp1250", HUNGARIAN),  # undeclared
    ("windows-1250", "utf-8", SERBIAN_LATIN),  # mislabelled the other way
]
_ATTRIBUTIONS = [
    "pon, 5. feb 2024. u 10:00 Opština Subotica <pisarnica@subotica.rs> je napisao/la:",
    "On Mon, Feb 5, 2024 at 10:00 AM Opština Subotica <pisarnica@subotica.rs> wrote:",
    "2024. febr. 5., h 10:00 időpontban Szabadka Község <pisarnica@subotica.rs> ezt írta:",
    "У пон, 5. феб 2024. у 10:00 Општина Суботица <pisarnica@subotica.rs> је написао/ла:",
]


def realistic_corpus(count: int, seed: int = 0) -> list[bytes]:
    """`count` messages mixing charsets, replies with quotes, HTML and attachments."""
    rng = random.Random(seed)
    messages = []
    for i in range(count):
        charset, codec, text = rng.choice(_CHARSET_MIX)
        body = (
            "\n\n".join([text] * rng.randint(1, 4))
            + "\n\nS poštovanjem,\nMarko Petrović\n064/123-456"
        )
        in_reply_to = None
        if rng.random() < 0.4:
            body = reply_body(body, SERBIAN_LATIN + "\n" + HUNGARIAN, rng.choice(_ATTRIBUTIONS))
            in_reply_to = f"<case-{i}@subotica.rs>"
        html = None
        if rng.random() < 0.3:
            html = (
                "<html><body>"
                + "".join(f"<p>{line}</p>" for line in body.split("\n"))
                + "</body></html>"
            )
            if rng.random() < 0.3:
                body = None
        attachments = []
        if rng.random() < 0.25:
            attachments.append(
                Part(
                    "zahtev_šteta.pdf",
                    "application/pdf",
                    PDF_SMALL * rng.randint(1, 200),
                    filename_style=rng.choice(["rfc2231", "rfc2047", "plain"]),
                )
            )
        if rng.random() < 0.1:
            attachments.append(Part("slika.png", "image/png", PNG_1PX))
        messages.append(
            build_message(
                subject=rng.choice(
                    [
                        "Zahtev za popravku",
                        "Re: Kvar na rasveti",
                        "Žalba – đubre",
                        "Жалба на комуналну службу",
                        "Kérelem – közvilágítás",
                    ]
                ),
                body=body,
                html=html,
                charset=charset,
                codec=codec,
                transfer_encoding=rng.choice(["quoted-printable", "base64", "8bit"]),
                message_id=f"<{i}.{seed}@example.net>",
                in_reply_to=in_reply_to,
                references=[in_reply_to] if in_reply_to else (),
                attachments=attachments,
            )
        )
    return messages
