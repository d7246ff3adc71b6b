"""`salter ingest-email --municipality <slug> FILE…`: feed saved messages (.eml, Outlook
.msg) through intake, to completion, printing one JSON line per file.

It takes the workers' road: the files are accepted in batches (one transaction each, as
an IMAP fetch is), and processed in batches of `pipeline.BATCH_SIZE`, each one look-up,
decision and transaction for all its messages; a file given twice, or stored before, is
a duplicate of the message it was.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from salter.cases.models import Case
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage
from salter.intake.pipeline import BATCH_SIZE, process_batch, settled_outcome
from salter.tenancy.models import Municipality

# Files read and stored per accept transaction: bounded memory for a large import.
_ACCEPT_CHUNK = 500
_HANDLED = {"created", "appended", "answered", "duplicate", "quarantined", "ignored",
            "review"}


class Command(BaseCommand):
    help = "Ingest .eml (or Outlook .msg) files for a municipality through the intake pipeline."
    # The system checks load every URL and view; a file import needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="the municipality's slug")
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, municipality: str, files: list[str], **options):
        target = Municipality.objects.filter(slug=municipality).first()
        if target is None:
            raise CommandError(f"Unknown municipality {municipality!r}; "
                               f"use one of: {', '.join(_slugs()) or '(none yet)'}")
        failures = 0
        for start in range(0, len(files), _ACCEPT_CHUNK):
            for line in _ingest(target, files[start:start + _ACCEPT_CHUNK]):
                failures += line["status"] not in _HANDLED
                self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failures:
            raise CommandError(f"{failures} of {len(files)} file(s) were not stored and handled",
                               returncode=2)


def _ingest(municipality, names: list[str]) -> list[dict]:
    """One JSON line per file of `names`, in their order."""
    raws, unreadable = {}, {}
    for index, name in enumerate(names):
        try:
            raws[index] = Path(name).read_bytes()
        except OSError as exc:
            unreadable[index] = f"cannot read the file: {exc.strerror}"
    accepted = dict(zip(raws, accept_emails(
        municipality=municipality, raws=list(raws.values()), source="file", enqueue=False,
        sources=[f"file:{Path(names[i]).name}" for i in raws]), strict=True))
    fresh = list(dict.fromkeys(a.inbound.pk for a in accepted.values() if a.created))
    outcomes = {}
    for start in range(0, len(fresh), BATCH_SIZE):
        outcomes.update(process_batch(fresh[start:start + BATCH_SIZE]))
    settled = InboundMessage.objects.in_bulk([a.inbound.pk for a in accepted.values()])
    cases = Case.objects.in_bulk({pk for m in settled.values()
                                  for pk in (m.case_id, m.review_case_id) if pk})
    lines, reported = [], set()
    for index, name in enumerate(names):
        if index in unreadable:
            lines.append(_line(name, "unreadable", None, unreadable[index]))
            continue
        inbound = settled[accepted[index].inbound.pk]
        case = cases.get(inbound.case_id or inbound.review_case_id)
        number = case.registry_number if case is not None else None
        if inbound.pk in reported or not accepted[index].created:
            lines.append(_line(name, "duplicate", number,
                               f"already received as message {inbound.pk} "
                               f"({settled_outcome(inbound)})"))
        else:
            lines.append(_line(name, outcomes[inbound.pk], number, inbound.reason_shown))
        reported.add(inbound.pk)
    return lines


def _line(name: str, status: str, case, reason: str) -> dict:
    return {"file": name, "status": status, "case": case, "reason": reason or ""}


def _slugs() -> list[str]:
    return list(Municipality.objects.order_by("slug").values_list("slug", flat=True))
