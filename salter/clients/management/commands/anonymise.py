"""`salter anonymise [--municipality <slug>] [--dry-run] [--years N]`: anonymise the
clients whose retention period has passed (`salter.clients.retention`); with --dry-run
list them and what would change, changing nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salter.clients import retention
from salter.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Anonymise clients whose retention period has passed (--dry-run: only list)."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="only this municipality (slug)")
        parser.add_argument("--dry-run", action="store_true",
                            help="list what would change, change nothing")
        parser.add_argument("--years", type=int,
                            help="retention period in years (default: "
                                 "SALTER_RETENTION_YEARS)")

    def handle(self, municipality=None, dry_run=False, years=None, **options):
        chosen = None
        if municipality:
            chosen = Municipality.objects.filter(slug=municipality).first()
            if chosen is None:
                raise CommandError(f"no municipality {municipality!r}")
        if years is not None and years < 1:
            raise CommandError("--years must be at least 1")
        done = retention.run(municipality=chosen, dry_run=dry_run, years=years,
                             by="salter anonymise")
        verb = "would be anonymised" if dry_run else "anonymised"
        for plan in done:
            last = timezone.localtime(plan.last_activity).strftime("%Y-%m-%d")
            changes = ", ".join(f"{count} {what.replace('_', ' ')}"
                                for what, count in plan.summary().items() if count)
            self.stdout.write(f"{plan.client.municipality.slug} client {plan.client.pk} "
                              f"(last activity {last}) {verb}: identifiers, name, address"
                              + (f"; {changes}" if changes else ""))
        cut = timezone.localtime(retention.cutoff(years=years)).strftime("%Y-%m-%d")
        self.stdout.write(f"{len(done)} client(s) {verb} (nothing since {cut}, no open case).")
