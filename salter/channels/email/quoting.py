"""Separate what the sender wrote now from quoted history and the signature.

Clerks read the new text on the case timeline; the history is already there
from earlier messages. Rules cover the mail clients common in Serbia and
Hungary (Gmail, Outlook, Thunderbird, phones) in Serbian Latin and Cyrillic,
Hungarian and English. A forwarded message is not history: its content is the
point of the mail, so it stays in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines longer than this are never quote headers; it also keeps the regexes
# cheap on hostile single-line bodies.
_MAX_MARKER_LINE = 400
_SIGNATURE_MAX_LINES = 15
_WRAPPED_TAIL = 40
_CLOSING_MAX_TAIL_LINES = 6
_CLOSING_MAX_TAIL_CHARS = 80

_ATTRIBUTION = re.compile(
    r"""(?ix)
    (?: ^(?:on|dana|am|le|el|il|у|дана)\s.{0,300}?       # opener of a dated attribution
        | .{0,300}? )
    (?: \bwrote
      | \bnapisa(?:la|o(?:/la|\(la\))?)
      | \bнаписа(?:ла|о(?:/ла|\(ла\))?)
      | \bírta
      | \bschrieb
      | \ba\s+écrit
    )\s*:\s*$
    """
)
_OUTLOOK_SEPARATOR = re.compile(
    r"""(?ix)^\s*-{3,}\s*
    (?:original\s+message|izvorna\s+poruka|originalna\s+poruka|eredeti\s+üzenet
      |оригинална\s+порука|изворна\s+порука|izvorno\s+sporočilo)
    \s*-{3,}\s*$"""
)
_ATTRIBUTION_OPENER = re.compile(r"(?i)^(?:(?:on|dana|am|le|el|у|дана)\s|\d|\w{2,4}\.?,\s*\d)")
_FORWARD_MARKER = re.compile(
    r"""(?ix)^\s*(?:
      -{3,}\s*(?:forwarded\s+message|prosleđena\s+poruka|proslijeđena\s+poruka
        |prosleđeno\s+pismo|továbbított\s+üzenet|прослеђена\s+порука)\s*-{3,}
      | begin\s+forwarded\s+message\s*:
    )\s*$"""
)
_FROM_LINE = re.compile(r"(?i)^\s*\*?(?:from|od|šalje|pošiljalac|feladó|од|шаље)\s*:\*?\s*\S")
_SENT_LINE = re.compile(
    r"(?i)^\s*\*?(?:sent|date|poslato|poslano|datum|elküldve|küldve|dátum|послато|датум)"
    r"\s*:\*?\s*\S"
)
_OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")
_QUOTED = re.compile(r"^\s{0,3}>")
_SIGNATURE_DASHES = re.compile(r"^(?:-- ?|—)$")
_MOBILE_SIGNATURE = re.compile(
    r"""(?ix)^\s*(?:
      sent\s+from\s+my\s+\S.{0,60}
    | sent\s+from\s+(?:outlook|mail|yahoo\s+mail).{0,60}
    | get\s+outlook\s+for\s+\S.{0,40}
    | poslat[oa]\s+(?:sa|s|iz|preko)\s+(?:mog|moga|mojeg|moje)?\s*\S.{0,60}
    | poslano\s+(?:sa|s|iz)\s+(?:mog|moga|mojeg|moje)?\s*\S.{0,60}
    | послато\s+(?:са|с|из)\s+(?:мог\s+)?\S.{0,60}
    | küldve\s+.{0,40}(?:iphone|android|samsung|galaxy|mobil|telefon).{0,40}
    | iphone-ról\s+küldve.{0,40}
    )\s*$"""
)
_CLOSING = re.compile(
    r"""(?ix)^\s*(?:
      s\s+poštovanjem | sa\s+poštovanjem | uz\s+poštovanje | poštovanje
    | srdačan\s+pozdrav | srdačno | srdačni\s+pozdravi | lep\s+pozdrav | lijep\s+pozdrav
    | pozdrav | pozdravi | puno\s+pozdrava | hvala\s+unapred | unapred\s+hvala
    | с\s+поштовањем | са\s+поштовањем | срдачан\s+поздрав | поздрав | хвала\s+унапред
    | üdvözlettel | tisztelettel | üdv | baráti\s+üdvözlettel | köszönettel
    | best\s+regards | kind\s+regards | regards | best\s+wishes | best | cheers
    | yours\s+sincerely | sincerely | thanks\s+in\s+advance
    )\s*[,.!:]?\s*$"""
)
_FORWARD_SUBJECT = re.compile(
    r"(?i)^\s*(?:\[[^\]]{0,40}\]\s*)?(?:fwd?|fw|tr|prosl(?:eđeno)?|prosleđeno|továbbítás|"
    r"továbbítva|wg|пр|прослеђено)\s*:"
)


@dataclass(slots=True)
class Split:
    text: str
    quoted: str
    signature: str


def is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject))


def split_message(body: str, *, forward: bool = False) -> Split:
    """Split a plain-text body into new text, quoted history and signature.

    With ``forward=True`` (a "Fwd:" subject) history markers are not cut,
    because the forwarded content is what the sender wants us to read.
    """
    lines = body.split("\n")
    cut = len(lines) if forward else _history_start(lines)
    own, history = lines[:cut], lines[cut:]
    if not forward:
        own, inline_quotes = _drop_quoted_lines(own)
        history = inline_quotes + history
    own, signature = _split_signature(own)
    return Split(
        text=_trim("\n".join(own)),
        quoted=_trim("\n".join(history)),
        signature=_trim("\n".join(signature)),
    )


def _history_start(lines: list[str]) -> int:
    """Index of the first line of quoted history (attribution, separator or
    Outlook header block); len(lines) when there is none."""
    quote_tail = _quote_tail_start(lines)
    for i, line in enumerate(lines):
        if len(line) > _MAX_MARKER_LINE or not _may_be_marker(lines, i):
            continue
        if _FORWARD_MARKER.match(line):
            return len(lines)
        if _OUTLOOK_SEPARATOR.match(line):
            return i
        if _is_attribution(lines, i):
            return i
        if _FROM_LINE.match(line) and _sent_follows(lines, i):
            return i - 1 if i and _OUTLOOK_RULE.match(lines[i - 1]) else i
        if i >= quote_tail and _QUOTED.match(line):
            return i
    return len(lines)


def _may_be_marker(lines: list[str], i: int) -> bool:
    """Cheap filter before the regexes: every marker has a colon, dashes or a
    quote sign, or is the first half of an attribution wrapped onto the next line."""
    line = lines[i]
    if ":" in line or "--" in line or line.lstrip().startswith((">", "_")):
        return True
    return i + 1 < len(lines) and lines[i + 1].rstrip().endswith(":")


def _is_attribution(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if _ATTRIBUTION.match(line):
        return True
    # Gmail wraps long attributions: "On Mon, … Marko <m@x.rs>\nwrote:". The
    # first half starts like a dated attribution, which ordinary text rarely does.
    if (
        i + 1 < len(lines)
        and len(lines[i + 1].strip()) <= _WRAPPED_TAIL
        and _ATTRIBUTION_OPENER.match(line)
    ):
        return bool(_ATTRIBUTION.match(f"{line} {lines[i + 1].strip()}"))
    return False


def _sent_follows(lines: list[str], i: int) -> bool:
    return any(_SENT_LINE.match(line) for line in lines[i + 1 : i + 5])


def _quote_tail_start(lines: list[str]) -> int:
    """Index from which the body is only quotes and blanks, up to an optional
    "-- " signature: a bottom-posted history. One pass from the end, so a body
    of many short quoted lines stays linear."""
    end = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if _SIGNATURE_DASHES.match(lines[i].rstrip("\r")):
            end = i
            break
    start = end
    while start > 0 and (not lines[start - 1].strip() or _QUOTED.match(lines[start - 1])):
        start -= 1
    return start


def _drop_quoted_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """Interleaved replies: "> " lines are history, the rest is new text."""
    if not any(_QUOTED.match(line) for line in lines):
        return lines, []
    own = [line for line in lines if not _QUOTED.match(line)]
    quoted = [line for line in lines if _QUOTED.match(line)]
    return own, quoted


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    for i in range(end - 1, max(-1, end - 1 - _SIGNATURE_MAX_LINES), -1):
        line = lines[i].rstrip("\r")
        if _SIGNATURE_DASHES.match(line) or _MOBILE_SIGNATURE.match(line):
            # A mobile footer can be followed by a "-- " block; take the earliest.
            start = _earlier_marker(lines, i)
            return lines[:start], lines[start:end]
    closing = _closing_index(lines, end)
    if closing is not None:
        return lines[:closing], lines[closing:end]
    return lines, []


def _earlier_marker(lines: list[str], i: int) -> int:
    for j in range(i - 1, max(-1, i - 4), -1):
        line = lines[j].rstrip("\r")
        if _SIGNATURE_DASHES.match(line) or _MOBILE_SIGNATURE.match(line):
            return j
        if line.strip():
            break
    return i


def _closing_index(lines: list[str], end: int) -> int | None:
    """A closing ("S poštovanjem,") followed only by a few short name/contact lines."""
    tail = 0
    for i in range(end - 1, -1, -1):
        line = lines[i]
        if len(line) <= _MAX_MARKER_LINE and _CLOSING.match(line):
            return i if i > 0 and any(x.strip() for x in lines[:i]) else None
        if line.strip():
            tail += 1
            if tail > _CLOSING_MAX_TAIL_LINES or len(line.strip()) > _CLOSING_MAX_TAIL_CHARS:
                return None
    return None


def _trim(text: str) -> str:
    return text.strip("\n").rstrip()
