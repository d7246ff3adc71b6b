"""`salter bench sms`, inside the throwaway benchmark database.

1. Accept: MO texts as Kannel's smsbox sends them (GET on the get-url with every escape
   filled in), over HTTP to the web server `salter serve` runs (`--no-worker`), on
   several keep-alive connections at once as smsbox keeps several requests pending. The
   figure is the server's: Šalter's whole request stack (middleware, the MO view, the
   durable accept and its processing task) plus the server's own HTTP work, and the CPU
   time the server process spent per text.
2. Processing: `salter worker` subprocesses settle them through the SMS adapter and the
   one intake road, until every text is settled; then the outcome is verified (every text
   settled once, no case twice, registry numbers without gaps, one acknowledgement per
   new case at most).
3. MT into Kannel: with Kannel installed, acknowledgements handed to a real bearerbox and
   smsbox (fake SMSC, a fakesmsc phone) through sendsms, one after another as the outbox
   sends them.
"""

import http.client
import os
import random
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from django.conf import settings

from salter.bench.email import (
    Figures,
    percentile,
    process,
    start_command,
    stop_command,
)
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.models import Endpoint, InboundMessage, OutboundMessage
from salter.channels.sms import kannel
from salter.tenancy.onboarding import activate_municipality

SLUG = "subotica"
SHORT_CODE = "1234"
State = InboundMessage.State
LATIN = ["Ne radi ulicna rasveta u ulici {street} {n}",
         "Kontejner nije ispraznjen, {street} {n}, molim hitno",
         "Rupa na kolovozu kod broja {n} u ulici {street}",
         "Pas lutalica ispred skole, {street} {n}",
         "Jos uvek nije popravljeno, {street} {n}. Hvala"]
CYRILLIC = ["Не ради улична расвета у улици {street} {n}",
            "Ђубре није одвезено, {street} {n}, молимо хитно",
            "Поплављен подрум у згради {street} {n}"]
STREETS = ["Matije Gupca", "Korzo", "Zmaj Jovina", "Cara Dusana", "Harambasiceva"]
STREETS_CYRL = ["Матије Гупца", "Корзо", "Змај Јовина", "Цара Душана"]


