"""The dashboards' figures: written per day into `DailyFigures`, read by period.

Writing (`rebuild_days`): for each local day, the cases received that day, resolved that
day (with how long they took since receipt) and first answered that day (the met
first-response deadline, how long since it started), grouped by department, procedure and
channel; the day's rows are replaced in one transaction. Each query is a range over one
day of one municipality, so the job's cost follows the day's work, not the archive.

Reading (`report`): the rows of a period, summed per week, per channel and per procedure;
medians and 90th percentiles (nearest rank) over the minutes kept; open and overdue are
counted now from the cases' (municipality, status, due) index.
"""

import datetime
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from salter.cases.models import Case, Channel
from salter.cases.workflow import OPEN_STATUSES
from salter.dashboards.models import DailyFigures
from salter.procedures.models import CaseType, Deadline
from salter.tenancy.models import Department, Municipality

PERIODS = (4, 12, 26, 52)  # weeks a dashboard may show
DEFAULT_WEEKS = 12


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                        datetime.time()))
    return start, end


def _minutes(later, earlier) -> int:
    return max(int((later - earlier).total_seconds() // 60), 0)


def _rows_for_day(municipality_id: int, day: datetime.date) -> list[DailyFigures]:
    start, end = _bounds(day)
    cases = Case.objects.filter(municipality_id=municipality_id)
    cells: dict[tuple, DailyFigures] = {}

    def cell(department_id, case_type_id, channel) -> DailyFigures:
        key = (department_id, case_type_id, channel)
        if key not in cells:
            cells[key] = DailyFigures(municipality_id=municipality_id, day=day,
                                      department_id=department_id, case_type_id=case_type_id,
                                      channel=channel)
        return cells[key]

    received = (cases.filter(created_at__gte=start, created_at__lt=end).order_by()
                .values("department_id", "case_type_id", "channel").annotate(n=Count("id")))
    for row in received:
        cell(row["department_id"], row["case_type_id"], row["channel"]).received = row["n"]
    resolved = (cases.filter(resolved_at__gte=start, resolved_at__lt=end)
                .values_list("department_id", "case_type_id", "channel", "created_at",
                             "resolved_at"))
    for department_id, case_type_id, channel, created, done in resolved:
        target = cell(department_id, case_type_id, channel)
        target.resolved += 1
        target.resolution_minutes.append(_minutes(done, created))
    responses = (Deadline.objects.filter(municipality_id=municipality_id,
                                         kind=Deadline.Kind.FIRST_RESPONSE,
                                         state=Deadline.State.MET,
                                         met_at__gte=start, met_at__lt=end)
                 .values_list("case__department_id", "case__case_type_id", "case__channel",
                              "started_at", "met_at"))
    for department_id, case_type_id, channel, started, met in responses:
        cell(department_id, case_type_id, channel).response_minutes.append(
            _minutes(met, started))
    for row in cells.values():
        row.response_minutes.sort()
        row.resolution_minutes.sort()
    return list(cells.values())


def rebuild_days(days, municipalities=None) -> int:
    """Replace the figures of `days` for `municipalities` (every active one by default);
    returns the number of rows written."""
    municipalities = list(municipalities if municipalities is not None
                          else Municipality.objects.active())
    written = 0
    for municipality in municipalities:
        for day in sorted(set(days)):
            rows = _rows_for_day(municipality.pk, day)
            with transaction.atomic():
                DailyFigures.objects.filter(municipality=municipality, day=day).delete()
                DailyFigures.objects.bulk_create(rows)
            written += len(rows)
    return written


def recent_days(now: datetime.datetime, back: int = 1) -> list[datetime.date]:
    today = local_day(now)
    return [today - datetime.timedelta(days=n) for n in range(back, -1, -1)]


# -- reading ---------------------------------------------------------------------------------


def percentile(values: list[int], share: float) -> int | None:
    """Nearest-rank percentile of sorted `values`."""
    if not values:
        return None
    rank = max(math.ceil(share * len(values)), 1)
    return values[rank - 1]


@dataclass
class Figure:
    received: int = 0
    resolved: int = 0
    response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)

    def add(self, row: DailyFigures) -> None:
        self.received += row.received
        self.resolved += row.resolved
        self.response += row.response_minutes
        self.resolution += row.resolution_minutes

    def _sorted(self):
        self.response.sort()
        self.resolution.sort()

    @property
    def response_median(self):
        self._sorted()
        return statistics.median_low(self.response) if self.response else None

    @property
    def response_p90(self):
        self._sorted()
        return percentile(self.response, 0.9)

    @property
    def resolution_median(self):
        self._sorted()
        return statistics.median_low(self.resolution) if self.resolution else None

    @property
    def resolution_p90(self):
        self._sorted()
        return percentile(self.resolution, 0.9)


@dataclass
class Report:
    since: datetime.date
    until: datetime.date
    weeks: list[tuple[datetime.date, Figure]]
    channels: list[tuple[str, str, Figure]]
    procedures: list[tuple[CaseType | None, Figure]]
    total: Figure
    open: int
    overdue: int

    @property
    def empty(self) -> bool:
        return not (self.total.received or self.total.resolved or self.total.response
                    or self.open)


def period(weeks: int, now: datetime.datetime | None = None):
    """The last `weeks` whole weeks up to today: Monday of the first, today."""
    today = local_day(now or timezone.now())
    monday = today - datetime.timedelta(days=today.weekday())
    return monday - datetime.timedelta(weeks=weeks - 1), today


def report(municipality, *, weeks: int = DEFAULT_WEEKS, department: Department | None = None,
           now: datetime.datetime | None = None) -> Report:
    since, until = period(weeks, now)
    rows = DailyFigures.objects.filter(municipality=municipality, day__gte=since,
                                       day__lte=until)
    if department is not None:
        rows = rows.filter(department=department)
    by_week = {since + datetime.timedelta(weeks=n): Figure() for n in range(weeks)}
    by_channel: dict[str, Figure] = defaultdict(Figure)
    by_procedure: dict[int | None, Figure] = defaultdict(Figure)
    total = Figure()
    for row in rows.iterator(chunk_size=2000):
        monday = row.day - datetime.timedelta(days=row.day.weekday())
        by_week.setdefault(monday, Figure()).add(row)
        by_channel[row.channel].add(row)
        by_procedure[row.case_type_id].add(row)
        total.add(row)
    procedures = {ct.pk: ct for ct in CaseType.objects.filter(
        pk__in=[pk for pk in by_procedure if pk is not None])}
    open_cases = Case.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
    if department is not None:
        open_cases = open_cases.filter(department=department)
    counts = open_cases.aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now or timezone.now())))
    labels = dict(Channel.choices)
    return Report(
        since=since, until=until, weeks=sorted(by_week.items()),
        channels=[(value, labels.get(value, value), by_channel[value])
                  for value in Channel.values if value in by_channel],
        procedures=sorted(((procedures.get(pk), f) for pk, f in by_procedure.items()),
                          key=lambda item: -item[1].received),
        total=total, open=counts["open"], overdue=counts["overdue"])
