"""`salter worker`: runs Šalter's background tasks (intake, outbox) from the database queue.

It is django-tasks-db's worker loop with Šalter's periodic jobs woven in: every few
seconds it runs the jobs of `salter.schedule` whose time has come (handing out again
messages a dead worker left behind, outbox retries, deadline reminders, digests, the
daily anonymisation of clients whose retention period has passed), each once per slot
however many workers run, and seals new access records into their municipality's hash
chain (`salter.audit.seal`). With `--processes N` it forks N workers, each with its own
database connection, and restarts any that dies; SIGTERM lets each finish its current
task and stop.
"""

import contextlib
import datetime
import logging
import os
import signal
import sys
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from salter.sqlite.base import keep_write_turns

logger = logging.getLogger("salter.worker")
# How often new access records are sealed into their chains: long enough to seal a
# batch, short enough that a record is chained seconds after the page that wrote it.
SEAL_EVERY = 2.0


def housekeeping(stale_after: float, *, worker: str = "") -> dict[str, str]:
    """Run the periodic jobs whose slot has come (`salter.schedule.registry`)."""
    from salter.schedule.registry import run_due_jobs

    ran = run_due_jobs(options={"stale_after": stale_after}, worker=worker)
    failed = sorted(name for name, state in ran.items() if state != "done")
    if failed:
        logger.warning("periodic jobs failed: %s", ", ".join(failed))
    return ran


def warm_up() -> None:
    """Load once, before forking, what every task soon needs and is slow to load the
    first time: the channels' adapters (the e-mail parser) and the public holidays of
    this year and the next (the holidays package takes about half a second). Each forked
    worker then starts with them instead of paying for them in its first batch."""
    from salter.channels.adapters import ADAPTERS, adapter_for
    from salter.procedures.calendar import public_holidays

    for channel in ADAPTERS:
        adapter_for(channel)
    year = datetime.date.today().year
    public_holidays(year)
    public_holidays(year + 1)


class SalterWorker(Worker):
    def __init__(self, *, housekeeping_every: float | None, stale_after: float, **kwargs):
        super().__init__(**kwargs)
        self.housekeeping_every = housekeeping_every
        self.stale_after = stale_after
        self.parent_pid = os.getppid()
        self._next_housekeeping = time.monotonic()
        self._next_seal = time.monotonic()

    def run(self) -> None:
        logger.info("worker %s (pid %s) started", self.worker_id, os.getpid())
        while self.running and os.getppid() == self.parent_pid:
            self._maybe_housekeep()
            task_result, asked = self._claim()
            if task_result is not None:
                self.run_task(task_result)
            elif self.batch and asked:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            close_old_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def _claim(self):
        """(the next ready task claimed for this worker or None, whether the queue answered)"""
        close_old_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
                return task_result, True
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None, False
            raise

    def _maybe_seal(self) -> None:
        if self.housekeeping_every is None or time.monotonic() < self._next_seal:
            return
        self._next_seal = time.monotonic() + SEAL_EVERY
        from salter.audit.seal import seal

        self.running_task = True
        try:
            seal()
        except Exception:
            logger.exception("sealing the access log failed; trying again later")
        finally:
            self.running_task = False
            close_old_connections()

    def _maybe_housekeep(self) -> None:
        self._maybe_seal()
        if self.housekeeping_every is None or time.monotonic() < self._next_housekeeping:
            return
        self._next_housekeeping = time.monotonic() + self.housekeeping_every
        self.running_task = True  # SIGTERM waits for housekeeping like for a task
        try:
            housekeeping(self.stale_after, worker=self.worker_id)
        except Exception:
            logger.exception("housekeeping failed; trying again later")
        finally:
            self.running_task = False
            close_old_connections()


class Command(BaseCommand):
    help = "Run background tasks: intake processing, outbox sending, recovery."

    def add_arguments(self, parser):
        parser.add_argument("--processes", type=int, default=1,
                            help="worker processes to fork (default 1)")
        parser.add_argument("--queue-name", default="default",
                            help="queues to work on, comma-separated, or '*'")
        parser.add_argument("--interval", type=float, default=0.5,
                            help="seconds to wait when the queue is empty")
        parser.add_argument("--housekeeping-every", type=float, default=10.0,
                            help="seconds between rounds of periodic jobs (requeue, outbox "
                                 "retries, reminders)")
        parser.add_argument("--stale-after", type=float, default=300.0,
                            help="seconds after which an unfinished message is handed out "
                                 "again")
        parser.add_argument("--batch", action="store_true",
                            help="stop when the queue is empty")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args, processes: int, **options):
        logging.getLogger("django_tasks_db").setLevel(
            logging.WARNING if options["verbosity"] < 2 else logging.DEBUG)
        if not logging.getLogger("salter").handlers:
            logging.basicConfig(level=logging.INFO)
        warm_up()
        if processes <= 1:
            self._run_worker(index=0, **options)
            return
        self._supervise(processes, options)

    def _run_worker(self, *, index: int, queue_name: str, interval: float,
                    housekeeping_every: float, stale_after: float, batch: bool,
                    max_tasks: int | None, **_options) -> None:
        worker = SalterWorker(
            queue_names=queue_name.split(","), interval=interval, batch=batch,
            backend_name="default", startup_delay=False, max_tasks=max_tasks,
            worker_id=f"{os.uname().nodename[:20]}-{os.getpid()}-{get_random_string(8)}",
            excluded_queue_names=[],
            # One process of a pool does the housekeeping: it needs no parallelism.
            housekeeping_every=housekeeping_every if index == 0 else None,
            stale_after=stale_after,
        )
        worker.configure_signals()
        # A worker's writes come in bursts (a batch settled, the task recorded, the next
        # one claimed): on SQLite it keeps its write turn through each burst.
        with keep_write_turns():
            worker.run()

    def _supervise(self, processes: int, options: dict) -> None:
        connections.close_all()  # each child opens its own connection
        children: dict[int, int] = {}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True
            for pid in children:
                _signal(pid, signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for index in range(processes):
            children[self._fork(index, options)] = index
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            index = children.pop(pid, None)
            if index is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if not stopping and not (options["batch"] and code == 0):
                logger.warning("worker %s exited with %s; starting another", pid, code)
                time.sleep(1)
                children[self._fork(index, options)] = index

    def _fork(self, index: int, options: dict) -> int:
        pid = os.fork()
        if pid:
            return pid
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        code = 0
        try:
            self._run_worker(index=index, **options)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:
            logger.exception("worker crashed")
            code = 1
        finally:
            connections.close_all()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has already gone
        os.kill(pid, signum)
