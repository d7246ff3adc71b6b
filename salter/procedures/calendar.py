"""The business calendar: the one place that knows when a municipality is open.

A municipality works by its weekly office hours (`tenancy.WorkingHours`, several periods a
day if it has a break), except on the public holidays of Serbia and on its own days off
(`CalendarDay`: the city's day, a declared extra day), and it may open on a day it would
otherwise be closed (a Saturday for an election, a registry office on duty).

Public holidays come from the `holidays` package (RS): New Year 1–2 January, Orthodox
Christmas 7 January, Statehood Day 15–16 February, Orthodox Easter from Good Friday to
Easter Monday, Labour Day 1–2 May and Armistice Day 11 November. Under the Law on state
and other holidays (art. 3a) a state holiday falling on a Sunday gives the first following
working day off (1 January on a Sunday: Tuesday 3 January, since the 2nd is a holiday
too); religious holidays do not move. The package computes these days; our tests pin
them down year by year.

Everything is reasoned in Europe/Belgrade wall time and returned as aware datetimes; the
arithmetic between moments is done in UTC so that the nights the clocks change are
neither an hour short nor long. Deadlines counted in days end with the last second of
their last day (ZUP: a time limit expires at the end of its last day).

`calendar_for(municipality)` reads a municipality's calendar in two queries and answers
any number of questions without more; it is kept per process for `CACHE_SECONDS` and
dropped at once when this process changes the data (see `forget_calendar`).
"""

import datetime
import threading
import time as monotonic_time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

ZONE = ZoneInfo("Europe/Belgrade")
UTC = datetime.UTC
END_OF_DAY = datetime.time(23, 59, 59)
# What activation gives every municipality, and what a municipality without any office
# hours on record is taken to keep: Monday to Friday, 07:30–15:30.
DEFAULT_OPENS, DEFAULT_CLOSES = datetime.time(7, 30), datetime.time(15, 30)
DEFAULT_WORKING_WEEKDAYS = range(5)
CACHE_SECONDS = 60
# No office stays shut for three years; a search that long means the data is wrong.
_SEARCH_DAYS = 3 * 366
# The holidays package's English names, and how Šalter says them.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Orthodox Christmas Day": _("Orthodox Christmas"),
    "Statehood Day": _("Statehood Day"),
    "Good Friday": _("Good Friday"),
    "Holy Saturday": _("Holy Saturday"),
    "Easter Sunday": _("Easter"),
    "Easter Monday": _("Easter Monday"),
    "Labor Day": _("Labour Day"),
    "Armistice Day": _("Armistice Day"),
}
_OBSERVED_SUFFIX = " (observed)"
_IN_LIEU = gettext_noop("%(holiday)s (day off in lieu)")

Period = tuple[datetime.time, datetime.time]


class CalendarError(ValueError):
    """The calendar cannot answer: a naive datetime, or no working time in sight."""


@dataclass(frozen=True)
class DayOff:
    """Why a day is not a working day: public holidays (their names as the holidays
    package gives them), the municipality's own reasons, or neither (no office hours on
    that weekday)."""

    holidays: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "holiday" if self.holidays else "municipal" if self.reasons else "closed"

    @property
    def why(self) -> str:
        """In the active language."""
        names = [holiday_label(name) for name in self.holidays] + list(self.reasons)
        return "; ".join(names) or gettext("no office hours")


def holiday_label(name: str) -> str:
    """A holiday's name from the holidays package, in the active language."""
    if name.endswith(_OBSERVED_SUFFIX):
        holiday = name.removesuffix(_OBSERVED_SUFFIX)
        return gettext(_IN_LIEU) % {"holiday": HOLIDAY_NAMES.get(holiday, holiday)}
    return str(HOLIDAY_NAMES.get(name, name))


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[datetime.date, tuple[str, ...]]:
    """The non-working public holidays of Serbia in `year`, observed days included."""
    days = holidays.country_holidays("RS", years=year, language="en_US")
    return {day: tuple(days.get_list(day)) for day in sorted(days)}


@dataclass(frozen=True)
class SpecialDay:
    """A municipality's own exception for one date (a `CalendarDay` row)."""

    date: datetime.date
    is_open: bool
    periods: tuple[Period, ...]
    every_year: bool
    reason: str


