"""Anonymising clients whose retention period has passed (ZZPL: personal data is kept
no longer than its purpose needs).

A client is due when SALTER_RETENTION_YEARS have passed since the last thing that
happened with them: the client record changed, a case of theirs was touched or had a
timeline entry, a message came from them or went to them, a document was filed — and
none of their cases is still open. Then their identifiers, names, address, note and
contact points are removed, and the free text of their cases and messages (subjects,
descriptions, timeline texts, bodies, raw messages, document contents and file names)
is replaced. What statistics need stays: the client's kind and language, every case's
number, channel, procedure, department, status, priority and dates, every message's
channel and times, the timeline's kinds and times, consents' channel, purpose and time.

The worker runs it once a day (`run_if_due`); `salter anonymise --dry-run` lists what
would change, `salter anonymise` does it. The access log is not rewritten: it is the
proof of who saw what, kept under its own rule, and it names clients only by number.
"""


import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from salter.cases.models import Case, CaseEvent, CaseParty
from salter.cases.workflow import OPEN_STATUSES
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import (
    Anonymisation,
    Client,
    ClientRevision,
    Consent,
    ContactPerson,
    ContactPoint,
    RetentionRun,
)
from salter.documents.models import Blob, Document
from salter.documents.storage import blob_path, store_bytes
from salter.lang.transliteration import fold
from salter.tenancy.models import Municipality

logger = logging.getLogger(__name__)
_CLEARED = ("first_name", "last_name", "business_name", "jmbg", "pib", "mb", "address",
            "place", "postal_code", "note", "search_text")
# What replaces a raw message or a document's content: the same bytes for all.
PLACEHOLDER = b"Anonymised after the retention period.\n"
RUN_EVERY = timedelta(days=1)


def retention_years() -> int:
    return int(getattr(settings, "SALTER_RETENTION_YEARS", 10))


def cutoff(now: datetime | None = None, years: int | None = None) -> datetime:
    now = now or timezone.now()
    return now - timedelta(days=round(365.25 * (years or retention_years())))


@dataclass
class Plan:
    """What anonymising one client changes."""

    client: Client
    last_activity: datetime
    cases: list[int] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    contact_points: int = 0
    contact_persons: int = 0
    timeline_entries: int = 0

    def summary(self) -> dict:
        return {"contact_points": self.contact_points, "contact_persons": self.contact_persons,
                "cases": len(self.cases), "timeline_entries": self.timeline_entries,
                "messages_received": len(self.received), "messages_sent": len(self.sent),
                "documents": len(self.documents)}


def _recent(model, client_field: str, time_field: str, since: datetime):
    return Exists(model.objects.filter(**{client_field: OuterRef("pk"),
                                          f"{time_field}__gte": since}))


def due_clients(municipality, *, since: datetime):
    """Clients of `municipality` with nothing since `since` and no open case."""
    cases_of = CaseParty.objects.filter(client=OuterRef("pk"))
    return (Client.objects.filter(municipality=municipality, anonymised_at__isnull=True,
                                  updated_at__lt=since)
            .exclude(Exists(cases_of.filter(case__status__in=OPEN_STATUSES)))
            .exclude(Exists(cases_of.filter(case__updated_at__gte=since)))
            .exclude(Exists(CaseEvent.objects.filter(
                case__parties__client=OuterRef("pk"), at__gte=since)))
            .exclude(_recent(InboundMessage, "client", "received_at", since))
            .exclude(_recent(OutboundMessage, "client", "created_at", since))
            .exclude(_recent(Document, "client", "created_at", since))
            .order_by("pk"))


def _latest(*moments) -> datetime:
    return max(m for m in moments if m is not None)


def plan_for(client: Client) -> Plan:
    cases = list(Case.objects.filter(parties__client=client).values_list("pk", flat=True))
    received = InboundMessage.objects.filter(Q(client=client) | Q(case_id__in=cases))
    sent = OutboundMessage.objects.filter(Q(client=client) | Q(case_id__in=cases))
    documents = Document.objects.filter(Q(client=client) | Q(case_id__in=cases))
    events = CaseEvent.objects.filter(case_id__in=cases)
    last = _latest(
        client.updated_at,
        Case.objects.filter(pk__in=cases).aggregate(m=models.Max("updated_at"))["m"],
        events.aggregate(m=models.Max("at"))["m"],
        received.aggregate(m=models.Max("received_at"))["m"],
        sent.aggregate(m=models.Max("created_at"))["m"],
        documents.aggregate(m=models.Max("created_at"))["m"])
    return Plan(client=client, last_activity=last, cases=cases,
                received=list(received.values_list("pk", flat=True)),
                sent=list(sent.values_list("pk", flat=True)),
                documents=list(documents.values_list("pk", flat=True)),
                contact_points=client.contact_points.count(),
                contact_persons=client.contact_persons.count(),
                timeline_entries=events.count())