def corpus(count: int, seed: int) -> list[tuple[str, str, str]]:
    """(sender, text, coding) for `count` texts from a few thousand numbers: most new,
    some writing again, a tenth in Cyrillic (UCS-2)."""
    rng = random.Random(seed)
    numbers = [f"06{rng.choice('0123456')}{rng.randrange(10**6, 10**7)}"
               for _ in range(max(count // 3, 1))]
    texts = []
    for _ in range(count):
        n = rng.randrange(1, 200)
        if rng.random() < 0.1:
            text = rng.choice(CYRILLIC).format(street=rng.choice(STREETS_CYRL), n=n)
            texts.append((rng.choice(numbers), text, "2"))
        else:
            text = rng.choice(LATIN).format(street=rng.choice(STREETS), n=n)
            texts.append((rng.choice(numbers), text, "0"))
    return texts


def mo_query(secret: str, sender: str, text: str, coding: str, message_id: str) -> str:
    data = text.encode("utf-16-be") if coding == "2" else text.encode("utf-8")
    return urllib.parse.urlencode({
        "secret": secret, "from": sender, "to": SHORT_CODE, "text": data, "coding": coding,
        "charset": "UTF-16BE" if coding == "2" else "UTF-8", "udh": "", "smsc": "bench",
        "time": str(int(time.time())), "id": message_id})


def start_server(port: int, log) -> subprocess.Popen:
    """The web server as `salter serve --no-worker` runs it, on this database."""
    return start_command("serve", "--no-worker", "--addr", f"127.0.0.1:{port}", log=log)


def stop_server(server: subprocess.Popen) -> None:
    stop_command(server, timeout=30)


def wait_listening(port: int, server: subprocess.Popen, timeout: float = 120.0) -> None:
    """Until the server answers (a request without the secret: 403, nothing stored)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the web server stopped with exit code {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", f"/gateway/sms/kannel/{SLUG}/mo/", headers=HEADERS)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not answer on port {port} in {timeout:.0f} s")


# The server sits behind the HTTPS proxy of a deployment (docs/operations.md).
HEADERS = {"X-Forwarded-Proto": "https"}


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux), None where unknown."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Sender(threading.Thread):
    """One keep-alive connection to the server, sending the texts it takes in turn."""

    def __init__(self, port: int, requests, lock: threading.Lock):
        super().__init__(daemon=True)
        self.port, self.requests, self.lock = port, requests, lock
        self.per_message: list[float] = []
        self.failure = ""

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while not self.failure:
                with self.lock:
                    item = next(self.requests, None)
                if item is None:
                    return
                i, path = item
                t0 = time.perf_counter()
                connection.request("GET", path, headers=HEADERS)
                response = connection.getresponse()
                body = response.read()
                self.per_message.append((time.perf_counter() - t0) * 1000)
                if response.status != 202:
                    self.failure = f"MO {i} answered {response.status}: {body[:200]!r}"
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                            timeout=60)
        except Exception as exc:  # reported to the bench's caller
            self.failure = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()


def accept(texts, *, port: int, server: subprocess.Popen,
           connections: int) -> tuple[Figures, float | None]:
    """Every text once, over `connections` connections at once; (figures, the server's
    CPU milliseconds per text)."""
    secret = kannel.mo_secret(SLUG)
    url = f"/gateway/sms/kannel/{SLUG}/mo/"
    requests = iter([(i, f"{url}?{mo_query(secret, sender, text, coding, f'bench-{i}')}")
                     for i, (sender, text, coding) in enumerate(texts)])
    lock = threading.Lock()
    senders = [_Sender(port, requests, lock) for _ in range(max(1, connections))]
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds(server.pid)
    failures = [s.failure for s in senders if s.failure]
    if failures:
        raise RuntimeError(failures[0])
    per_message = [ms for sender in senders for ms in sender.per_message]
    cpu = (None if cpu_before is None or cpu_after is None
           else (cpu_after - cpu_before) * 1000 / len(texts))
    return Figures(len(texts), seconds, per_message), cpu


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def verify(municipality, count: int) -> tuple[bool, str]:
    inbound = InboundMessage.objects.filter(municipality=municipality, channel=Channel.SMS)
    outcomes = Counter(inbound.values_list("outcome", flat=True))
    unsettled = inbound.filter(state=State.RECEIVED).count()
    created = list(inbound.filter(outcome="created").values_list("case_id", flat=True))
    unique = len(set(created)) == len(created)
    events = Counter(CaseEvent.objects.filter(municipality=municipality,
                                              kind=CaseEvent.Kind.MESSAGE_IN)
                     .values_list("ref__inbound", flat=True))
    once = set(events.values()) <= {1} and sum(events.values()) == (
        outcomes.get("created", 0) + outcomes.get("appended", 0))
    sequences = sorted(Case.objects.filter(municipality=municipality)
                       .values_list("sequence", flat=True))
    gap_free = sequences == list(range(1, len(sequences) + 1))
    acks = OutboundMessage.objects.filter(municipality=municipality, channel=Channel.SMS,
                                          purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)
    acked = acks.count() <= len(created) and acks.values("case").distinct().count() == \
        acks.count()
    total = sum(outcomes.values())
    ok = total == count and not unsettled and unique and once and gap_free and acked
    parts = ", ".join(f"{name} {outcomes.get(name, 0)}"
                      for name in ("created", "appended", "review", "quarantined"))
    return ok, (f"verification: {'OK' if ok else 'FAILED'}: {parts} = {total} of {count} "
                f"texts; no case twice: {unique}; one timeline entry each: {once}; registry "
                f"1..{len(sequences)} gap-free: {gap_free}; acknowledgements "
                f"{acks.count()} (at most one per case: {acked})")


def mt_into_kannel(count: int, out) -> None:
    from salter.channels.sms.adapter import SmsAdapter
    from salter.channels.sms.devservices import FakePhoneNetwork, kannel_available, start_kannel

    if not kannel_available():
        out.write("MT into Kannel: skipped (Debian kannel and kannel-extras not installed)\n")
        return
    workdir = Path(tempfile.mkdtemp(prefix="salter-bench-kannel-"))
    settings.SALTER_KANNEL_USER, settings.SALTER_KANNEL_PASSWORD = "bench", "bench-secret"
    groups = kannel.config_groups(slug=SLUG, base_url="http://127.0.0.1:9")
    gateway = start_kannel(workdir, groups)
    phones = FakePhoneNetwork(gateway)
    try:
        phones.send(f"0641111111 {SHORT_CODE} text hello")
        settings.SALTER_KANNEL_URL = gateway.sendsms_url
        adapter = SmsAdapter()
        messages = list(OutboundMessage.objects.filter(channel=Channel.SMS)
                        .select_related("municipality", "endpoint", "case", "client")
                        .order_by("pk")[:count])
        if not messages:
            out.write("MT into Kannel: no acknowledgements to send\n")
            return
        per_message, started = [], time.perf_counter()
        for message in messages:
            t0 = time.perf_counter()
            adapter.send(message)
            per_message.append((time.perf_counter() - t0) * 1000)
        figures = Figures(len(messages), time.perf_counter() - started, per_message)
        out.write(figures.line("MT into Kannel (sendsms accepted, one at a time)") + "\n")
    finally:
        phones.stop()
        gateway.stop()


def run(*, messages: int, workers: int, seed: int, out, log_path, timeout: float,
        connections: int = 8) -> bool:
    municipality = activate_municipality(SLUG).municipality
    Endpoint.objects.get_or_create(municipality=municipality, channel=Channel.SMS,
                                   address=SHORT_CODE)
    texts = corpus(messages, seed)
    cyrillic = sum(1 for _s, _t, coding in texts if coding == "2")
    out.write(f"corpus: {messages} texts from {len({s for s, _t, _c in texts})} numbers, "
              f"{cyrillic} in Cyrillic (UCS-2)\n")
    port = free_port()
    with open(log_path, "ab") as log:
        server = start_server(port, log)
        try:
            wait_listening(port, server)
            accepted, cpu = accept(texts, port=port, server=server, connections=connections)
        finally:
            stop_server(server)
    out.write(accepted.line(f"accept (HTTP MO endpoint through `salter serve`, durable, one "
                            f"text a request, {connections} connections)") + "\n")
    if cpu is not None:
        out.write(f"accept: web server CPU {cpu:.2f} ms per text\n")
    window, _cost, wall, _cpu = process(messages, workers, log_path, timeout)
    out.write(window.line(f"processing ({workers} workers), latency claim→settled") + "\n")
    out.write(f"processed: wall time from starting the workers {wall:.2f} s = "
              f"{messages / wall:,.0f} texts/s; p50 latency "
              f"{percentile(window.per_message_ms, 50):.0f} ms\n")
    ok, line = verify(municipality, messages)
    out.write(line + "\n")
    mt_into_kannel(min(messages, 1000), out)
    return ok
