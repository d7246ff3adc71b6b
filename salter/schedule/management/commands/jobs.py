"""`salter jobs list` / `salter jobs run [--job NAME]`: the periodic jobs and their last
runs; running them once (for a machine that runs no `salter worker`, e.g. from cron)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salter.schedule.models import JobRun
from salter.schedule.registry import job_named, registered_jobs, run_due_jobs


class Command(BaseCommand):
    help = "List the periodic jobs and their last runs, or run the due ones once."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every job, its period and its last run")
        run = sub.add_parser("run", help="run the jobs whose slot has come, once")
        run.add_argument("--job", help="only this job")

    def handle(self, *args, action: str, **options):
        if action == "list":
            self._list()
        else:
            self._run(options.get("job"))

    def _list(self):
        runs = {run.job: run for run in JobRun.objects.all()}
        for job in registered_jobs():
            run = runs.get(job.name)
            last = (f"{timezone.localtime(run.started_at):%Y-%m-%d %H:%M:%S} {run.state}"
                    if run is not None and run.started_at else "never")
            self.stdout.write(f"{job.name}\tevery {int(job.every.total_seconds())} s\t{last}"
                              f"\t{job.description.splitlines()[0] if job.description else ''}")

    def _run(self, only: str | None):
        if only is not None:
            try:
                job_named(only)
            except LookupError:
                known = ", ".join(job.name for job in registered_jobs())
                raise CommandError(f"no job called {only!r}; the jobs are: {known}") from None
        ran = run_due_jobs(only=only, worker="salter jobs run")
        self.stdout.write(json.dumps(ran, sort_keys=True))