class BusinessCalendar:
    """When one municipality is open, built from its office hours and special days."""

    def __init__(self, weekly: dict[int, Iterable[Period]], special: Iterable[SpecialDay] = ()):
        self._weekly = tuple(tuple(sorted(weekly.get(day, ()))) for day in range(7))
        if not any(self._weekly):
            self._weekly = tuple(((DEFAULT_OPENS, DEFAULT_CLOSES),)
                                 if day in DEFAULT_WORKING_WEEKDAYS else ()
                                 for day in range(7))
        self._once: dict[datetime.date, SpecialDay] = {}
        self._yearly: dict[tuple[int, int], SpecialDay] = {}
        for day in special:
            if day.every_year:
                self._yearly[(day.date.month, day.date.day)] = day
            else:
                self._once[day.date] = day
        self._periods: dict[datetime.date, tuple[Period, ...]] = {}

    # -- days ------------------------------------------------------------------------------

    def _special(self, day: datetime.date) -> SpecialDay | None:
        once = self._once.get(day)
        if once is not None:
            return once
        yearly = self._yearly.get((day.month, day.day))
        if yearly is not None and yearly.date <= day:
            return yearly
        return None

    def periods_on(self, day: datetime.date) -> tuple[Period, ...]:
        """The office periods of a local date; empty on a non-working day."""
        periods = self._periods.get(day)
        if periods is None:
            special = self._special(day)
            if special is not None:
                periods = special.periods if special.is_open else ()
            elif day in public_holidays(day.year):
                periods = ()
            else:
                periods = self._weekly[day.weekday()]
            self._periods[day] = periods
        return periods

    def is_working_day(self, day: datetime.date) -> bool:
        return bool(self.periods_on(day))

    def day_off(self, day: datetime.date) -> DayOff | None:
        """Why `day` is not a working day, or None when it is one."""
        if self.is_working_day(day):
            return None
        special = self._special(day)
        return DayOff(holidays=public_holidays(day.year).get(day, ()),
                      reasons=(special.reason,) if special is not None else ())

    def special_opening(self, day: datetime.date) -> SpecialDay | None:
        special = self._special(day)
        return special if special is not None and special.is_open else None

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """`day` itself when it is a working day, else the first one after it."""
        for candidate in _days_from(day):
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError("no working day in sight")

    def working_days_between(self, first: datetime.date, last: datetime.date) -> int:
        """Working days after `first` up to and including `last`."""
        return sum(1 for offset in range(1, (last - first).days + 1)
                   if self.is_working_day(first + datetime.timedelta(days=offset)))

    def year(self, year: int) -> Iterator[tuple[datetime.date, DayOff | SpecialDay]]:
        """Every date of `year` that is not an ordinary day of the weekly hours: a day
        off (holiday, municipal, closed weekday) or a special opening."""
        day = datetime.date(year, 1, 1)
        while day.year == year:
            opening = self.special_opening(day)
            if opening is not None:
                yield day, opening
            else:
                off = self.day_off(day)
                if off is not None:
                    yield day, off
            day += datetime.timedelta(days=1)

    # -- moments ---------------------------------------------------------------------------

    def _periods_from(self, day: datetime.date) -> Iterator[tuple[datetime.datetime,
                                                                  datetime.datetime]]:
        for candidate in _days_from(day):
            for opens, closes in self.periods_on(candidate):
                yield _at(candidate, opens), _at(candidate, closes)

    def is_open(self, moment: datetime.datetime) -> bool:
        local = _local(moment)
        now = local.time()
        return any(opens <= now < closes for opens, closes in self.periods_on(local.date()))

    def next_opening(self, moment: datetime.datetime) -> datetime.datetime:
        """When the offices next open after `moment`: the start of the next office period
        (while they are open, the one after the current period)."""
        local = _local(moment)
        for opens, _closes in self._periods_from(local.date()):
            if opens > local:
                return opens
        raise CalendarError("no office hours in sight")

    def add_working_hours(self, moment: datetime.datetime, hours: int) -> datetime.datetime:
        """The moment `hours` hours of office time after `moment`; time before the next
        opening does not count."""
        _positive(hours)
        return self.add_working_time(moment, datetime.timedelta(hours=hours))

    def add_working_time(self, moment: datetime.datetime,
                         remaining: datetime.timedelta) -> datetime.datetime:
        """The moment `remaining` office time after `moment` (what was left of a paused
        deadline); nothing left gives the moment itself while the office is open, else
        its next opening."""
        local = _local(moment)
        if remaining < datetime.timedelta():
            raise CalendarError("office time left cannot be negative")
        for opens, closes in self._periods_from(local.date()):
            start = max(opens, local)
            if start >= closes:
                continue
            available = _elapsed(start, closes)
            if remaining <= available:
                return _plus(start, remaining)
            remaining -= available
        raise CalendarError("no office hours in sight")

    def working_time_between(self, start: datetime.datetime,
                             end: datetime.datetime) -> datetime.timedelta:
        """Office time between two moments (e.g. what was left of a paused deadline)."""
        start, end = _local(start), _local(end)
        total = datetime.timedelta()
        if end <= start:
            return total
        for opens, closes in self._periods_from(start.date()):
            if opens >= end:
                break
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += _elapsed(lo, hi)
        return total

    def add_working_days(self, moment: datetime.datetime, days: int) -> datetime.datetime:
        """The end of the `days`-th working day after the day of `moment` (the day of
        receipt is not counted, whatever the hour)."""
        _positive(days)
        day, counted = _local(moment).date(), 0
        for candidate in _days_from(day + datetime.timedelta(days=1)):
            if self.is_working_day(candidate):
                counted += 1
                if counted == days:
                    return end_of_day(candidate)
        raise CalendarError("no working day in sight")

    def add_calendar_days(self, moment: datetime.datetime, days: int) -> datetime.datetime:
        """ZUP: `days` days counted from the day after receipt; a time limit whose last day
        is not a working day ends with the next working day."""
        last = _local(moment).date() + datetime.timedelta(days=days)
        return end_of_day(self.next_working_day(last))

    def add_hours(self, moment: datetime.datetime, hours: int) -> datetime.datetime:
        """`hours` hours around the clock (the 48 hours the law on information of public
        importance gives when life or health is at stake); not moved to a working day."""
        return _plus(_local(moment), datetime.timedelta(hours=hours))


