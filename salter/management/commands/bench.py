"""`salter bench email`: how fast e-mail intake accepts and processes a realistic corpus.
`salter bench sms`: MO texts through the HTTP endpoint, their processing, and MT into a
real Kannel (salter/bench/sms.py).
`salter bench ingest`: `salter ingest-email` over a folder of files, beside django-helpdesk
(`--helpdesk`), in turn (salter/bench/ingest.py).
`salter bench audit`: what writing the access log costs a page (salter/bench/audit.py).
`salter bench seed` / `salter bench queries`: a province's ten years in the configured
database, and every staff page, search and API list measured against it
(salter/bench/seed.py, salter/bench/queries.py; docs/performance.md).

The others do not touch the configured database: it creates a fresh one (a temporary SQLite
file, or with --database-url a PostgreSQL database it creates and drops), migrates it and
runs itself again inside with DATABASE_URL pointing there, so that the worker
subprocesses see the same database.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Benchmark e-mail intake (accept and full processing) on a throwaway database."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=["email", "sms", "ingest", "audit", "seed",
                                                "queries", "dashboards"])
        parser.add_argument("--messages", type=int, default=10000)
        parser.add_argument("--workers", type=int, default=2,
                            help="worker processes for the processing step")
        parser.add_argument("--database-url", default="",
                            help="a PostgreSQL URL whose database is created and dropped; "
                                 "default: a temporary SQLite file")
        parser.add_argument("--connections", type=int, default=8,
                            help="sms: HTTP connections sending MO texts at once, as "
                                 "Kannel's smsbox keeps several requests pending")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--timeout", type=float, default=1800.0)
        parser.add_argument("--rounds", type=int, default=3,
                            help="ingest: rounds of each side, taken in turn")
        parser.add_argument("--helpdesk", action="store_true",
                            help="ingest: run django-helpdesk's get_email beside, in turn")
        parser.add_argument("--municipalities", type=int, default=10,
                            help="seed: how many pilot municipalities get data")
        parser.add_argument("--cases", type=int, default=100_000,
                            help="seed: cases over all municipalities")
        parser.add_argument("--repeat", type=int, default=7,
                            help="queries: requests per page (the first is not counted)")
        parser.add_argument("--only", default="",
                            help="queries: only the pages whose name contains this")
        parser.add_argument("--json", dest="json_path", default="",
                            help="queries: write the figures to this file")
        parser.add_argument("--compare", default="",
                            help="queries: an earlier run's JSON to compare with")
        parser.add_argument("--inside", action="store_true", help="(internal)")

    def handle(self, *args, channel, messages, workers, database_url, seed, timeout, inside,
               rounds, helpdesk, connections, **options):
        if channel == "seed":
            self._seed(municipalities=options["municipalities"], cases=options["cases"],
                       seed=seed)
            return
        if channel == "queries":
            from salter.bench.queries import run as run_queries

            ok = run_queries(repeat=options["repeat"], only=options["only"],
                             json_path=options["json_path"], compare=options["compare"],
                             out=self.stdout)
            if not ok:
                raise CommandError("a page answered with an error (see above)")
            return
        if channel == "ingest":
            self._ingest(messages=messages, rounds=rounds, seed=seed, helpdesk=helpdesk)
            return
        if inside and channel == "audit":
            self._inside_audit(pages=messages)
            return
        if inside and channel == "dashboards":
            self._inside_dashboards(cases=messages, rounds=rounds, seed=seed)
            return
        if inside:
            self._inside(messages=messages, workers=workers, seed=seed, timeout=timeout,
                         channel=channel, connections=connections)
            return
        workdir = Path(tempfile.mkdtemp(prefix="salter-bench-"))
        url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        try:
            if url.startswith("postgres"):
                _create_postgres(url)
            self.stdout.write(f"database: {_safe(url)}; workers: {workers}; load average: "
                              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
            self.stdout.flush()
            code = subprocess.call(
                [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench", channel,
                 "--inside", "--messages", str(messages), "--workers", str(workers),
                 "--seed", str(seed), "--timeout", str(timeout), "--rounds", str(rounds),
                 "--connections", str(connections)],
                cwd=settings.BASE_DIR, env=_bench_env(url, workdir))
        finally:
            if url.startswith("postgres"):
                _drop_postgres(url)
            shutil.rmtree(workdir, ignore_errors=True)
        if code:
            raise CommandError("the benchmark failed its verification" if code == 3
                               else f"the benchmark stopped with exit code {code}")

    def _seed(self, *, municipalities: int, cases: int, seed: int) -> None:
        from salter.bench.seed import seed as run_seed

        if cases < 1:
            raise CommandError("--cases must be at least 1")
        self.stdout.write(f"seeding {cases} cases in {municipalities} municipalities into "
                          f"{settings.DATABASES['default']['ENGINE']} "
                          f"{settings.DATABASES['default']['NAME']}")
        try:
            report = run_seed(municipalities=municipalities, cases=cases, seed=seed,
                              out=self.stdout)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for name, n in report.rows.items():
            self.stdout.write(f"  {name}: {n}")
        total = sum(report.rows.values())
        self.stdout.write(
            f"seeded {cases} cases ({total} rows) in {report.seconds:.1f} s: "
            f"{cases / report.seconds:,.0f} cases/s, {total / report.seconds:,.0f} rows/s; "
            f"ANALYZE {report.analyse_seconds:.1f} s")

    def _ingest(self, *, messages: int, rounds: int, seed: int, helpdesk: bool) -> None:
        from salter.bench.ingest import run

        workdir = Path(tempfile.mkdtemp(prefix="salter-bench-ingest-"))
        try:
            run(messages=messages, rounds=rounds, seed=seed, helpdesk=helpdesk,
                workdir=workdir, out=self.stdout)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _inside_audit(self, *, pages: int) -> None:
        from salter.bench.audit import run

        call_command("migrate", verbosity=0, interactive=False)
        if not run(pages=pages, out=self.stdout):
            sys.exit(3)

    def _inside_dashboards(self, *, cases: int, rounds: int, seed: int) -> None:
        from salter.bench.dashboards import run

        call_command("migrate", verbosity=0, interactive=False)
        if not run(cases=cases, rounds=rounds, seed=seed, out=self.stdout):
            sys.exit(3)

    def _inside(self, *, messages: int, workers: int, seed: int, timeout: float,
                channel: str = "email", connections: int = 8) -> None:
        from functools import partial

        if channel == "sms":
            from salter.bench.sms import run

            run = partial(run, connections=connections)
        else:
            from salter.bench.email import run

        call_command("migrate", verbosity=0, interactive=False)
        log_path = Path(settings.MEDIA_ROOT).parent / "workers.log"
        ok = run(messages=messages, workers=workers, seed=seed, out=self.stdout,
                 log_path=log_path, timeout=timeout)
        self.stdout.flush()
        if not ok:
            sys.exit(3)


def _bench_env(url: str, workdir: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SALTER_MEDIA_ROOT": str(workdir / "media"),
            "SALTER_VAR_DIR": str(workdir), "DEBUG": "0", "LOG_LEVEL": "WARNING",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "salter-bench"),
            # Nobody listens there: no acknowledgement of the benchmark leaves the machine.
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(_closed_port()),
            "SALTER_KANNEL_URL": f"http://127.0.0.1:{_closed_port()}/cgi-bin/sendsms"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _safe(url: str) -> str:
    password = urlsplit(url).password
    return url.replace(f":{password}@", ":***@") if password else url


def _admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise CommandError("give the benchmark database a plain name, e.g. …/salter_bench")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return psycopg.connect(admin, autocommit=True), name


def _create_postgres(url: str) -> None:
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_postgres(url: str) -> None:
    conn, name = _admin_connection(url)
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
