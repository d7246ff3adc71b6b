"""Which case a message continues: a reply to a message of ours or of the same thread
(In-Reply-To/References), or a registry number or tracking code in the subject."""

import re
import string
from functools import lru_cache

from django.db.models import Q

from salter.cases.models import TRACKING_CODE_LENGTH, Case
from salter.channels.models import InboundMessage, OutboundMessage
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
    """(registry numbers, tracking codes) that the subject may contain."""
    numbers, codes = set(), set()
    for text in {subject, to_latin(subject)}:
        numbers.update(m.group(0).strip("-") for m in registry_number_regex(pattern)
                       .finditer(text))
        codes.update(TRACKING_CODE.findall(text))
    return numbers, codes


def find_case(municipality, *, subject: str, references=()) -> Case | None:
    """The case this message continues, followed through merges; None for a new matter."""
    case = _case_by_reference(municipality, references) if references else None
    if case is None and subject:
        case = _case_by_subject(municipality, subject)
    while case is not None and case.merged_into_id is not None:
        case = case.merged_into
    return case


def _case_by_reference(municipality, references) -> Case | None:
    """The case of the newest message of ours, else of theirs, among `references`.

    Only ids and times are read, and the one case at the end: intake calls this for every
    reply, and whole rows of messages with their cases cost more than the search.
    """
    bare = [r.strip("<> ") for r in references if r]
    angled = [f"<{r}>" for r in bare]
    # Filtered on Message-ID alone, so that SQLite searches its index instead of scanning
    # every outbound message that has a case.
    found = [(at, case_id) for m_id, case_id, at in OutboundMessage.objects
             .filter(message_id__in=angled + bare).order_by()
             .values_list("municipality_id", "case_id", "created_at")
             if m_id == municipality.pk and case_id is not None]
    if not found:
        found = list(InboundMessage.objects
                     .filter(municipality=municipality, case__isnull=False,
                             message_id__in=bare).order_by()
                     .values_list("received_at", "case_id"))
    if not found:
        return None
    return Case.objects.filter(pk=max(found)[1]).first()


def _case_by_subject(municipality, subject: str) -> Case | None:
    numbers, codes = subject_marks(municipality.registry_pattern, subject)
    if not numbers and not codes:
        return None
    return (Case.objects.filter(municipality=municipality)
            .filter(Q(registry_number__in=numbers) | Q(tracking_code__in=codes))
            .order_by("-created_at").first())
