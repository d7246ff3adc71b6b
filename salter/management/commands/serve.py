"""Run the whole of Šalter on one machine: the web app (staff workspace, portal, API)
and a background worker, stopping both together.

For production run the WSGI app under a real server and `salter worker` under a process
supervisor instead; this is the demo and development entry point.
"""

import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app and run a worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, addr, no_worker, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "salter.cli", "worker"])
            self.stdout.write(f"worker started (pid {worker.pid})")
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
