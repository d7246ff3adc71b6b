"""Periodic jobs run once per slot, however many workers try and however often."""

import datetime

import pytest
from django.core.management import call_command

from salter.schedule import registry
from salter.schedule.models import JobRun
from salter.schedule.registry import Job, JobContext, claim, registered_jobs, run_job

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
T0 = datetime.datetime(2026, 3, 3, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def counted():
    runs = []

    def work(context):
        runs.append(context.now)
        return {"n": len(runs)}

    return Job("test.counted", datetime.timedelta(minutes=5), work), runs


def test_two_workers_in_the_same_slot_run_the_job_once(counted):
    job, runs = counted

    first = run_job(job, JobContext(T0), worker="a")
    second = run_job(job, JobContext(T0 + datetime.timedelta(minutes=2)), worker="b")

    assert (first, second) == ("done", None)
    assert len(runs) == 1
    row = JobRun.objects.get(job=job.name)
    assert (row.state, row.worker, row.result) == ("done", "a", {"n": 1})


def test_the_next_slot_runs_again(counted):
    job, runs = counted

    run_job(job, JobContext(T0))
    run_job(job, JobContext(T0 + datetime.timedelta(minutes=5)))

    assert len(runs) == 2
    assert JobRun.objects.get(job=job.name).slot == T0 + datetime.timedelta(minutes=5)


def test_a_failed_run_is_retried_within_its_slot_a_few_times():
    attempts = []

    def fails(context):
        attempts.append(context.now)
        raise RuntimeError("the database went away")

    job = Job("test.fails", datetime.timedelta(hours=1), fails)
    for minute in range(0, 10, 2):
        run_job(job, JobContext(T0 + datetime.timedelta(minutes=minute)))

    row = JobRun.objects.get(job=job.name)
    assert len(attempts) == registry.MAX_ATTEMPTS
    assert row.state == "failed" and "the database went away" in row.error


def test_a_run_still_going_is_not_joined_by_the_next_slot(counted):
    job, _runs = counted
    assert claim(job, T0)  # started, not finished

    assert not claim(job, T0 + datetime.timedelta(minutes=5))
    assert claim(job, T0 + registry.RUN_LEASE + datetime.timedelta(minutes=5))


def test_every_app_declares_its_jobs():
    names = {job.name for job in registered_jobs()}

    assert {"intake.requeue-stale", "outbox.send-due", "deadlines.reminders",
            "deadlines.digests"} <= names


def test_jobs_run_once_from_the_command_line(capsys):
    call_command("jobs", "run", "--job", "outbox.send-due")
    call_command("jobs", "run", "--job", "outbox.send-due")
    out = capsys.readouterr().out.strip().splitlines()

    assert out == ['{"outbox.send-due": "done"}', "{}"]
    call_command("jobs", "list")
    assert "outbox.send-due" in capsys.readouterr().out


def test_an_unknown_job_is_refused_with_the_known_ones():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"outbox\.send-due"):
        call_command("jobs", "run", "--job", "nothing")
