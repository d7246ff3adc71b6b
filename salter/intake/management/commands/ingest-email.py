"""`salter ingest-email --municipality <slug> FILE…`: feed saved messages through the same
pipeline the worker runs, to completion, printing one JSON line per file."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salter.intake.email import accept_email
from salter.intake.pipeline import process_inbound, settled_outcome
from salter.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Ingest .eml (or Outlook .msg) files for a municipality through the intake pipeline."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, municipality: str, files: list[str], **options):
        target = Municipality.objects.filter(slug=municipality).first()
        if target is None:
            raise CommandError(f"Unknown municipality {municipality!r}; "
                               f"use one of: {', '.join(_slugs()) or '(none yet)'}")
        failures = 0
        for name in files:
            line = self._ingest(target, name)
            failures += line["status"] not in _HANDLED
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failures:
            raise CommandError(f"{failures} of {len(files)} file(s) were not stored and handled",
                               returncode=2)

    def _ingest(self, municipality, name: str) -> dict:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            return _line(name, "unreadable", None, f"cannot read the file: {exc.strerror}")
        inbound, created = accept_email(municipality=municipality, raw=raw,
                                        source=f"file:{Path(name).name}"[:100], enqueue=False)
        status = process_inbound(inbound.pk) if created else "duplicate"
        inbound.refresh_from_db()
        if status == "duplicate" and not created:
            reason = (f"already received as message {inbound.pk} "
                      f"({settled_outcome(inbound)})")
        else:
            reason = inbound.reason_shown
        case = inbound.case or inbound.review_case
        return _line(name, status, case.registry_number if case else None, reason)


_HANDLED = {"created", "appended", "duplicate", "quarantined", "ignored", "review"}


def _line(name: str, status: str, case, reason: str) -> dict:
    return {"file": name, "status": status, "case": case, "reason": reason or ""}


def _slugs() -> list[str]:
    return list(Municipality.objects.order_by("slug").values_list("slug", flat=True))