def _positive(amount: int) -> None:
    if amount < 1:
        raise CalendarError("count at least one working day or hour")


def _days_from(day: datetime.date) -> Iterator[datetime.date]:
    for offset in range(_SEARCH_DAYS):
        yield day + datetime.timedelta(days=offset)


def _local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError("the calendar needs an aware datetime")
    return moment.astimezone(ZONE)


def _at(day: datetime.date, at: datetime.time) -> datetime.datetime:
    # Through UTC and back, so that a wall time the clocks skip lands on a real instant.
    return datetime.datetime.combine(day, at, tzinfo=ZONE).astimezone(UTC).astimezone(ZONE)


def _elapsed(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    return end.astimezone(UTC) - start.astimezone(UTC)


def _plus(moment: datetime.datetime, delta: datetime.timedelta) -> datetime.datetime:
    # Aware arithmetic in one zone is wall-clock arithmetic; elapsed time needs UTC.
    return (moment.astimezone(UTC) + delta).astimezone(ZONE)


def end_of_day(day: datetime.date) -> datetime.datetime:
    return _at(day, END_OF_DAY)


def local_moment(value: datetime.datetime) -> datetime.datetime:
    """A moment given in Belgrade wall time (naive) or with an offset, as an aware
    Belgrade datetime. A wall time the clocks skip or pass twice is refused."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(ZONE)
    first = value.replace(tzinfo=ZONE, fold=0)
    second = value.replace(tzinfo=ZONE, fold=1)
    if first.utcoffset() != second.utcoffset():
        there = first.astimezone(UTC).astimezone(ZONE).replace(tzinfo=None)
        if there != value:
            raise CalendarError(gettext("%(moment)s does not exist in Belgrade: the clocks "
                                        "go forward that night.")
                                % {"moment": value.isoformat()})
        raise CalendarError(gettext("%(moment)s happens twice in Belgrade (the clocks go "
                                    "back); add the offset, +02:00 or +01:00.")
                            % {"moment": value.isoformat()})
    return first


# -- one calendar per municipality, built once ------------------------------------------------

_cache: dict[int, tuple[float, BusinessCalendar]] = {}
_cache_lock = threading.Lock()


def build_calendar(municipality_id: int) -> BusinessCalendar:
    """Read a municipality's calendar from the database (two queries)."""
    from salter.procedures.models import CalendarDay
    from salter.tenancy.models import WorkingHours

    weekly: dict[int, list[Period]] = {}
    for weekday, opens, closes in WorkingHours.objects.filter(
            municipality_id=municipality_id).values_list("weekday", "opens", "closes"):
        weekly.setdefault(weekday, []).append((opens, closes))
    special = [
        SpecialDay(date=row.date, is_open=row.kind == CalendarDay.Kind.OPEN,
                   periods=((row.opens, row.closes),) if row.kind == CalendarDay.Kind.OPEN
                   else (), every_year=row.every_year, reason=row.reason)
        for row in CalendarDay.objects.filter(municipality_id=municipality_id)
    ]
    return BusinessCalendar(weekly, special)


def calendar_for(municipality) -> BusinessCalendar:
    """The calendar of `municipality` (an instance or its id), from this process's cache
    when it was read less than `CACHE_SECONDS` ago."""
    key = getattr(municipality, "pk", municipality)
    now = monotonic_time.monotonic()
    cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    calendar = build_calendar(key)
    with _cache_lock:
        _cache[key] = (now + CACHE_SECONDS, calendar)
    return calendar


def forget_calendar(municipality_id: int) -> None:
    """Drop a municipality's cached calendar: now, and again when the transaction that
    changed it commits, so that no one keeps the state before."""
    def drop():
        with _cache_lock:
            _cache.pop(municipality_id, None)

    drop()
    transaction.on_commit(drop)


def clear_calendar_cache() -> None:
    """Drop every cached calendar of this process."""
    with _cache_lock:
        _cache.clear()


# -- the questions, for one municipality ---------------------------------------------------


def is_open(municipality, moment: datetime.datetime) -> bool:
    return calendar_for(municipality).is_open(moment)


def next_opening(municipality, moment: datetime.datetime) -> datetime.datetime:
    return calendar_for(municipality).next_opening(moment)


def add_working_hours(municipality, moment: datetime.datetime, hours: int) -> datetime.datetime:
    return calendar_for(municipality).add_working_hours(moment, hours)


def add_working_days(municipality, moment: datetime.datetime, days: int) -> datetime.datetime:
    return calendar_for(municipality).add_working_days(moment, days)


def add_calendar_days(municipality, moment: datetime.datetime, days: int) -> datetime.datetime:
    return calendar_for(municipality).add_calendar_days(moment, days)
