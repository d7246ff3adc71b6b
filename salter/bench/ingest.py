"""`salter bench ingest`: `salter ingest-email` over a folder of regional mail, timed as a
whole process, and beside it in the same run django-helpdesk's `get_email` over the same
files, so that the two are compared on the same machine at the same moment.

Each round gives each side a fresh copy of a database prepared once (migrated, the
municipality or the queue set up), runs the command in a subprocess and times it from
outside (wall and CPU of the child); the sides take turns, A B A B …, because a shared
machine's speed drifts. django-helpdesk runs in a virtualenv of its own, installed from
PyPI the first time into the benchmark's cache folder, with its own small project and
SQLite database; it reads the files as a "local" mailbox directory.

django-helpdesk opens a local mailbox's files in text mode with the locale's strict
UTF-8, so the first message in Windows-1250 or Latin-2 (common in Serbian and Hungarian
mail) stops the whole queue: it would take in 2 of the corpus's first 20 files. The
benchmark runs its `process_email` with those files opened as its own code then treats
them (`force_str(…, errors="replace")`), so that it processes every file.
"""

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import venv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

HELPDESK = "django-helpdesk==2.6.1"
_HELPDESK_SETTINGS = '''
SECRET_KEY = "helpdesk-bench"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
    "django.contrib.humanize", "django.contrib.staticfiles", "rest_framework", "helpdesk",
]
SITE_ID = 1
ROOT_URLCONF = "hdbench.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": __import__("os").environ["HELPDESK_DB"]}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = __import__("os").environ["HELPDESK_MEDIA"]
USE_TZ = True
TIME_ZONE = "Europe/Belgrade"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
LOGGING = {"version": 1, "disable_existing_loggers": True}
HELPDESK_TEAMS_MODE_ENABLED = False
'''
_HELPDESK_URLS = '''
from django.urls import include, path
urlpatterns = [path("", include("helpdesk.urls"))]
'''
# get_email, with the mailbox's files read as helpdesk then treats them (module text).
_HELPDESK_GET_EMAIL = '''
import builtins, django
django.setup()
_open = builtins.open
def _replacing(file, mode="r", *args, **kwargs):
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("errors", "replace")
    return _open(file, mode, *args, **kwargs)
builtins.open = _replacing
from helpdesk.email import process_email
process_email(quiet=True)
'''
_HELPDESK_QUEUE = '''
from helpdesk.models import Queue
Queue.objects.create(title="Pisarnica", slug="pisarnica", allow_email_submission=True,
                     email_address="pisarnica@subotica.bench.example",
                     email_box_type="local", email_box_local_dir="{folder}",
                     logging_type="none")
'''


@dataclass
class Run:
    wall: float
    cpu: float
    handled: int

    def rate(self, files: int) -> float:
        return files / self.wall if self.wall else 0.0


def timed(command: list[str], *, cwd, env) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 2):  # ingest-email exits 2 when a file was unreadable
        raise RuntimeError(f"{command[:3]} failed:\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


class Salter:
    """`salter ingest-email` on a fresh copy of a prepared SQLite database."""

    def __init__(self, workdir: Path, slug: str):
        self.workdir, self.slug = workdir / "salter", slug
        self.workdir.mkdir()
        self.template = self.workdir / "template.sqlite3"

    def env(self, database: Path, media: Path) -> dict:
        return {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
                "SALTER_MEDIA_ROOT": str(media), "SALTER_VAR_DIR": str(self.workdir),
                "DEBUG": "0", "LOG_LEVEL": "ERROR", "SECRET_KEY": "salter-bench",
                "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": "9"}

    def prepare(self) -> None:
        env = self.env(self.template, self.workdir / "media-template")
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=settings.BASE_DIR,
                       env=env, check=True)
        subprocess.run([*manage, "municipality", "activate", self.slug],
                       cwd=settings.BASE_DIR, env=env, check=True, capture_output=True)

    def run(self, files: list[Path], round_no: int) -> Run:
        database = self.workdir / f"round-{round_no}.sqlite3"
        shutil.copy(self.template, database)
        env = self.env(database, self.workdir / f"media-{round_no}")
        wall, cpu, out = timed([sys.executable, str(settings.BASE_DIR / "manage.py"),
                                "ingest-email", "--municipality", self.slug,
                                *map(str, files)], cwd=settings.BASE_DIR, env=env)
        handled = sum(1 for line in out.splitlines() if '"status": "unreadable"' not in line)
        database.unlink()
        return Run(wall, cpu, handled)


