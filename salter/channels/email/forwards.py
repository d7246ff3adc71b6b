"""A citizen's message forwarded to intake by one of the municipality's own people or
offices: as an attached message (message/rfc822), or inline below a "Forwarded message"
line as Gmail, Thunderbird and Outlook write it, in Serbian (either script), Hungarian or
English. The forwarded message is what the case is about, and its sender is the client.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from salter.channels.email.headers import parse_date
from salter.channels.email.quoting import is_forward_subject

_MAX_MARKER_LINE = 200
_HEADER_BLOCK_LINES = 12
# Lines that say a forwarded message follows.
_FORWARD_MARKER = re.compile(
    r"""(?ix)^\s*(?:
      -{2,}\s*(?:forwarded\s+message|prosleđena\s+poruka|proslijeđena\s+poruka
        |prosleđeno\s+pismo|továbbított\s+üzenet|прослеђена\s+порука)\s*-{2,}
      | begin\s+forwarded\s+message\s*:
    )\s*$"""
)
# Lines Outlook writes above a forwarded message and above the history of a reply alike:
# a forward only when the subject says so ("FW:", "TR:", "Prosl:").
_HISTORY_MARKER = re.compile(
    r"""(?ix)^\s*(?:
      -{2,}\s*(?:original\s+message|originalna\s+poruka|izvorna\s+poruka
        |eredeti\s+üzenet|оригинална\s+порука|изворна\s+порука)\s*-{2,}
      | _{10,}
    )\s*$"""
)
# Header names of the forwarded block, by what they mean.
_FIELDS = {
    "from": ("from", "od", "šalje", "pošiljalac", "feladó", "од", "шаље", "пошиљалац"),
    "date": ("date", "sent", "datum", "poslato", "poslano", "dátum", "elküldve", "küldve",
             "датум", "послато"),
    "subject": ("subject", "tema", "naslov", "predmet", "tárgy", "тема", "наслов", "предмет"),
    "to": ("to", "za", "prima", "címzett", "за", "прима"),
    "cc": ("cc", "másolat", "копија", "kopija"),
}
_FIELD_OF = {name: key for key, names in _FIELDS.items() for name in names}
_HEADER_LINE = re.compile(r"^\s*\*?([^\s:*][^:*]{0,20}?)\*?\s*:\*?\s*(.*?)\s*$")
_ADDRESS = re.compile(r"<?([^<>\s\"'(),;:]+@[^<>\s\"'(),;:]+\.[^<>\s\"'(),;:]+)>?")


@dataclass(frozen=True)
class Forwarded:
    """The forwarded message as intake needs it; `note` is what the forwarder wrote above
    it."""

    from_address: str
    from_name: str = ""
    subject: str = ""
    text: str = ""
    sent_at: datetime | None = None
    message_id: str = ""
    references: tuple[str, ...] = ()
    note: str = ""
    attachments: tuple = field(default=())


def forwarded_message(parsed) -> Forwarded | None:
    """The message forwarded in `parsed`, if there is one with a sender address: an
    attached message first, else an inline forwarded block."""
    for inner in parsed.forwarded or ():
        if inner.from_address:
            text = (inner.text or "").strip() or (inner.full_text or "").strip()
            refs = [*inner.references, *([inner.in_reply_to] if inner.in_reply_to else [])]
            return Forwarded(
                from_address=inner.from_address, from_name=inner.from_name or "",
                subject=inner.subject or "", text=text, sent_at=inner.date,
                message_id=inner.message_id or "",
                references=tuple(r.strip("<> ") for r in refs if r),
                note=(parsed.text or "").strip(), attachments=tuple(inner.attachments))
    return inline_forward(parsed.full_text or parsed.text or "",
                          forward_subject=is_forward_subject(parsed.subject or ""))


def inline_forward(body: str, *, forward_subject: bool = False) -> Forwarded | None:
    """The first forwarded block of a plain-text body: a marker line, a header block
    with at least the sender, then the forwarded text."""
    lines = body.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if len(line) > _MAX_MARKER_LINE or not _is_marker(line, forward_subject):
            continue
        found = _header_block(lines, i + 1)
        if found is None:
            continue
        fields, end = found
        address = _ADDRESS.search(fields["from"])
        if address is None:
            continue
        name = fields["from"][:address.start()].strip().strip('"').strip()
        return Forwarded(
            from_address=address.group(1), from_name=name,
            subject=fields.get("subject", ""), text=_unquote("\n".join(lines[end:])).strip(),
            sent_at=parse_date(fields.get("date")), note="\n".join(lines[:i]).strip())
    return None


def _is_marker(line: str, forward_subject: bool) -> bool:
    if _FORWARD_MARKER.match(line):
        return True
    return forward_subject and bool(_HISTORY_MARKER.match(line))


def _header_block(lines: list[str], start: int):
    """({field: value}, index after the block) when a From header is among the first
    lines after the marker."""
    fields: dict[str, str] = {}
    i = start
    while i < len(lines) and not lines[i].strip() and i < start + 2:
        i += 1
    while i < len(lines) and i < start + _HEADER_BLOCK_LINES:
        match = _HEADER_LINE.match(lines[i])
        if not match:
            break
        key = _FIELD_OF.get(match.group(1).strip().lower())
        if key is None:
            break
        fields.setdefault(key, match.group(2))
        i += 1
    if "from" not in fields:
        return None
    return fields, i


def _unquote(text: str) -> str:
    """Forwarded text some clients quote with "> " throughout."""
    lines = text.split("\n")
    quoted = [line for line in lines if line.strip()]
    if quoted and all(line.lstrip().startswith(">") for line in quoted):
        return "\n".join(re.sub(r"^\s?>\s?", "", line) for line in lines)
    return text
