"""Deadline rules: the one way Šalter writes down how long something may take.

A rule is a short text a procedure stores and an administrator types:

    N calendar days    ZUP: counted from the day after receipt; a last day that is not a
                       working day moves to the next working day
    N working days     the end of the N-th working day after the day of receipt
    N working hours    N hours of office time from receipt (or from the next opening)
    N hours            around the clock, not moved (the law on information of public
                       importance: 48 hours when life, health or the environment is at stake)
    next opening       the start of the next office period

The English forms are the interface and what is stored; Serbian (either script) and
Hungarian forms are read as aliases ("15 kalendarskih dana", "8 radnih sati",
"5 munkanap") and stored in English. A rule is evaluated from any moment — the moment the
citizen's item was received, or the moment a paused deadline resumes — by the business
calendar of the municipality.
"""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salter.lang.transliteration import fold
from salter.procedures.calendar import ZONE, BusinessCalendar, calendar_for, end_of_day

CALENDAR_DAYS = "calendar_days"
WORKING_DAYS = "working_days"
WORKING_HOURS = "working_hours"
HOURS = "hours"
NEXT_OPENING = "next_opening"
MAX_AMOUNT = 999

_UNITS = {
    CALENDAR_DAYS: ("calendar day", "calendar days"),
    WORKING_DAYS: ("working day", "working days"),
    WORKING_HOURS: ("working hour", "working hours"),
    HOURS: ("hour", "hours"),
}
# Read on the folded text: lower case, Latin script, no diacritics (Cyrillic "радних дана"
# and Hungarian "munkaóra" arrive as "radnih dana" and "munkaora").
_AMOUNT_FORMS = (
    (CALENDAR_DAYS, r"calendar days?|kalendarsk\w* dan\w*|naptari nap\w*"),
    (WORKING_DAYS, r"working days?|radn\w* dan\w*|munkanap\w*"),
    (WORKING_HOURS, r"working hours?|radn\w* (?:sat\w*|cas\w*)|munkaora\w*"),
    (HOURS, r"hours?|sat\w*|cas\w*|ora\w*"),
)
_AMOUNT_RULE = re.compile(
    r"(\d+)\s+(?:" + "|".join(f"(?P<{kind}>{form})" for kind, form in _AMOUNT_FORMS) + r")")
_NEXT_OPENING = re.compile(
    r"next opening|(?:prvo )?(?:sledece|naredno) otvaranje|kovetkezo nyitas")


class InvalidRule(ValueError):
    """A rule text Šalter cannot read; the message says what would be read."""


@dataclass(frozen=True)
class Rule:
    kind: str
    amount: int = 0

    @property
    def text(self) -> str:
        """The canonical (stored) form, e.g. "15 calendar days", "1 working day"."""
        if self.kind == NEXT_OPENING:
            return "next opening"
        singular, plural = _UNITS[self.kind]
        return f"{self.amount} {singular if self.amount == 1 else plural}"

    def __str__(self) -> str:
        return self.text

    def due(self, calendar: BusinessCalendar,
            received: datetime.datetime) -> datetime.datetime:
        """When a matter received at `received` is due under this rule."""
        if self.kind == CALENDAR_DAYS:
            return calendar.add_calendar_days(received, self.amount)
        if self.kind == WORKING_DAYS:
            return calendar.add_working_days(received, self.amount)
        if self.kind == WORKING_HOURS:
            return calendar.add_working_hours(received, self.amount)
        if self.kind == HOURS:
            return calendar.add_hours(received, self.amount)
        return calendar.next_opening(received)


def _describe_forms() -> str:
    return ", ".join(("N calendar days", "N working days", "N working hours", "N hours",
                      "next opening"))


@lru_cache(maxsize=256)
def parse_rule(text: str) -> Rule:
    """The rule written in `text`; InvalidRule with a message for anything else."""
    folded = " ".join(fold(text or "").split())
    if not folded:
        raise InvalidRule(_("Enter a deadline rule: %(forms)s.") % {"forms": _describe_forms()})
    if _NEXT_OPENING.fullmatch(folded):
        return Rule(NEXT_OPENING)
    match = _AMOUNT_RULE.fullmatch(folded)
    if match is None:
        raise InvalidRule(_("Unknown deadline rule “%(rule)s”; write one of: %(forms)s.")
                          % {"rule": text.strip(), "forms": _describe_forms()})
    amount = int(match.group(1))
    if not 1 <= amount <= MAX_AMOUNT:
        raise InvalidRule(_("A deadline rule counts from 1 to %(max)d, not %(amount)d.")
                          % {"max": MAX_AMOUNT, "amount": amount})
    kind = next(kind for kind, _form in _AMOUNT_FORMS if match.group(kind))
    return Rule(kind, amount)