class Helpdesk:
    """django-helpdesk's `get_email` over a local mailbox folder, in its own virtualenv."""

    def __init__(self, workdir: Path, cache: Path):
        self.workdir = workdir / "helpdesk"
        self.project = self.workdir / "project"
        self.venv = cache / HELPDESK.replace("==", "-")
        self.python = self.venv / "bin" / "python"
        self.template = self.workdir / "template.sqlite3"
        self.folder = self.workdir / "mailbox"

    def install(self, out) -> None:
        if self.python.exists():
            return
        out.write(f"installing {HELPDESK} into {self.venv} (once)\n")
        venv.create(self.venv, with_pip=True)
        subprocess.run([str(self.python), "-m", "pip", "install", "--quiet", HELPDESK,
                        "Django>=5.2,<5.3"], check=True)

    def env(self, database: Path) -> dict:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HELPDESK_DB": str(database),
                "HELPDESK_MEDIA": str(self.workdir / "media"),
                "DJANGO_SETTINGS_MODULE": "hdbench.settings"}

    def prepare(self) -> None:
        package = self.project / "hdbench"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "settings.py").write_text(_HELPDESK_SETTINGS)
        (package / "urls.py").write_text(_HELPDESK_URLS)
        env = self.env(self.template)
        django_admin = [str(self.python), "-m", "django"]
        subprocess.run([*django_admin, "migrate", "--no-input", "-v0"], cwd=self.project,
                       env=env, check=True)
        code = _HELPDESK_QUEUE.format(folder=self.folder)
        subprocess.run([*django_admin, "shell", "--no-imports", "-c", code], cwd=self.project,
                       env=env, check=True)

    def run(self, files: list[Path], round_no: int) -> Run:
        database = self.workdir / f"round-{round_no}.sqlite3"
        shutil.copy(self.template, database)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir()
        for path in files:
            shutil.copy(path, self.folder / path.name)
        env = self.env(database)
        wall, cpu, _out = timed([str(self.python), "-c", _HELPDESK_GET_EMAIL],
                                cwd=self.project, env=env)
        count = subprocess.run(
            [str(self.python), "-m", "django", "shell", "--no-imports", "-c",
             "from helpdesk.models import FollowUp; print(FollowUp.objects.count())"],
            cwd=self.project, env=env, capture_output=True, text=True, check=True)
        database.unlink()
        return Run(wall, cpu, int(count.stdout.split()[-1]))


def write_corpus(folder: Path, messages: int, seed: int) -> list[Path]:
    """The regional corpus of the e-mail benchmark, one .eml file a message."""
    from salter.bench.corpus import CorpusBuilder
    from salter.bench.email import ADDRESS

    folder.mkdir()
    known = []  # every message a new matter or a machine's: both sides start empty
    corpus = CorpusBuilder(seed=seed, to=ADDRESS, known=known).build(messages)
    paths = []
    for i, raw in enumerate(corpus.messages):
        path = folder / f"{i:05d}.eml"
        path.write_bytes(raw)
        paths.append(path)
    return paths


def run(*, messages: int, rounds: int, seed: int, helpdesk: bool, workdir: Path, out) -> None:
    files = write_corpus(workdir / "files", messages, seed)
    # What a run costs before its first file (interpreter, Django, the apps): measured by
    # a run over one file, so that the rate of the work itself can be told apart.
    one = files[:1]
    ours = Salter(workdir, "subotica")
    ours.prepare()
    theirs = None
    if helpdesk:
        theirs = Helpdesk(workdir, Path(settings.VAR_DIR).parent / "var" / "bench-cache")
        theirs.install(out)
        theirs.prepare()
    out.write(f"{messages} files, {rounds} rounds in turn; load average "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()) + "\n")
    results: dict[str, list[Run]] = {"salter": [], "helpdesk": []}
    fixed: dict[str, list[float]] = {"salter": [], "helpdesk": []}
    for round_no in range(1, rounds + 1):
        sides = [("salter", ours)] + ([("helpdesk", theirs)] if theirs else [])
        for name, side in sides:
            fixed[name].append(side.run(one, 1000 + round_no).wall)
            result = side.run(files, round_no)
            results[name].append(result)
            out.write(f"round {round_no} {name}: {result.wall:.2f} s wall, {result.cpu:.2f} s "
                      f"CPU, {result.rate(messages):,.0f} files/s, {result.handled} handled\n")
            out.flush()
    _summary(results, fixed, messages, out)


def _summary(results: dict[str, list[Run]], fixed: dict[str, list[float]], messages: int,
             out) -> None:
    work = {}
    for name, runs in results.items():
        if runs:
            wall = statistics.median(r.wall for r in runs)
            start = statistics.median(fixed[name])
            work[name] = [r.wall - start for r in runs]
            out.write(f"{name}: median {wall:.2f} s = {messages / wall:,.0f} files/s "
                      f"(min {min(r.wall for r in runs):.2f}, max "
                      f"{max(r.wall for r in runs):.2f}); a run over one file "
                      f"{start:.2f} s, so the files themselves "
                      f"{messages / max(wall - start, 1e-9):,.0f} files/s\n")
    if results["helpdesk"]:
        ratios = [h.wall / s.wall for s, h in zip(results["salter"], results["helpdesk"],
                                                   strict=True)]
        out.write(f"salter is {statistics.median(ratios):.1f}× as fast as django-helpdesk, "
                  f"whole runs (median of the rounds' ratios; "
                  f"{min(ratios):.1f}–{max(ratios):.1f})\n")
        files_only = [h / s for s, h in zip(work["salter"], work["helpdesk"], strict=True)]
        out.write(f"salter is {statistics.median(files_only):.1f}× as fast over the files "
                  f"themselves, each side's one-file run taken off "
                  f"({min(files_only):.1f}–{max(files_only):.1f})\n")
