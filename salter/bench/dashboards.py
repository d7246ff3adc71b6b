"""`salter bench dashboards`: the dashboards' and the management views' times on a
seeded municipality (decision 18).

On a fresh database it writes CASES cases spread over the last 365 days in three
departments, six procedures and five channels — 70 % resolved, 80 % answered — with their
first-response deadlines, in bulk (synthetic rows for timing, not the actions' path), then:
the rebuild of every day's figures (`salter dashboards rebuild`, once after an upgrade),
the worker's job (yesterday and today), and, through the whole middleware stack, the
municipality's dashboard, a department's, the province comparison, the workload page, the
filtered inbox and its XLSX export, ROUNDS times each: median and 95th percentile.
"""

import datetime
import os
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

BATCH = 5000


def _ms(values) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _seed(cases: int, seed: int):
    from salter.cases.models import Case, Channel
    from salter.cases.workflow import Status
    from salter.procedures.models import CaseType, Deadline
    from salter.tenancy.models import (
        Department,
        Membership,
        Municipality,
        ProvincialRole,
    )
    from salter.tenancy.roles import Role

    rng = random.Random(seed)
    municipality, _ = Municipality.objects.update_or_create(
        slug="subotica", defaults={"is_active": True})
    User = get_user_model()
    admin = Membership.objects.create(
        user=User.objects.create_user("bench.admin", password="x" * 16),
        municipality=municipality, role=Role.ADMIN)
    supervisor = User.objects.create_user("bench.province", password="x" * 16)
    ProvincialRole.objects.create(user=supervisor)
    departments = [Department.objects.create(municipality=municipality, name=f"Odeljenje {n}")
                   for n in range(3)]
    officers = [Membership.objects.create(
        user=User.objects.create_user(f"bench.officer{n}", password="x" * 16),
        municipality=municipality, role=Role.OFFICER, department=departments[n % 3])
        for n in range(12)]
    head = Membership.objects.create(
        user=User.objects.create_user("bench.head", password="x" * 16),
        municipality=municipality, role=Role.HEAD, department=departments[0])
    procedures = [CaseType.objects.create(
        municipality=municipality, code=f"postupak-{n}", name=f"Postupak {n}",
        classification=f"35{n}", first_response_rule="1 working day",
        resolution_rule="15 calendar days", department=departments[n % 3]) for n in range(6)]
    channels = [Channel.EMAIL, Channel.PHONE, Channel.COUNTER, Channel.PORTAL, Channel.SMS]
    now = timezone.now()
    year = now.year
    for start in range(0, cases, BATCH):
        rows, deadlines = [], []
        for n in range(start, min(start + BATCH, cases)):
            created = now - datetime.timedelta(minutes=rng.randrange(365 * 24 * 60))
            procedure = rng.choice(procedures)
            officer = rng.choice(officers)
            resolved = (created + datetime.timedelta(hours=rng.randrange(1, 24 * 30))
                        if rng.random() < 0.7 else None)
            if resolved and resolved > now:
                resolved = None
            rows.append(Case(
                municipality=municipality, registry_number=f"B-{n + 1}/{year}", year=year,
                sequence=n + 1, subject=f"Predmet {n}", channel=rng.choice(channels),
                case_type=procedure, department=procedure.department,
                assignee=officer.user if rng.random() < 0.8 else None,
                status=Status.RESOLVED if resolved else Status.IN_PROGRESS,
                created_at=created, resolved_at=resolved,
                due_at=None if resolved else created + datetime.timedelta(days=15)))
        Case.objects.bulk_create(rows, batch_size=1000)
        for case in rows:
            if rng.random() < 0.8:
                met = case.created_at + datetime.timedelta(minutes=rng.randrange(10, 60 * 30))
                met = min(met, now)
                deadlines.append(Deadline(
                    municipality=municipality, case=case, kind=Deadline.Kind.FIRST_RESPONSE,
                    rule="1 working day", started_at=case.created_at, due_at=met,
                    state=Deadline.State.MET, met_at=met))
        Deadline.objects.bulk_create(deadlines, batch_size=1000)
    return municipality, admin, head, supervisor, departments


def run(*, cases: int, rounds: int, seed: int, out) -> bool:
    from salter.dashboards.figures import local_day, rebuild_days, recent_days
    from salter.dashboards.models import DailyFigures

    started = time.perf_counter()
    municipality, admin, head, supervisor, _departments = _seed(cases, seed)
    out.write(f"seeded {cases} cases in {time.perf_counter() - started:.1f} s\n")
    today = local_day(timezone.now())
    started = time.perf_counter()
    rows = rebuild_days([today - datetime.timedelta(days=n) for n in range(366)],
                        [municipality])
    out.write(f"rebuild of 366 days: {rows} rows in {time.perf_counter() - started:.1f} s\n")
    job = []
    for _ in range(rounds):
        began = time.perf_counter()
        rebuild_days(recent_days(timezone.now()), [municipality])
        job.append(time.perf_counter() - began)
    out.write(f"dashboards.daily-figures job (yesterday and today): {_ms(job)}\n")
    slug = municipality.slug
    pages = [
        ("municipality dashboard, 12 weeks", admin, f"/staff/{slug}/dashboards/"),
        ("municipality dashboard, 52 weeks", admin, f"/staff/{slug}/dashboards/?weeks=52"),
        ("department dashboard, 12 weeks", head, f"/staff/{slug}/dashboards/"),
        ("dashboard XLSX export, 52 weeks", admin,
         f"/staff/{slug}/dashboards/export/?weeks=52&format=xlsx"),
        ("province comparison, 12 weeks", supervisor, "/province/"),
        ("workload (head)", head, f"/staff/{slug}/management/"),
        ("workload (administrator, whole municipality)", admin, f"/staff/{slug}/management/"),
        ("inbox, all cases, filtered by channel and procedure", admin,
         f"/staff/{slug}/?queue=all&channel=email&procedure="
         f"{municipality.case_types.order_by('pk').first().pk}"),
        ("inbox export XLSX, department queue (head)", head,
         f"/staff/{slug}/cases/export/?queue=department&channel=email&format=xlsx"),
    ]
    ok = True
    for name, who, url in pages:
        browser = Client()
        user = who if hasattr(who, "username") else who.user
        browser.force_login(user)
        response = browser.get(url, secure=True)  # warm up
        if response.status_code != 200:
            out.write(f"{name}: HTTP {response.status_code}\n")
            ok = False
            continue
        times = []
        for _ in range(rounds):
            began = time.perf_counter()
            browser.get(url, secure=True)
            times.append(time.perf_counter() - began)
        out.write(f"{name}: {_ms(times)}\n")
    out.write(f"{DailyFigures.objects.count()} daily figure rows; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    return ok
