"""Province-wide figures: counts and durations per active municipality, never a name,
subject or anything else about a person. Each figure is one grouped query over all
municipalities, so the page costs the same for 10 pilots as for 45."""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from salter.cases.models import Case, Channel
from salter.cases.workflow import OPEN_STATUSES
from salter.tenancy.models import Municipality

WINDOW = datetime.timedelta(days=30)


@dataclass
class Figures:
    open: int = 0
    overdue: int = 0
    opened: int = 0  # in the window
    resolved: int = 0  # in the window
    durations: list[float] = field(default_factory=list)  # days to resolve, in the window
    by_channel: dict[str, int] = field(default_factory=dict)  # opened in the window

    @property
    def median_days(self) -> float | None:
        return round(statistics.median(self.durations), 1) if self.durations else None

    def channel_counts(self) -> list[int]:
        return [self.by_channel.get(value, 0) for value in Channel.values]

    def add(self, other: "Figures") -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.opened += other.opened
        self.resolved += other.resolved
        self.durations += other.durations
        for channel, n in other.by_channel.items():
            self.by_channel[channel] = self.by_channel.get(channel, 0) + n


@dataclass
class ProvinceReport:
    rows: list[tuple[Municipality, Figures]]
    total: Figures
    since: datetime.datetime
    channels: list[tuple[str, str]]


def province_report(now: datetime.datetime | None = None) -> ProvinceReport:
    now = now or timezone.now()
    since = now - WINDOW
    municipalities = list(Municipality.objects.active().order_by("name"))
    figures = {m.pk: Figures() for m in municipalities}
    cases = Case.objects.filter(municipality__is_active=True).order_by()

    counts = cases.values("municipality").annotate(
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
        opened=Count("id", filter=Q(created_at__gte=since)),
        resolved=Count("id", filter=Q(resolved_at__gte=since)),
    )
    for row in counts:
        f = figures[row["municipality"]]
        f.open, f.overdue = row["open"], row["overdue"]
        f.opened, f.resolved = row["opened"], row["resolved"]

    channels = (cases.filter(created_at__gte=since).values("municipality", "channel")
                .annotate(n=Count("id")))
    for row in channels:
        figures[row["municipality"]].by_channel[row["channel"]] = row["n"]

    resolved = cases.filter(resolved_at__gte=since).values_list(
        "municipality", "created_at", "resolved_at")
    for municipality_id, created, done in resolved:
        days = max((done - created).total_seconds(), 0) / 86400
        figures[municipality_id].durations.append(days)

    total = Figures()
    for f in figures.values():
        total.add(f)
    return ProvinceReport(rows=[(m, figures[m.pk]) for m in municipalities], total=total,
                          since=since, channels=list(Channel.choices))
