"""Registry numbers and tracking codes as they appear in what clients write: a subject
line, a text message. `intake.lookup` finds the cases they name."""

import re
import string
from functools import lru_cache

from salter.cases.models import TRACKING_CODE_LENGTH
from salter.lang.transliteration import to_latin

TRACKING_CODE = re.compile(
    rf"(?<![0-9A-Z])[2-9A-HJ-NP-Z]{{{TRACKING_CODE_LENGTH}}}(?![0-9A-Z])")
_FREE_MARK = r"[^\s/\[\]()<>,;:]*?"


@lru_cache(maxsize=64)
def registry_number_regex(pattern: str) -> re.Pattern:
    """A regex finding numbers written by `pattern`, e.g. {unit}-{class}-{seq}/{year}.

    Unit and class marks may be empty (the formatter then drops their dash), so dashes
    next to them are optional; the candidates are checked against the database anyway.
    """
    parts = []
    for literal, field in _split_pattern(pattern):
        parts.append("".join("-?" if c == "-" else re.escape(c) for c in literal))
        parts.append({"seq": r"\d+", "year": r"\d{4}"}.get(field, _FREE_MARK) if field else "")
    return re.compile(r"(?<![\w/-])" + "".join(parts) + r"(?!\d)")


def _split_pattern(pattern: str):
    for literal, field, _spec, _conv in string.Formatter().parse(pattern):
        yield literal, field


def subject_marks(pattern: str, subject: str) -> tuple[set[str], set[str]]:
    """(registry numbers, tracking codes) that the text may contain."""
    numbers, codes = set(), set()
    for text in {subject, to_latin(subject)}:
        numbers.update(m.group(0).strip("-") for m in registry_number_regex(pattern)
                       .finditer(text))
        codes.update(TRACKING_CODE.findall(text))
    return numbers, codes
