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


def find_cases(municipality, messages) -> list[Case | None]:
    """`find_case` for a batch of (subject, references), with three queries in all
    instead of up to three per message; the same answer for each message."""
    refs = [[r.strip("<> ") for r in references if r] for _subject, references in messages]
    ours, theirs = _referenced_cases(municipality, {r for rs in refs for r in rs})
    marks = [subject_marks(municipality.registry_pattern, subject) if subject
             else (set(), set()) for subject, _references in messages]
    by_mark = _cases_by_marks(municipality, marks)
    chosen = []
    for message_refs, (numbers, codes) in zip(refs, marks, strict=True):
        candidates = ([ours[r] for r in message_refs if r in ours]
                      or [theirs[r] for r in message_refs if r in theirs]
                      or [by_mark[m] for m in (*numbers, *codes) if m in by_mark])
        chosen.append(max(candidates)[1] if candidates else None)
    cases = Case.objects.in_bulk({pk for pk in chosen if pk is not None})
    return [_current(cases[pk]) if pk is not None else None for pk in chosen]


def _referenced_cases(municipality, bare: set[str]):
    """({message id: (time, case id)} of our messages, the same of theirs)."""
    ours: dict[str, tuple] = {}
    theirs: dict[str, tuple] = {}
    if not bare:
        return ours, theirs
    for message_id, m_id, case_id, at in (
            OutboundMessage.objects.filter(message_id__in=[*bare, *(f"<{b}>" for b in bare)])
            .order_by().values_list("message_id", "municipality_id", "case_id", "created_at")):
        key = message_id.strip("<> ")
        if m_id == municipality.pk and case_id is not None:
            ours[key] = max(ours.get(key, (at, case_id)), (at, case_id))
    for message_id, case_id, at in (
            InboundMessage.objects.filter(municipality=municipality, case__isnull=False,
                                          message_id__in=bare)
            .order_by().values_list("message_id", "case_id", "received_at")):
        theirs[message_id] = max(theirs.get(message_id, (at, case_id)), (at, case_id))
    return ours, theirs


def _cases_by_marks(municipality, marks) -> dict[str, tuple]:
    """{registry number or tracking code: (created, case id)} of the marks found."""
    numbers = {n for found, _codes in marks for n in found}
    codes = {c for _found, found in marks for c in found}
    if not numbers and not codes:
        return {}
    found = {}
    for number, code, pk, created in (
            Case.objects.filter(municipality=municipality)
            .filter(Q(registry_number__in=numbers) | Q(tracking_code__in=codes))
            .order_by().values_list("registry_number", "tracking_code", "pk", "created_at")):
        found[number] = found[code] = (created, pk)
    return found


def _current(case: Case) -> Case:
    while case.merged_into_id is not None:
        case = case.merged_into
    return case
