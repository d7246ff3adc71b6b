"""`salter serve` runs the web app with a worker beside it and stops both on SIGTERM,
as a service manager or container runtime stops it."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from salter.management.commands.serve import _AnsweringAtOnce

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    """The test database, so that the worker finds its tables."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child that exited but was not reaped yet is not running either.
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split(") ")[-1].startswith("Z"))


def _wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_sigterm_stops_the_web_server_and_its_worker(tmp_path):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONUNBUFFERED": "1",
           "SALTER_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "salter.settings"}
    serve = subprocess.Popen([sys.executable, "-m", "salter.cli", "serve", "--addr",
                              f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        started = re.search(r"worker started \(pid (\d+)\)", serve.stdout.readline())
        assert started, "serve did not start a worker"
        worker = int(started.group(1))
        assert _wait_until(lambda: _answers(f"http://127.0.0.1:{port}/accounts/login/"), 60)
        assert _alive(worker)

        serve.send_signal(signal.SIGTERM)

        assert serve.wait(timeout=30) != -signal.SIGTERM  # it stopped, not killed outright
        assert _wait_until(lambda: not _alive(worker), 15), "the worker outlived serve"
        assert not _answers(f"http://127.0.0.1:{port}/accounts/login/")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_the_web_server_answers_without_waiting_for_the_clients_acknowledgement():
    """Nagle's algorithm is off on every connection the server accepts: an answer's head
    and body go out at once, not 40 ms apart (the client's delayed acknowledgement)."""
    server = _AnsweringAtOnce(("127.0.0.1", 0), None, bind_and_activate=True)
    try:
        with socket.create_connection(server.server_address[:2], timeout=5):
            accepted, _address = server.get_request()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()


def test_the_request_log_names_the_path_but_not_its_query(caplog):
    """A gateway's callback carries its shared secret in the query, Kannel's MO also the
    sender's number and the text: the server's log line keeps the path only."""
    import logging
    import threading

    from django.core.servers.basehttp import WSGIRequestHandler

    def app(environ, start_response):
        start_response("202 Accepted", [("Content-Type", "text/plain")])
        return [environ["QUERY_STRING"].encode()]

    server = _AnsweringAtOnce(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(app)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    host, port = server.server_address[:2]
    query = "secret=s3cr3t-of-subotica&sender=%2B381641234567&text=Rupa+na+putu"
    try:
        with caplog.at_level(logging.INFO, logger="django.server"):
            with urllib.request.urlopen(
                    f"http://{host}:{port}/gateway/sms/kannel/subotica/mo/?{query}",
                    timeout=5) as response:
                assert response.read().decode() == query  # the app still gets the query
            assert _wait_until(lambda: caplog.records, 5)
    finally:
        server.shutdown()
        server.server_close()
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "/gateway/sms/kannel/subotica/mo/" in logged and "202" in logged
    for secret in ("s3cr3t-of-subotica", "381641234567", "Rupa"):
        assert secret not in logged
