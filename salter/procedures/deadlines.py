"""The deadline engine: the one place where due dates are computed.

Deadlines follow ZUP: counted in calendar days from the day after receipt, and a deadline
that ends on a non-working day (weekend or public holiday of Serbia) moves to the next
working day. The deadline is the end of the office day in Europe/Belgrade.
"""

import datetime
from functools import lru_cache

import holidays
from django.utils import timezone

END_OF_DAY = datetime.time(23, 59, 59)


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("RS", years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def next_working_day(day: datetime.date) -> datetime.date:
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def due_at(received: datetime.datetime, days: int) -> datetime.datetime:
    """When a matter received at `received` is due, `days` calendar days later (ZUP)."""
    local_day = timezone.localtime(received).date()
    last_day = next_working_day(local_day + datetime.timedelta(days=days))
    return timezone.make_aware(datetime.datetime.combine(last_day, END_OF_DAY))
