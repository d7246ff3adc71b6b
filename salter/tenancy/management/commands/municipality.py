"""`salter municipality list | activate <slug> | deactivate <slug>`."""

from django.core.management.base import BaseCommand, CommandError

from salter.tenancy.models import Municipality
from salter.tenancy.onboarding import (
    UnknownMunicipality,
    activate_municipality,
    deactivate_municipality,
)


class Command(BaseCommand):
    help = "List, activate (onboard) or deactivate the municipalities of Vojvodina."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="All municipalities with their state.")
        for name, text in (("activate", "Activate and lay out defaults where missing."),
                           ("deactivate", "Take off line; data is kept.")):
            sub.add_parser(name, help=text).add_argument("slug")

    def handle(self, *args, action, slug=None, **options):
        if action == "list":
            return self._list()
        try:
            if action == "activate":
                self._activate(slug)
            else:
                self._deactivate(slug)
        except UnknownMunicipality:
            raise CommandError(
                f"Unknown municipality “{slug}”. See `salter municipality list`.") from None

    def _list(self):
        for m in Municipality.objects.order_by("district", "name"):
            state = "active" if m.is_active else "-"
            self.stdout.write(f"{m.slug:20} {m.name:20} {m.kind:8} {m.district:24} {state}")

    def _activate(self, slug):
        report = activate_municipality(slug)
        name = report.municipality.name
        if report.activated:
            self.stdout.write(self.style.SUCCESS(f"Activated {name}."))
        else:
            self.stdout.write(f"{name} was already active.")
        for title, items in (("Departments and outside bodies", report.departments),
                             ("Case types", report.case_types)):
            if items:
                self.stdout.write(f"{title} created:")
                for item in items:
                    self.stdout.write(f"  {item}")
        if report.working_hours:
            self.stdout.write("Working hours set: Monday–Friday 07:30–15:30.")
        if not report.changed:
            self.stdout.write("Nothing to do: departments, case types and hours are in place.")

    def _deactivate(self, slug):
        if deactivate_municipality(slug):
            self.stdout.write(self.style.SUCCESS(f"Deactivated {slug}."))
        else:
            self.stdout.write(f"{slug} was not active.")
