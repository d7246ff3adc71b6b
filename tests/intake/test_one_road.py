"""One road for every message: a single message is a batch of one, and every rule gives
the same answer whether a message is settled alone or among many."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from salter.cases.actions import change_case_status, create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.cases.workflow import Status
from salter.channels.email.accept import accept_emails
from salter.channels.email.adapter import EmailAdapter
from salter.channels.models import InboundMessage
from salter.channels.outbox import queue_message
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.intake import apply
from salter.intake.pipeline import process_batch
from salter.lang.deferred import Deferred
from salter.requests.actions import Ask, ask_departments
from salter.requests.models import DepartmentRequest
from salter.tenancy.models import Department
from tests.channels.email.corpus import build_bounce, build_message
from tests.intake.conftest import CITIZEN

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind
State = InboundMessage.State


def test_the_pipeline_imports_no_channel():
    """Intake knows channels only through the adapter registry."""
    # The SMS channel is an app of its own: Django loads its models and jobs at set-up;
    # what counts is what importing intake adds.
    code = ("import sys, django; django.setup(); before = set(sys.modules); "
            "import salter.intake.pipeline, salter.intake.decide, salter.intake.apply; "
            "print(sorted(m for m in set(sys.modules) - before if m.startswith("
            "('salter.channels.email', 'salter.channels.sms'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=settings.BASE_DIR, check=True,
                            env={"DJANGO_SETTINGS_MODULE": "salter.settings",
                                 "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip() == "[]"


# --- the same answer alone and together -------------------------------------------------------

KINDS = ("new", "new-again", "known", "reply", "stranger", "closed", "automatic", "bounce",
         "copy", "other-copy", "no-sender", "unreadable", "reply-in-batch", "request-answer",
         "request-by-reference", "request-stranger")
BODY = "pisarnica@jkp-vodovod.rs"


class World:
    """A citizen with an open case and a closed one, a message of ours to them, and a
    request of the case to an outside body."""

    def __init__(self, clerk):
        self.citizen = create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                                     contacts=[(ContactPoint.Kind.EMAIL, CITIZEN)])
        self.case = create_case(actor=clerk, subject="Rupa", channel=Channel.EMAIL,
                                clients=[self.citizen])
        self.closed = create_case(actor=clerk, subject="Staro", channel=Channel.EMAIL,
                                  clients=[self.citizen])
        change_case_status(actor=clerk, case=self.closed, status=Status.CLOSED)
        self.ours = queue_message(actor=clerk, case=self.case, client=self.citizen,
                                  recipient=CITIZEN, subject="Odgovor", body="Molimo dopunu.",
                                  purpose="reply")
        body = Department.objects.create(municipality=clerk.municipality, name="JKP Vodovod",
                                         kind=Department.Kind.OUTSIDE_BODY, email=BODY)
        [self.request] = ask_departments(actor=clerk, case=self.case, asks=[
            Ask(body, "Kada stiže ekipa?", "2 working days")])

    def raw(self, kind: str, i: int) -> bytes:
        mine = f"<mix-{i}@example.net>"
        stranger = {"from_address": f"novi{i}@example.org", "from_name": f"Novi {i}"}
        return {
            "new": lambda: build_message(subject=f"Prijava {i}", message_id=mine, **stranger),
            "new-again": lambda: build_message(subject=f"Još {i}", message_id=mine,
                                               from_address="isti@example.org"),
            "known": lambda: build_message(subject=f"Nova prijava {i}", message_id=mine),
            "reply": lambda: build_message(subject=f"Re: [{self.case.registry_number}] {i}",
                                           message_id=mine),
            "stranger": lambda: build_message(
                subject=f"Re: {self.case.registry_number}", message_id=mine, **stranger),
            "closed": lambda: build_message(subject=f"Re: {self.closed.registry_number}",
                                            message_id=mine),
            "automatic": lambda: build_message(message_id=mine,
                                               headers=[("Auto-Submitted", "auto-replied")]),
            "bounce": lambda: build_bounce(CITIZEN, original=build_message(
                from_address="pisarnica@subotica.rs", to=[CITIZEN],
                message_id=self.ours.external_id)),
            # The same message by another path: the same text, other transport headers.
            "copy": lambda: f"Received: from mx{i}.example.net\r\n".encode() + build_message(
                subject="Kopija", message_id="<kopija@example.net>", body="Isti tekst."),
            "other-copy": lambda: build_message(subject="Kopija",
                                                message_id="<kopija@example.net>",
                                                body=f"Drugi tekst {i}."),
            "no-sender": lambda: build_message(message_id=mine, from_address="nije adresa"),
            "unreadable": lambda: b"",
            "reply-in-batch": lambda: build_message(
                subject="Re: moja prijava", message_id=mine,
                from_address="isti@example.org",
                in_reply_to=f"<mix-{i - 1}@example.net>"),
            "request-answer": lambda: build_message(
                subject=f"Re: {self.request.outbound.subject}", message_id=mine,
                from_address=BODY, body=f"Ekipa stiže u {i} sati.",
                in_reply_to=self.request.outbound.external_id),
            "request-by-reference": lambda: build_message(
                subject=f"Odgovor {self.request.reference}", message_id=mine,
                from_address=BODY, body=f"Odgovor broj {i}."),
            "request-stranger": lambda: build_message(
                subject=f"Re: {self.request.outbound.subject}", message_id=mine,
                from_address="radoznali@example.org",
                in_reply_to=self.request.outbound.external_id),
        }[kind]()


def summary(ids) -> list[tuple]:
    """What became of each message: its outcome, the case it is on or waits for (by
    registry number) with that case's timeline, its client's address, and whether it is
    the answer to a request.

    A case's timeline is compared as the entries it has, opening first: what one
    transaction writes about several messages comes in the order of its bulk writes
    (cases with their acknowledgements, then appends, then delivery reports), all at
    one moment."""
    rows = []
    for pk in ids:
        inbound = InboundMessage.objects.get(pk=pk)
        case = inbound.case or inbound.review_case
        kinds = list(case.events.order_by("pk").values_list("kind", flat=True)) if case else []
        timeline = kinds[:1] + sorted(kinds[1:])
        client = inbound.client.contact_points.first().value if inbound.client else None
        # Of replies to a request, which one is its answer (the others are further ones).
        answers = DepartmentRequest.objects.filter(answer_inbound_id=pk).exists()
        rows.append((inbound.outcome, case.registry_number if case else None, timeline,
                     client, _reason(inbound, ids), answers))
    return rows


def _reason(inbound, ids) -> str:
    """The reason, with a message it names given by its place in the batch (the ids of
    the two runs differ where the database does not reuse them) and without the random
    reference of the request it names."""
    data = inbound.reason_data or {}
    values = data.get("values")
    if isinstance(values, dict) and values.get("id") in ids:
        values = {**values, "id": f"#{ids.index(values['id'])}"}
    if isinstance(values, dict) and "reference" in values:
        values = {**values, "reference": "Z-…"}  # each run's request has its own
    return str(Deferred.from_data({**data, "values": values})) if data else inbound.reason


def settled(clerk, municipality, kinds, *, together: bool):
    with transaction.atomic():
        world = World(clerk)
        raws = [world.raw(kind, i) for i, kind in enumerate(kinds)]
        ids = [a.inbound.pk for a in accept_emails(municipality=municipality, raws=raws,
                                                   source="test", enqueue=False)]
        ids = list(dict.fromkeys(ids))
        if together:
            outcomes = process_batch(ids)
        else:
            outcomes = {}
            for pk in ids:
                outcomes.update(process_batch([pk]))
        result = ([outcomes[pk] for pk in ids], summary(ids),
                  Case.objects.filter(municipality=municipality).count())
        transaction.set_rollback(True)
    return result


@hypothesis_settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=8))
def test_every_rule_decides_alike_for_a_batch_of_one_and_a_batch_of_many(
        clerk, municipality, kinds):
    together = settled(clerk, municipality, kinds, together=True)
    alone = settled(clerk, municipality, kinds, together=False)

    assert together == alone


def test_the_mix_reaches_every_outcome(clerk, municipality):
    """The generated mixes above can reach every outcome intake has."""
    outcomes, _summary, _cases = settled(clerk, municipality, [*KINDS, "copy"], together=True)

    assert set(outcomes) == {"created", "appended", "answered", "duplicate", "ignored",
                             "review", "quarantined"}


# --- a failure stays with its message ---------------------------------------------------------


def test_a_strangers_reply_goes_to_review_even_when_another_message_breaks_the_batch(
        municipality, clerk, monkeypatch, caplog):
    world = World(clerk)
    draft = apply._draft

    def poison(decision, files):
        if decision.item.subject == "Otrov":
            raise RuntimeError("this message breaks whatever holds it")
        return draft(decision, files)

    monkeypatch.setattr(apply, "_draft", poison)
    ids = [a.inbound.pk for a in accept_emails(municipality=municipality, source="test", raws=[
        world.raw("stranger", 1), build_message(subject="Otrov", message_id="<otrov@x.rs>",
                                                from_address="otrov@example.org")])]

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["review", "quarantined"]
    stranger = InboundMessage.objects.get(pk=ids[0])
    assert stranger.review_case == world.case and stranger.case is None
    assert not world.case.events.filter(kind=Kind.MESSAGE_IN).exists()
    assert "settling its messages one by one" in caplog.text
    assert "RuntimeError" in InboundMessage.objects.get(pk=ids[1]).reason


def test_an_adapter_that_raises_quarantines_its_item_and_the_batch_goes_on(
        municipality, monkeypatch):
    interpret = EmailAdapter.interpret

    def fails_on_one(self, inbound, raw, context):
        if b"Kvar" in raw:
            raise RuntimeError("the adapter tripped")
        return interpret(self, inbound, raw, context)

    monkeypatch.setattr(EmailAdapter, "interpret", fails_on_one)
    ids = [a.inbound.pk for a in accept_emails(municipality=municipality, source="test", raws=[
        build_message(subject="Kvar", message_id="<kvar@x.rs>"),
        build_message(subject="Ispravna", message_id="<ok@x.rs>",
                      from_address="ok@example.org")])]

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["quarantined", "created"]
    broken = InboundMessage.objects.get(pk=ids[0])
    assert broken.state == State.QUARANTINED and "the adapter tripped" in broken.reason_shown