def validate_rule(text: str) -> None:
    """Django validator for a field holding a rule."""
    try:
        parse_rule(text)
    except InvalidRule as error:
        raise ValidationError(str(error), code="invalid_rule") from None


def normalize_rule(text: str) -> str:
    """The canonical form of a rule text (aliases read, spacing and case settled)."""
    return parse_rule(text).text


def due_at(municipality, received: datetime.datetime, rule: str | Rule) -> datetime.datetime:
    """When a matter `municipality` received at `received` is due under `rule`."""
    rule = rule if isinstance(rule, Rule) else parse_rule(rule)
    return rule.due(calendar_for(municipality), received)


# --- a deadline's life: pauses, resumptions, extensions, restarts ------------------------------

PAUSE, RESUME, EXTEND, RESTART = "pause", "resume", "extend", "restart"


@dataclass(frozen=True)
class Timing:
    """Where a deadline stands after its steps: when it is due (None while paused), since
    when it is paused, and what was left of it then."""

    due: datetime.datetime | None
    paused_at: datetime.datetime | None = None
    left: datetime.timedelta | None = None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


def step(op: str, at: datetime.datetime, **facts) -> dict:
    """One step of a deadline's life, as stored on its row (JSON)."""
    return {"op": op, "at": at.isoformat(), **facts}


def evaluate(rule: str | Rule, calendar: BusinessCalendar, started: datetime.datetime,
             steps=()) -> Timing:
    """When a deadline under `rule`, counted from `started`, is due after `steps` (in the
    order they happened):

    pause     the time left is kept — office time for rules in hours and for "next
              opening", working days or calendar days for rules in days, plain time for
              "N hours"; a deadline already passed is not paused (it stays passed)
    resume    the time left is counted again from the resumption
    extend    the deadline moves later: by a rule counted from the current deadline
              ("by") or to a moment ("until")
    restart   counted afresh from that moment (a case reopened)

    Replaying the steps is what lets a corrected procedure recompute a deadline that
    was paused and extended on the way."""
    rule = rule if isinstance(rule, Rule) else parse_rule(rule)
    due = rule.due(calendar, started)
    paused_at, left = None, None
    for entry in steps:
        op, at = entry["op"], datetime.datetime.fromisoformat(entry["at"])
        if op == PAUSE and paused_at is None and due > at:
            paused_at, left = at, _left(rule, calendar, at, due)
            due = None
        elif op == RESUME and paused_at is not None:
            due = _resumed(rule, calendar, at, left)
            paused_at, left = None, None
        elif op == EXTEND and paused_at is None:
            if entry.get("until"):
                due = max(due, datetime.datetime.fromisoformat(entry["until"]))
            else:
                due = parse_rule(entry["by"]).due(calendar, due)
        elif op == RESTART:
            due, paused_at, left = rule.due(calendar, at), None, None
    return Timing(due=due, paused_at=paused_at, left=left)


def _left(rule: Rule, calendar: BusinessCalendar, at: datetime.datetime,
          due: datetime.datetime) -> datetime.timedelta:
    if rule.kind == CALENDAR_DAYS:
        return datetime.timedelta(days=(_day(due) - _day(at)).days)
    if rule.kind == WORKING_DAYS:
        return datetime.timedelta(days=calendar.working_days_between(_day(at), _day(due)))
    if rule.kind == HOURS:
        return due - at
    return calendar.working_time_between(at, due)


def _resumed(rule: Rule, calendar: BusinessCalendar, at: datetime.datetime,
             left: datetime.timedelta) -> datetime.datetime:
    if rule.kind == CALENDAR_DAYS:
        return calendar.add_calendar_days(at, left.days)
    if rule.kind == WORKING_DAYS:
        if left.days < 1:
            return end_of_day(calendar.next_working_day(_day(at)))
        return calendar.add_working_days(at, left.days)
    if rule.kind == HOURS:
        return (at + left).astimezone(ZONE)
    return calendar.add_working_time(at, left)


def _day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(ZONE).date()
