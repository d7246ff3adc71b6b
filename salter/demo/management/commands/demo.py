"""`salter demo`: build the demo data for the pilot municipalities (safe to run again)."""

import time

from django.core.management.base import BaseCommand, CommandError

from salter.demo.builder import (
    PASSWORD,
    STAFF,
    SUPERVISOR,
    TWO_MUNICIPALITIES,
    TWO_MUNICIPALITIES_USER,
    build_demo,
)
from salter.tenancy.data.municipalities import PILOTS
from salter.tenancy.onboarding import UnknownMunicipality


class Command(BaseCommand):
    help = "Create demo staff, clients and cases for the pilot municipalities."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="slug",
                            help="Only these municipalities (default: the ten pilots).")

    def _figures(self, result) -> None:
        """The dashboards' daily figures of the demo's cases (the worker keeps only
        yesterday's and today's)."""
        import datetime

        from django.utils import timezone

        from salter.dashboards.figures import local_day, rebuild_days
        from salter.tenancy.models import Municipality

        seeded = [m.slug for m in result.municipalities if m.seeded]
        if not seeded:
            return
        today = local_day(timezone.now())
        rebuild_days([today - datetime.timedelta(days=n) for n in range(120)],
                     Municipality.objects.filter(slug__in=seeded))

    def handle(self, *args, slugs, **options):
        started = time.monotonic()
        try:
            result = build_demo(slugs or PILOTS)
        except UnknownMunicipality as exc:
            raise CommandError(f"Unknown municipality “{exc.args[0]}”.") from None
        self._figures(result)
        for m in result.municipalities:
            if m.seeded:
                self.stdout.write(f"{m.slug}: {m.clients} clients, {m.cases} cases, "
                                  f"{m.mail} e-mails taken in")
            else:
                self.stdout.write(f"{m.slug}: already has data, left as it is")
        roles = "|".join(suffix for suffix, _role, _department in STAFF)
        self.stdout.write(
            f"Logins, all with the password {PASSWORD}: <municipality>.{{{roles}}} "
            f"(e.g. {result.municipalities[0].slug}.pisarnica), "
            f"{TWO_MUNICIPALITIES_USER} ({', '.join(TWO_MUNICIPALITIES)}), "
            f"{SUPERVISOR} (province). See docs/demo.md.")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
