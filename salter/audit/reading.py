"""Searching and exporting the access log, for auditors and the municipal administrator
(the log page) and for operators (`salter audit export`)."""

import csv
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from salter.audit.models import AccessRecord, AccessSubject

CSV_COLUMNS = ["seq", "at", "actor", "role", "action", "target", "target_id", "subjects",
               "detail", "count", "reason", "address", "path", "hash"]


def _day(value) -> date | None:
    if not value:
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not a day (YYYY-MM-DD): {value!r}") from None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def find_records(municipality, *, since=None, until=None, actor: str = "",
                 client_id: int | None = None, action: str = "", target: str = "",
                 address: str = "") -> QuerySet:
    """The municipality's records matching every criterion given, newest first."""
    records = AccessRecord.objects.filter(municipality=municipality)
    since, until = _day(since), _day(until)
    if since:
        records = records.filter(at__gte=_local_midnight(since))
    if until:
        records = records.filter(at__lt=_local_midnight(until + timedelta(days=1)))
    if actor:
        records = records.filter(actor_name__iexact=actor.strip())
    if client_id is not None:
        records = records.filter(Q(pk__in=AccessSubject.objects.filter(
            municipality=municipality, client_id=client_id).values("record_id"))
            | Q(pk__in=_unsealed_naming(municipality, client_id)))
    if action:
        records = records.filter(action=action)
    if target:
        records = records.filter(target=target)
    if address:
        records = records.filter(address=address.strip())
    return records.select_related("actor").order_by("-id")


# Records wait a few seconds for the worker to seal them (and index their clients);
# until then they are found by reading their own list of clients.
_UNSEALED_SCAN = 5000


def _unsealed_naming(municipality, client_id: int) -> list[int]:
    rows = (AccessRecord.objects.filter(municipality=municipality, seq__isnull=True)
            .order_by("-id").values_list("pk", "subjects")[:_UNSEALED_SCAN])
    return [pk for pk, subjects in rows if client_id in subjects]


def accesses_of_client(client, limit: int = 20) -> list[AccessRecord]:
    """The latest accesses that touched the client's data: who, when, what, from where."""
    return list(find_records(client.municipality, client_id=client.pk)[:limit])


def write_csv(records, stream) -> None:
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for r in records.iterator(chunk_size=2000):
        writer.writerow([
            r.seq or "", timezone.localtime(r.at).isoformat(), r.actor_name, r.actor.role, r.action,
            r.target, r.target_id if r.target_id is not None else "",
            " ".join(str(s) for s in r.subjects), _safe_cell(r.detail), r.count or "",
            _safe_cell(r.reason), r.address, r.path, r.hash])


def _safe_cell(text: str) -> str:
    # A search typed as "=HYPERLINK(…)" must stay text when the file is opened in a
    # spreadsheet.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
