"""`salter worker` killed with SIGKILL in the middle of 1,000 messages and started again:
every message still ends in exactly one case or one append."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.conf import settings

from salter.bench.email import database_url
from salter.cases.actions import create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from tests.channels.email.corpus import build_message
from tests.factories import system

State = InboundMessage.State
MESSAGES = 1000
REPLIES = 50


def closed_port() -> int:
    """A local port nobody listens on: acknowledgements fail fast and wait for a retry."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_worker(log) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "0",
           "SECRET_KEY": "worker-test", "SALTER_MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "EMAIL_PORT": str(closed_port()), "DJANGO_SETTINGS_MODULE": "salter.settings"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--processes", "2", "--interval", "0.1",
         "--housekeeping-every", "1", "--stale-after", "3"],
        cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def settled() -> int:
    return InboundMessage.objects.exclude(state=State.RECEIVED).count()


def wait_for(count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while (done := settled()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return done


def citizens_with_cases(municipality):
    actor = system(municipality)
    cases = []
    for i in range(REPLIES):
        client = create_client(actor=actor, first_name="Građanin", last_name=f"Broj {i}",
                               contacts=[(ContactPoint.Kind.EMAIL, f"stari{i}@example.net")])
        cases.append(create_case(actor=actor, subject=f"Stari predmet {i}",
                                 channel=Channel.EMAIL, clients=[client]))
    return cases


def corpus(cases) -> list[bytes]:
    replies = [build_message(subject=f"Re: [{case.registry_number}] dopuna",
                             from_address=f"stari{i}@example.net",
                             message_id=f"<reply-{i}@example.net>")
               for i, case in enumerate(cases)]
    new = [build_message(subject=f"Prijava broj {i}", from_name=f"Novi Građanin{i}",
                         from_address=f"novi{i}@example.net", message_id=f"<new-{i}@example.net>")
           for i in range(MESSAGES - REPLIES)]
    return [*new[:400], *replies, *new[400:]]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_each_message_exactly_one_case_or_append(municipality, tmp_path):
    cases = citizens_with_cases(municipality)
    raws = corpus(cases)
    for start in range(0, MESSAGES, 250):
        accept_emails(municipality=municipality, raws=raws[start:start + 250], source="test")
    assert InboundMessage.objects.filter(state=State.RECEIVED).count() == MESSAGES

    with open(tmp_path / "worker.log", "wb") as log:
        worker = start_worker(log)
        at_kill = wait_for(150, timeout=300)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        at_kill = settled()
        assert 0 < at_kill < MESSAGES, "the worker must die in the middle of the work"

        worker = start_worker(log)
        try:
            assert wait_for(MESSAGES, timeout=540) == MESSAGES, (tmp_path / "worker.log"
                                                                  ).read_text()[-3000:]
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            assert worker.wait(timeout=60) == 0

    inbound = list(InboundMessage.objects.all())
    outcomes = Counter(m.outcome for m in inbound)
    assert outcomes == {"created": MESSAGES - REPLIES, "appended": REPLIES}
    assert all(m.state == State.PROCESSED and m.case_id for m in inbound)
    messages_in = Counter(CaseEvent.objects.filter(kind=CaseEvent.Kind.MESSAGE_IN)
                          .values_list("ref__inbound", flat=True))
    assert set(messages_in.values()) == {1} and len(messages_in) == MESSAGES
    created_cases = [m.case_id for m in inbound if m.outcome == "created"]
    assert len(set(created_cases)) == MESSAGES - REPLIES
    assert Case.objects.count() == MESSAGES  # 50 old cases + 950 new ones
    sequences = sorted(Case.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, MESSAGES + 1))  # no number lost or given twice
    by_reply = {m.external_id: m.case_id for m in inbound if m.outcome == "appended"}
    assert by_reply == {f"reply-{i}@example.net": case.pk for i, case in enumerate(cases)}
    acks = OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)
    assert acks.count() == MESSAGES - REPLIES
    assert acks.values("inbound").distinct().count() == MESSAGES - REPLIES
