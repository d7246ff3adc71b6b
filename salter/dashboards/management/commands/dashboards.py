"""`salter dashboards rebuild [--since DAY] [--until DAY] [--municipality SLUG]`: write the
dashboards' daily figures for a range of days (after an upgrade, or to repair them); the
worker keeps yesterday and today."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salter.dashboards.figures import local_day, rebuild_days
from salter.tenancy.models import Municipality


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a day (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Rebuild the dashboards' daily figures."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="rewrite the figures of a range of days")
        rebuild.add_argument("--since", help="first day, YYYY-MM-DD (default: 400 days ago)")
        rebuild.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")
        rebuild.add_argument("--municipality", help="only this municipality (slug)")

    def handle(self, *args, action, since=None, until=None, municipality=None, **options):
        today = local_day(timezone.now())
        last = _day(until) if until else today
        first = _day(since) if since else today - datetime.timedelta(days=400)
        if first > last:
            raise CommandError("--since is after --until")
        municipalities = Municipality.objects.active()
        if municipality:
            municipalities = municipalities.filter(slug=municipality)
            if not municipalities.exists():
                raise CommandError(f"no active municipality {municipality!r}")
        days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
        rows = rebuild_days(days, municipalities)
        self.stdout.write(f"{rows} rows for {len(days)} days")
