"""`salter bench email`, inside the throwaway benchmark database.

Three steps, each timed on its own: durable accept of the corpus in IMAP-sized batches
(the call that must return before a mailbox may forget a message), full processing by
`salter worker` subprocesses until every message is settled, and a verification that
the outcome is right: every message settled once, no case opened twice, registry numbers
without gaps. The figures are only worth printing when the verification passes.
"""

import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from salter.bench.corpus import Citizen, CorpusBuilder
from salter.cases.actions import create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.intake.context import intake_actor
from salter.procedures.models import CaseType, RoutingRule
from salter.tenancy.models import Municipality
from salter.tenancy.onboarding import activate_municipality, set_public_contacts

SLUG = "subotica"
ADDRESS = "pisarnica@subotica.bench.example"
KNOWN_CASES = 200
ACCEPT_BATCH = 200  # what one IMAP fetch or SMTP burst hands over
State = InboundMessage.State


@dataclass
class Figures:
    messages: int
    seconds: float
    per_message_ms: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def line(self, label: str) -> str:
        return (f"{label}: {self.messages} messages in {self.seconds:.2f} s = "
                f"{self.rate:,.0f} msg/s; per message p50 {percentile(self.per_message_ms, 50):.3f}"
                f" ms, p95 {percentile(self.per_message_ms, 95):.3f} ms")


