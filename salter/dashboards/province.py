"""Province-wide figures: the dashboards' figures per active municipality, side by side,
for a period — counts and durations only, never a name, subject or anything else about a
person. Read from the daily figures (one query for the period, all municipalities) and
one grouped count of the open cases, so the page costs the same for 10 pilots as for 45."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from salter.cases.models import Case, Channel
from salter.cases.workflow import OPEN_STATUSES
from salter.dashboards.figures import DEFAULT_WEEKS, Figure, period
from salter.dashboards.models import DailyFigures
from salter.tenancy.models import Municipality


@dataclass
class Row:
    figure: Figure = field(default_factory=Figure)
    open: int = 0
    overdue: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    def channel_counts(self) -> list[int]:
        return [self.by_channel.get(value, 0) for value in Channel.values]

    def add(self, other: "Row") -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.figure.received += other.figure.received
        self.figure.resolved += other.figure.resolved
        self.figure.response += other.figure.response
        self.figure.resolution += other.figure.resolution
        for channel, n in other.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + n


@dataclass
class ProvinceReport:
    rows: list[tuple[Municipality, Row]]
    total: Row
    since: datetime.date
    until: datetime.date
    weeks: int
    channels: list[tuple[str, str]]


def province_report(*, weeks: int = DEFAULT_WEEKS,
                    now: datetime.datetime | None = None) -> ProvinceReport:
    now = now or timezone.now()
    since, until = period(weeks, now)
    municipalities = list(Municipality.objects.active().order_by("name"))
    rows = {m.pk: Row() for m in municipalities}
    daily = (DailyFigures.objects.filter(municipality__in=rows, day__gte=since, day__lte=until)
             .only("municipality_id", "channel", "received", "resolved", "response_minutes",
                   "resolution_minutes"))
    channels: dict[int, dict[str, int]] = defaultdict(dict)
    for figures in daily.iterator(chunk_size=2000):
        rows[figures.municipality_id].figure.add(figures)
        counts = channels[figures.municipality_id]
        counts[figures.channel] = counts.get(figures.channel, 0) + figures.received
    counts = (Case.objects.filter(municipality__in=rows, status__in=OPEN_STATUSES).order_by()
              .values("municipality")
              .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))))
    for row in counts:
        rows[row["municipality"]].open = row["open"]
        rows[row["municipality"]].overdue = row["overdue"]
    total = Row()
    for pk, row in rows.items():
        row.by_channel = {k: v for k, v in channels[pk].items() if v}
        total.add(row)
    return ProvinceReport(rows=[(m, rows[m.pk]) for m in municipalities], total=total,
                          since=since, until=until, weeks=weeks, channels=list(Channel.choices))
