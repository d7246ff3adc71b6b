"""`salter calendar due …` and `salter calendar show <slug> --year N`: the business
calendar from the command line, for administrators checking a deadline or a year."""

import datetime
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.dates import WEEKDAYS_ABBR

from salter.procedures.calendar import (
    CalendarError,
    DayOff,
    calendar_for,
    local_moment,
)
from salter.procedures.deadlines import CALENDAR_DAYS, InvalidRule, parse_rule
from salter.tenancy.models import Language, Municipality

FIRST_YEAR, LAST_YEAR = 2007, 2100  # Serbia's holidays as an independent state; far enough


class Command(BaseCommand):
    help = "Deadlines and non-working days by a municipality's business calendar."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="When a matter received at a moment is due.")
        due.add_argument("--municipality", required=True, help="slug, e.g. subotica")
        due.add_argument("--received", required=True,
                         help="ISO local time in Belgrade, e.g. 2026-04-11T23:30")
        due.add_argument("--rule", required=True,
                         help='"N calendar days", "N working days", "N working hours", '
                              '"N hours" or "next opening"')
        show = sub.add_parser("show", help="The non-working days of a year, one per line.")
        show.add_argument("slug")
        show.add_argument("--year", type=int, required=True)
        show.add_argument("--all", action="store_true",
                          help="also the weekdays without office hours (weekends)")
        for parser_ in (due, show):
            parser_.add_argument("--language", choices=Language.values, default="en",
                                 help="language of holiday names (default en)")

    def handle(self, *args, action, language, **options):
        with translation.override(language):
            try:
                if action == "due":
                    self._due(**options)
                else:
                    self._show(**options)
            except (CalendarError, InvalidRule) as error:
                raise CommandError(str(error)) from None

    def _municipality(self, slug: str) -> Municipality:
        try:
            return Municipality.objects.get(slug=slug)
        except Municipality.DoesNotExist:
            raise CommandError(
                f"Unknown municipality “{slug}”. See `salter municipality list`.") from None

    def _due(self, *, municipality, received, rule, **options):
        rule = parse_rule(rule)
        try:
            moment = local_moment(datetime.datetime.fromisoformat(received.strip()))
        except ValueError as error:
            if isinstance(error, CalendarError):
                raise
            raise CommandError(f"--received: “{received}” is not an ISO date and time, "
                               "e.g. 2026-04-11T23:30.") from None
        slug = municipality
        calendar = calendar_for(self._municipality(slug))
        due = rule.due(calendar, moment)
        first, last = moment.date(), due.date()
        answer = {
            "due": due.isoformat(),
            "due_utc": due.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z"),
            "rule": rule.text,
            "received": moment.isoformat(),
            "municipality": slug,
            "calendar_days": (last - first).days,
            "working_days": calendar.working_days_between(first, last),
            "days_off": [
                {"date": day.isoformat(), "why": off.why}
                for day, off in _days_off(calendar, first, last) if off.kind != "closed"],
        }
        if rule.kind == CALENDAR_DAYS:
            nominal = first + datetime.timedelta(days=rule.amount)
            if nominal != last:
                answer["moved_from"] = {"date": nominal.isoformat(),
                                        "why": calendar.day_off(nominal).why}
        self.stdout.write(json.dumps(answer, ensure_ascii=False))

    def _show(self, *, slug, year, all, **options):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CommandError(f"--year: give a year from {FIRST_YEAR} to {LAST_YEAR}.")
        calendar = calendar_for(self._municipality(slug))
        for day, entry in calendar.year(year):
            weekday = str(WEEKDAYS_ABBR[day.weekday()])
            if isinstance(entry, DayOff):
                if entry.kind == "closed" and not all:
                    continue
                kind, why = entry.kind, entry.why
            else:
                hours = "–".join(t.strftime("%H:%M") for t in entry.periods[0])
                kind, why = "open", f"{hours} {entry.reason}"
            self.stdout.write(f"{day.isoformat()}  {weekday:<5}{kind:<9}  {why}")


def _days_off(calendar, first: datetime.date, last: datetime.date):
    """The days after `first` up to `last` that are not working days, with why."""
    for offset in range(1, (last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        off = calendar.day_off(day)
        if off is not None:
            yield day, off
