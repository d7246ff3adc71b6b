"""Periodic jobs: the work the worker does on a schedule rather than from the queue.

Each app declares its jobs in its own `jobs` module with `@periodic(name, every=…)`;
`salter worker` calls `run_due_jobs` every few seconds and `salter jobs run` does the
same once. Time is cut into slots of each job's period (counted from the epoch, in UTC),
and a job runs for a slot only after its `JobRun` row was moved to that slot by one
conditional UPDATE: whichever worker moves it runs the job, the others find the slot
taken, and running again in the same slot does nothing. A run that failed is tried again
within its slot a few times, a minute or more apart.

Jobs must still be idempotent in what they do (a reminder is sent once however often its
job runs, see `procedures.reminders`): a worker that dies mid-run leaves its slot taken,
and the next slot's run picks up what was left.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from salter.schedule.models import JobRun

logger = logging.getLogger(__name__)
State = JobRun.State

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MAX_ATTEMPTS = 3
RETRY_AFTER = datetime.timedelta(minutes=1)
# A run still marked running after this long was left by a worker that died.
RUN_LEASE = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class JobContext:
    now: datetime.datetime
    # What the worker was started with, for jobs that honour it (e.g. stale_after).
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    name: str
    every: datetime.timedelta
    func: Callable[[JobContext], object]
    description: str = ""

    def slot(self, now: datetime.datetime) -> datetime.datetime:
        """The start of the period `now` falls in."""
        periods = (now - EPOCH) // self.every
        return EPOCH + periods * self.every


_jobs: dict[str, Job] = {}


def periodic(name: str, *, every: datetime.timedelta, description: str = ""):
    """Register the decorated function `func(context)` as the job `name`."""
    if every < datetime.timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")

    def register(func):
        existing = _jobs.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"two periodic jobs are called {name!r}")
        _jobs[name] = Job(name, every, func, description or (func.__doc__ or "").strip())
        return func

    return register


def registered_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def job_named(name: str) -> Job:
    try:
        return _jobs[name]
    except KeyError:
        raise LookupError(name) from None


def claim(job: Job, now: datetime.datetime, *, worker: str = "") -> bool:
    """Take the slot `now` falls in for this worker; False when it is taken (run already,
    running elsewhere, or failed too often)."""
    slot = job.slot(now)
    _ensure_row(job)
    claimed = JobRun.objects.filter(job=job.name).filter(
        Q(slot__lt=slot)
        | Q(slot=slot, state=State.FAILED, attempts__lt=MAX_ATTEMPTS,
            started_at__lt=now - RETRY_AFTER),
    ).exclude(
        # A long run of the previous slot is not joined by a second one.
        state=State.RUNNING, started_at__gt=now - RUN_LEASE,
    ).update(
        # SET sees the row as it was: a retry within the slot counts on, a new slot
        # starts from one.
        attempts=Case(When(slot=slot, then=F("attempts") + 1), default=Value(1)),
        slot=slot, state=State.RUNNING, worker=worker[:100], started_at=now,
        finished_at=None, error="", result=None,
    )
    return claimed == 1


def _ensure_row(job: Job) -> None:
    if JobRun.objects.filter(job=job.name).exists():
        return
    try:
        with transaction.atomic():
            JobRun.objects.create(job=job.name, slot=EPOCH, state=State.DONE)
    except IntegrityError:
        pass  # another worker created it at the same moment


def run_job(job: Job, context: JobContext, *, worker: str = "") -> str | None:
    """Run `job` for the slot of `context.now` if nobody has; the state it ended in, or
    None when the slot was taken."""
    if not claim(job, context.now, worker=worker):
        return None
    try:
        result = job.func(context)
    except Exception as exc:
        logger.exception("periodic job %s failed", job.name)
        _finish(job, context.now, State.FAILED,
                error=f"{type(exc).__name__}: {exc}"[:4000])
        return State.FAILED
    _finish(job, context.now, State.DONE, result=result)
    return State.DONE


def _finish(job: Job, now, state: str, *, result=None, error: str = "") -> None:
    if result is not None and not isinstance(result, dict | list | str | int | float | bool):
        result = str(result)
    JobRun.objects.filter(job=job.name, slot=job.slot(now)).update(
        state=state, finished_at=timezone.now(), result=result, error=error)


def run_due_jobs(*, now: datetime.datetime | None = None, options: dict | None = None,
                 worker: str = "", only: str | None = None) -> dict[str, str]:
    """Run every job whose slot has come and nobody has run; {job: state} of those run."""
    context = JobContext(now=now or timezone.now(), options=options or {})
    ran = {}
    for job in registered_jobs():
        if only is not None and job.name != only:
            continue
        state = run_job(job, context, worker=worker)
        if state is not None:
            ran[job.name] = state
    return ran
