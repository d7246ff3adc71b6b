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
import os
import signal
import socket
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands import runserver
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent dies."""
    # Not Linux: no such call, and the signal handlers of serve still stop the worker.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class _LoggingPathsOnly(WSGIRequestHandler):
    """Django's request handler, whose log line names the path without its query: a
    gateway's callback carries its shared secret there, and Kannel's MO the sender's
    number and the text (personal data), neither of which belongs in a log."""

    def log_request(self, code="-", size="-"):
        line = self.requestline
        method, _, rest = line.partition(" ")
        target, _, version = rest.partition(" ")
        if "?" in target:
            self.requestline = f"{method} {target.split('?', 1)[0]}?… {version}".rstrip()
        try:
            super().log_request(code, size)
        finally:
            self.requestline = line


class _AnsweringAtOnce(WSGIServer):
    """Django's server, with Nagle's algorithm off on every connection it accepts.

    It writes an answer's head and its body as two small segments. With Nagle on, the
    second waits until the client acknowledges the first, and a client acknowledges
    late on purpose (Linux: up to 40 ms) while it waits for more: every answer on a
    kept-alive connection, each of Kannel's MO callbacks, took about 45 ms on loopback
    however little work Šalter did for it (docs/performance.md)."""

    def __init__(self, server_address, handler_class, *args, **kwargs):
        if handler_class is WSGIRequestHandler:
            handler_class = _LoggingPathsOnly
        super().__init__(server_address, handler_class, *args, **kwargs)

    def get_request(self):
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class _RunServer(runserver.Command):
    server_cls = _AnsweringAtOnce


class Command(BaseCommand):
    help = "Serve the web app and run a worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument(
            "--mail-sink", type=int, default=None, metavar="PORT",
            help="keep the mail Šalter sends in a local sink instead of sending it (0: any "
                 "free port); staff read it on the sent-mail page. For demos only.")

    def handle(self, addr, no_worker, mail_sink, **options):
        signal.signal(signal.SIGTERM, _exit_on_signal)
        signal.signal(signal.SIGHUP, _exit_on_signal)
        sink = None
        if mail_sink is not None:
            from salter.channels.email.sink import start_sink

            sink = start_sink(port=mail_sink)
            # The worker below, which sends, inherits where to.
            os.environ.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port),
                               "EMAIL_HOST_USER": "", "EMAIL_USE_TLS": "0",
                               "EMAIL_USE_SSL": "0"})
            self.stdout.write(f"mail sink on 127.0.0.1:{sink.port}: sent mail is kept in "
                              f"{settings.SALTER_MAIL_SINK_DIR}")
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "salter.cli", "worker"],
                                      preexec_fn=_stop_with_parent)
            self.stdout.write(f"worker started (pid {worker.pid})")
            self.stdout.flush()
        try:
            call_command(_RunServer(), addr, use_reloader=False)
        finally:
            if sink is not None:
                sink.stop()
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
