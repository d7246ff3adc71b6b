"""`salter bench sms`, inside the throwaway benchmark database.

1. Accept: MO texts as Kannel's smsbox sends them (GET on the get-url with every escape
   filled in), each through Šalter's whole request stack (middleware, the MO view, the
   durable accept and its processing task) with Django's WSGI handler in this process —
   no socket, so the figure is Šalter's, not a web server's.
2. Processing: `salter worker` subprocesses settle them through the SMS adapter and the
   one intake road, until every text is settled; then the outcome is verified (every text
   settled once, no case twice, registry numbers without gaps, one acknowledgement per
   new case at most).
3. MT into Kannel: with Kannel installed, acknowledgements handed to a real bearerbox and
   smsbox (fake SMSC, a fakesmsc phone) through sendsms, one after another as the outbox
   sends them.
"""

import random
import tempfile
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.test import Client

from salter.bench.email import Figures, percentile, process
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


def accept(texts) -> Figures:
    http = Client()
    secret = kannel.mo_secret(SLUG)
    url = f"/gateway/sms/kannel/{SLUG}/mo/"
    per_message, started = [], time.perf_counter()
    for i, (sender, text, coding) in enumerate(texts):
        query = mo_query(secret, sender, text, coding, f"bench-{i}")
        t0 = time.perf_counter()
        response = http.get(f"{url}?{query}", secure=True)
        per_message.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 202:
            raise RuntimeError(f"MO {i} answered {response.status_code}: "
                               f"{response.content[:200]!r}")
    return Figures(len(texts), time.perf_counter() - started, per_message)


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


def run(*, messages: int, workers: int, seed: int, out, log_path, timeout: float) -> bool:
    municipality = activate_municipality(SLUG).municipality
    Endpoint.objects.get_or_create(municipality=municipality, channel=Channel.SMS,
                                   address=SHORT_CODE)
    texts = corpus(messages, seed)
    cyrillic = sum(1 for _s, _t, coding in texts if coding == "2")
    out.write(f"corpus: {messages} texts from {len({s for s, _t, _c in texts})} numbers, "
              f"{cyrillic} in Cyrillic (UCS-2)\n")
    accepted = accept(texts)
    out.write(accepted.line("accept (HTTP MO endpoint, durable, one text a request)") + "\n")
    window, _cost, wall = process(messages, workers, log_path, timeout)
    out.write(window.line(f"processing ({workers} workers), latency claim→settled") + "\n")
    out.write(f"processed: wall time from starting the workers {wall:.2f} s = "
              f"{messages / wall:,.0f} texts/s; p50 latency "
              f"{percentile(window.per_message_ms, 50):.0f} ms\n")
    ok, line = verify(municipality, messages)
    out.write(line + "\n")
    mt_into_kannel(min(messages, 1000), out)
    return ok
