"""Our own message ids are looked up in the municipality's index: a bounce or an SMS
delivery report names the message it is about, a citizen's reply quotes it. The look-ups
run inside the intake transaction, so a walk over the municipality's outbound messages
(hundreds of thousands after a few years) would hold every other writer up."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salter.channels.models import OutboundMessage
from salter.channels.outbox import _reported_messages
from salter.intake.items import DeliveryReport
from salter.intake.lookup import _referenced_cases
from tests.scale.plans import full_scans, plan_of, sorts
from tests.workspace.conftest import new_case

pytestmark = pytest.mark.django_db

TABLE = "channels_outboundmessage"


@pytest.fixture
def sent(clerk, municipality, other_municipality):
    case = new_case(clerk, subject="Ulična rasveta")
    ours = OutboundMessage.objects.create(
        municipality=municipality, channel="email", case=case, recipient="a@example.net",
        body_text="Primili smo vašu poruku.", external_id="<ack-1@subotica.example>")
    OutboundMessage.objects.create(
        municipality=other_municipality, channel="email", recipient="a@example.net",
        body_text="Primili smo vašu poruku.", external_id="<ack-1@subotica.example>")
    return ours


def _statements_on_outbound(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        found = run()
    statements = [q["sql"] for q in queries if TABLE in q["sql"].split("WHERE")[0]]
    assert statements, "no statement read the outbound messages"
    return found, statements


def _uses_the_id_index(text: str) -> bool:
    if connection.vendor == "postgresql":
        return "external_id" in text and "Index" in text
    return "external_id=?" in text


def test_a_delivery_report_finds_our_message_by_its_id_in_the_index(sent, municipality):
    report = DeliveryReport(state=OutboundMessage.State.BOUNCED,
                            external_ids=("ack-1@subotica.example",))
    found, statements = _statements_on_outbound(
        lambda: _reported_messages(municipality, report))
    assert found == [sent]  # the other municipality's message with the same id is not ours
    text = plan_of(statements[0])
    assert full_scans(text, TABLE) == [], text
    assert sorts(text) == [], text
    assert _uses_the_id_index(text), text


def test_a_reply_finds_the_case_of_the_message_it_quotes_in_the_index(sent, municipality):
    (ours, _theirs), statements = _statements_on_outbound(
        lambda: _referenced_cases(municipality, {"ack-1@subotica.example"}))
    assert {key: case_id for key, (_at, case_id) in ours.items()} == {
        "ack-1@subotica.example": sent.case_id}
    text = plan_of(statements[0])
    assert full_scans(text, TABLE) == [], text
    assert _uses_the_id_index(text), text