def percentile(values: list[float], pct: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def set_up_municipality() -> tuple[Municipality, list[tuple[Citizen, str]]]:
    """Subotica with its default departments and case types, a few routing rules, and
    citizens with open cases that part of the corpus writes back to."""
    municipality = activate_municipality(SLUG).municipality
    set_public_contacts(municipality, email=ADDRESS, phone=municipality.phone)
    types = {t.classification: t for t in CaseType.objects.filter(municipality=municipality)}
    RoutingRule.objects.bulk_create([
        RoutingRule(municipality=municipality, order=5, keywords="hitno\nhitna intervencija",
                    priority=40),
        RoutingRule(municipality=municipality, order=6, sender_domain="ptt.rs",
                    case_type=types.get("434")),
        RoutingRule(municipality=municipality, order=7,
                    client_kind=RoutingRule.ClientKind.BUSINESS, priority=30),
    ])
    actor = intake_actor(municipality, Channel.EMAIL)
    known = []
    for i in range(KNOWN_CASES):
        citizen = Citizen(f"Stari Građanin {i}", f"stari.gradjanin{i}@example.net")
        client = create_client(actor=actor, first_name="Stari Građanin", last_name=str(i),
                               contacts=[(ContactPoint.Kind.EMAIL, citizen.address)])
        case = create_case(actor=actor, subject=f"Raniji predmet {i}", channel=Channel.EMAIL,
                           clients=[client])
        known.append((citizen, case.registry_number))
    return municipality, known


def accept(municipality, messages: list[bytes]) -> Figures:
    per_message, started = [], time.perf_counter()
    for start in range(0, len(messages), ACCEPT_BATCH):
        batch = messages[start:start + ACCEPT_BATCH]
        t0 = time.perf_counter()
        accept_emails(municipality=municipality, raws=batch, source="bench")
        per_message += [(time.perf_counter() - t0) * 1000 / len(batch)] * len(batch)
    return Figures(len(messages), time.perf_counter() - started, per_message)


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def start_command(*args: str, log) -> subprocess.Popen:
    """`salter <args>` on the benchmark's database, in a process group of its own, its
    output in `log`."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0",
           "SALTER_MEDIA_ROOT": str(settings.MEDIA_ROOT), "LOG_LEVEL": "WARNING",
           "SECRET_KEY": os.environ.get("SECRET_KEY") or "salter-bench"}
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def stop_command(process: subprocess.Popen, *, timeout: float) -> None:
    """SIGTERM to its group, SIGKILL if it has not stopped within `timeout`."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_workers(workers: int, log) -> subprocess.Popen:
    return start_command("worker", "--processes", str(workers), "--interval", "0.05",
                         "--housekeeping-every", "10", "--stale-after", "120", log=log)


def stop_workers(worker: subprocess.Popen) -> None:
    stop_command(worker, timeout=60)


def wait_settled(count: int, timeout: float, worker: subprocess.Popen) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.poll() is None:
        if InboundMessage.objects.exclude(state=State.RECEIVED).count() >= count:
            return True
        time.sleep(0.05)
    return False


def process(count: int, workers: int, log_path, timeout: float) -> tuple[Figures, Figures,
                                                                         float, float]:
    """(throughput window first claim → last settled with latencies, per-message cost
    from the tasks' own timings, wall seconds including the workers' start-up, CPU
    seconds the workers used, start-up included)."""
    started = timezone.now()
    before = _children_cpu()
    with open(log_path, "ab") as log:
        worker = start_workers(workers, log)
        try:
            if not wait_settled(count, timeout, worker):
                raise RuntimeError(f"not every message settled in {timeout:.0f} s, or the "
                                   f"workers stopped; see {log_path}")
        finally:
            stop_workers(worker)
    cpu = _children_cpu() - before
    rows = list(InboundMessage.objects.values_list("last_attempt_at", "processed_at"))
    first = min(a for a, _p in rows if a is not None)
    last = max(p for _a, p in rows if p is not None)
    latency = [(p - a).total_seconds() * 1000 for a, p in rows if a and p]
    window = Figures(count, (last - first).total_seconds(), latency)
    return window, Figures(count, (last - first).total_seconds(), task_costs()), (
        last - started).total_seconds(), cpu


def _children_cpu() -> float:
    """User and system CPU seconds of the child processes that have ended (a worker
    pool waits for its processes before it ends itself). On a machine shared with other
    work, this moves less than the wall time does."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def task_costs() -> list[float]:
    """Each processing task's duration divided among its messages."""
    from django_tasks_db.models import DBTaskResult

    costs = []
    for result in DBTaskResult.objects.filter(
            task_path__endswith="process_inbound_batch_task", finished_at__isnull=False):
        ids = (result.args_kwargs or {}).get("args", [[]])[0]
        if ids and result.started_at:
            cost = (result.finished_at - result.started_at).total_seconds() * 1000 / len(ids)
            costs += [cost] * len(ids)
    return costs


def verify(municipality, messages: int) -> tuple[bool, str]:
    """Every message settled exactly once, and the registry has no gaps."""
    inbound = InboundMessage.objects.filter(municipality=municipality)
    outcomes = Counter(inbound.values_list("outcome", flat=True))
    unsettled = inbound.filter(state=State.RECEIVED).count()
    events = Counter(CaseEvent.objects.filter(municipality=municipality,
                                              kind=CaseEvent.Kind.MESSAGE_IN)
                     .values_list("ref__inbound", flat=True))
    on_cases = set(inbound.filter(outcome__in=["created", "appended"])
                   .values_list("pk", flat=True))
    once = set(events) == on_cases and set(events.values()) <= {1}
    created_cases = list(inbound.filter(outcome="created").values_list("case_id", flat=True))
    unique_cases = len(set(created_cases)) == len(created_cases)
    sequences = sorted(Case.objects.filter(municipality=municipality)
                       .values_list("sequence", flat=True))
    gap_free = sequences == list(range(1, len(sequences) + 1))
    acks = OutboundMessage.objects.filter(
        municipality=municipality, purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)
    acked = acks.count() == outcomes.get("created", 0) == acks.values("inbound").distinct(
        ).count()
    total = sum(outcomes.values())
    ok = (total == messages and not unsettled and once and unique_cases and gap_free
          and acked)
    parts = ", ".join(f"{name} {outcomes.get(name, 0)}" for name in
                      ("created", "appended", "ignored", "review", "duplicate", "quarantined"))
    return ok, (f"verification: {'OK' if ok else 'FAILED'}: {parts} = {total} of {messages}"
                f" messages; one timeline entry per message: {once}; no case twice: "
                f"{unique_cases}; registry 1..{len(sequences)} gap-free: {gap_free}; "
                f"acknowledgements queued: {acks.count()}")


def run(*, messages: int, workers: int, seed: int, out, log_path, timeout: float) -> bool:
    municipality, known = set_up_municipality()
    corpus = CorpusBuilder(seed=seed, to=ADDRESS, known=known).build(messages)
    kinds = Counter(corpus.kinds)
    size = sum(map(len, corpus.messages)) / max(len(corpus.messages), 1)
    out.write(f"corpus: {messages} messages, {size:,.0f} bytes on average; "
              + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + "\n")
    accepted = accept(municipality, corpus.messages)
    out.write(accepted.line(f"accept (durable, batches of {ACCEPT_BATCH})") + "\n")
    window, cost, wall, cpu = process(messages, workers, log_path, timeout)
    out.write(window.line(f"processing ({workers} workers), latency claim→settled") + "\n")
    out.write(f"processing cost per message (task time / batch size): p50 "
              f"{percentile(cost.per_message_ms, 50):.3f} ms, p95 "
              f"{percentile(cost.per_message_ms, 95):.3f} ms; wall time from starting "
              f"the workers {wall:.2f} s = {messages / wall:,.0f} msg/s\n")
    out.write(f"workers' CPU (start-up included): {cpu:.2f} s = {cpu * 1000 / messages:.3f}"
              " ms per message\n")
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    out.write(f"batches retried: {log.count('trying it once more')}; batches settled "
              f"one by one: {log.count('settling its messages one by one')}\n")
    ok, line = verify(municipality, messages)
    out.write(line + "\n")
    return ok