def plans(municipality, *, now: datetime | None = None, years: int | None = None) -> list[Plan]:
    """What would be anonymised in `municipality` now: the dry run."""
    since = cutoff(now, years)
    return [plan for plan in map(plan_for, due_clients(municipality, since=since))
            if plan.last_activity < since]


def _unguarded(queryset):
    """The timeline refuses updates; anonymisation is the one change the law asks of it."""
    return models.QuerySet.update.__get__(queryset)


@transaction.atomic
def anonymise(plan: Plan, *, by: str) -> bool:
    """Carry out `plan`; False if the client was anonymised meanwhile."""
    client = Client.objects.select_for_update().get(pk=plan.client.pk)
    if client.anonymised_at is not None:
        return False
    placeholder = store_bytes(PLACEHOLDER)
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(anonymised_at=now,
                                               **{name: "" for name in _CLEARED})
    ContactPoint.objects.filter(client=client).delete()
    ContactPerson.objects.filter(client=client).delete()
    for case in Case.objects.filter(pk__in=plan.cases):
        Case.objects.filter(pk=case.pk).update(
            subject="", description="",
            search_text=fold(f"{case.registry_number} {case.tracking_code}"))
    _unguarded(CaseEvent.objects.filter(case_id__in=plan.cases))(text="", before=None,
                                                                 after=None, ref=None)
    old_blobs = set(InboundMessage.objects.filter(pk__in=plan.received)
                    .values_list("raw_id", flat=True))
    old_blobs |= set(Document.objects.filter(pk__in=plan.documents)
                     .values_list("blob_id", flat=True))
    InboundMessage.objects.filter(pk__in=plan.received).update(
        sender="", subject="", body_text="", search_text="", metadata={}, reason="",
        reason_data=None, raw=placeholder, sha256=placeholder.sha256)
    OutboundMessage.objects.filter(pk__in=plan.sent).update(
        recipient="", subject="", body_text="", metadata={}, last_error="", error_data=None)
    for document in Document.objects.filter(pk__in=plan.documents):
        Document.objects.filter(pk=document.pk).update(
            filename=f"document-{document.pk}", text="", search_text=fold(
                f"document-{document.pk}"), blob=placeholder)
    ClientRevision.objects.filter(client=client).update(changes={}, reason="")
    Consent.objects.filter(client=client).update(how="")
    ClientRevision.objects.create(municipality_id=client.municipality_id, client=client,
                                  actor_label=by[:100], changes={"anonymised": [None, True]})
    Anonymisation.objects.create(municipality_id=client.municipality_id, client=client, by=by,
                                 last_activity=plan.last_activity, changed=plan.summary())
    _forget_unused(old_blobs - {placeholder.pk})
    return True


def _forget_unused(blob_ids: set[int]) -> None:
    """Delete the replaced contents nothing else refers to, rows and files alike (a
    file goes only once the row's deletion is committed)."""
    unused = (Blob.objects.filter(pk__in=blob_ids)
              .exclude(Exists(Document.objects.filter(blob=OuterRef("pk"))))
              .exclude(Exists(InboundMessage.objects.filter(raw=OuterRef("pk")))))
    files = [blob_path(sha) for sha, data in unused.values_list("sha256", "data")
             if data is None]
    unused.delete()
    transaction.on_commit(lambda: [f.unlink(missing_ok=True) for f in files])


def run(*, municipality=None, dry_run: bool = False, now=None, years=None,
        by: str = "retention") -> list[Plan]:
    """Anonymise (or with `dry_run` only list) every client due, in every active
    municipality or in `municipality`."""
    municipalities = [municipality] if municipality else Municipality.objects.active()
    done = []
    for m in municipalities:
        for plan in plans(m, now=now, years=years):
            if dry_run or anonymise(plan, by=by):
                done.append(plan)
    if done and not dry_run:
        logger.info("retention: %d client(s) anonymised by %s", len(done), by)
    return done


def run_if_due(now: datetime | None = None) -> int | None:
    """The scheduled job: run once a day (the worker asks every few seconds)."""
    now = now or timezone.now()
    with transaction.atomic():
        last = RetentionRun.objects.select_for_update().order_by("-started_at").first()
        if last is not None and now - last.started_at < RUN_EVERY:
            return None
        current = RetentionRun.objects.create(started_at=now)
    anonymised = len(run(now=now, by="retention (scheduled)"))
    RetentionRun.objects.filter(pk=current.pk).update(finished_at=timezone.now(),
                                                      anonymised=anonymised)
    return anonymised


