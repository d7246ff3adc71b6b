"""`salter audit verify [--municipality <slug>]`: recompute every municipality's access
log chain and name the first broken link; exit status 1 if any chain is broken.
`salter audit export --municipality <slug> [--since DATE] [--until DATE]`: the log as CSV."""

import sys

from django.core.management.base import BaseCommand, CommandError

from salter.audit import reading
from salter.audit.seal import seal
from salter.audit.verify import verify_chain
from salter.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Verify the access log's hash chains, or export the log as CSV."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        check = sub.add_parser("verify", help="recompute the chains, name the first break")
        check.add_argument("--municipality", help="only this municipality (slug)")
        out = sub.add_parser("export", help="the log of one municipality as CSV on stdout")
        out.add_argument("--municipality", required=True)
        out.add_argument("--since", help="from this day (YYYY-MM-DD)")
        out.add_argument("--until", help="up to and including this day (YYYY-MM-DD)")

    def handle(self, what, municipality=None, **options):
        municipalities = Municipality.objects.order_by("slug")
        if municipality:
            municipalities = municipalities.filter(slug=municipality)
            if not municipalities.exists():
                raise CommandError(f"no municipality {municipality!r}")
        if what == "export":
            self._export(municipalities.get(), options)
        else:
            self._verify(municipalities)

    def _verify(self, municipalities) -> None:
        sealed = seal()
        if sealed:
            self.stdout.write(f"Sealed {sealed} new record(s) into their chains.")
        broken = 0
        for m in municipalities:
            verdict = verify_chain(m.pk)
            if verdict.ok:
                if verdict.checked:
                    self.stdout.write(f"{m.slug}: {verdict.checked} records, chain intact")
                continue
            broken += 1
            where = f" (id {verdict.broken.record_id})" if verdict.broken.record_id else ""
            self.stdout.write(f"{m.slug}: BROKEN at record #{verdict.broken.seq}{where}: "
                              f"{verdict.broken.why}; {verdict.checked} records before it "
                              "are intact")
        if broken:
            sys.exit(1)
        self.stdout.write("Every chain is intact.")

    def _export(self, municipality, options) -> None:
        try:
            records = reading.find_records(municipality, since=options["since"],
                                           until=options["until"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        reading.write_csv(records, self.stdout)
