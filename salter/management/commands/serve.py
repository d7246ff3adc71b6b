"""Run the whole of Šalter on one machine: the web app (staff workspace, portal, API)
and a background worker, stopping both together.

SIGTERM (what a service manager, a container runtime or `kill` sends) and SIGHUP (the
terminal closed) stop the web server and then the worker, like Ctrl-C does; should this
process die without a chance to do so, Linux stops the worker anyway (PR_SET_PDEATHSIG).

For production run the WSGI app under a real server and `salter worker` under a process
supervisor instead; this is the demo and development entry point.
"""

import contextlib
import ctypes
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent dies."""
    # Not Linux: no such call, and the signal handlers of serve still stop the worker.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Serve the web app and run a worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, addr, no_worker, **options):
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGHUP, _exit_on_signal)
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "salter.cli", "worker"],
                                      preexec_fn=_stop_with_parent)
            self.stdout.write(f"worker started (pid {worker.pid})")
            self.stdout.flush()
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
