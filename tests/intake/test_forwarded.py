"""A citizen's message forwarded to intake by the municipality's own people or offices:
the case shows the forwarded message, its sender is the client, and the forwarder is on
the timeline. Specifications for attached and inline forwards of the mail programs used
in Vojvodina's offices."""

import pytest

from salter.cases.models import Case, CaseEvent
from salter.channels.email.forwards import inline_forward
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import Client
from salter.tenancy.roles import Role
from tests.channels.email.corpus import build_message, forwarded
from tests.factories import make_department, make_mailbox, make_member
from tests.intake.conftest import CITIZEN

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind

CITIZEN_TEXT = "Poštovani, kontejner u Ulici Maksima Gorkog nije ispražnjen dve nedelje."


@pytest.fixture
def staff_address(municipality):
    """A clerk of the municipality, whose own address is a municipal one."""
    return make_member(municipality, Role.REGISTRY_CLERK, username="jelena").user.email


def citizen_mail(**fields) -> bytes:
    return build_message(**{"subject": "Kontejner nije ispražnjen", "body": CITIZEN_TEXT,
                            "message_id": "<kontejner-1@example.net>", **fields})


def assert_case_of_the_citizen(inbound, forwarder: str):
    assert inbound.state == InboundMessage.State.PROCESSED
    case = inbound.case
    client = case.clients.get()
    assert client.contact_points.get().value == CITIZEN
    assert (client.first_name, client.last_name) == ("Marko", "Petrović")
    message_in = case.events.get(kind=Kind.MESSAGE_IN)
    assert CITIZEN_TEXT in message_in.text
    assert message_in.after["forwarded_by"]["value"] == forwarder
    assert message_in.after["sender"] == CITIZEN
    ack = OutboundMessage.objects.get(case=case, purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)
    assert ack.recipient == CITIZEN
    assert not Client.objects.filter(contact_points__value=forwarder).exists()
    return case


def test_message_forwarded_as_attachment_by_staff_belongs_to_the_citizen(
        deliver, staff_address):
    outcome, inbound = deliver(build_message(
        from_name="Jelena Test", from_address=staff_address, subject="Fwd: Kontejner",
        body="Prosleđujem prijavu građanina.", message_id="<fwd-1@subotica.rs>",
        attachments=[forwarded(citizen_mail())]))

    assert outcome == "created"
    case = assert_case_of_the_citizen(inbound, staff_address)
    assert case.subject == "Kontejner nije ispražnjen"
    assert inbound.metadata["forward"]["note"] == "Prosleđujem prijavu građanina."
    assert inbound.metadata["forward"]["message_id"] == "fwd-1@subotica.rs"
    ack = OutboundMessage.objects.get(case=case)
    assert ack.in_reply_to == "<kontejner-1@example.net>"  # threads in the citizen's mail


GMAIL = """Molim vas da ovo preuzmete.

---------- Forwarded message ---------
From: Marko Petrović <marko.petrovic@example.net>
Date: Mon, 2 Nov 2026 at 10:15
Subject: Kontejner nije ispražnjen
To: <komunalno@subotica.rs>


{text}
"""
OUTLOOK = """Za postupanje.

________________________________
Od: Marko Petrović <marko.petrovic@example.net>
Poslato: ponedeljak, 2. novembar 2026. 10:15
Za: Komunalno <komunalno@subotica.rs>
Tema: Kontejner nije ispražnjen

{text}
"""
THUNDERBIRD = """-------- Továbbított üzenet --------
Tárgy: 	Kontejner nije ispražnjen
Dátum: 	Mon, 2 Nov 2026 10:15:00 +0100
Feladó: 	Marko Petrović <marko.petrovic@example.net>
Címzett: 	komunalno@subotica.rs

{text}
"""


@pytest.mark.parametrize(("subject", "body"), [
    ("Fwd: Kontejner nije ispražnjen", GMAIL),
    ("FW: Kontejner nije ispražnjen", OUTLOOK),
    ("Fwd: Kontejner nije ispražnjen", THUNDERBIRD),
])
def test_inline_forward_by_a_department_address_belongs_to_the_citizen(
        deliver, municipality, subject, body):
    make_department(municipality, name="Komunalno", email="komunalno@subotica.rs")

    outcome, inbound = deliver(build_message(
        from_name="Komunalno", from_address="komunalno@subotica.rs", subject=subject,
        body=body.format(text=CITIZEN_TEXT), message_id="<fwd-2@subotica.rs>"))

    assert outcome == "created"
    case = assert_case_of_the_citizen(inbound, "komunalno@subotica.rs")
    assert case.subject == "Kontejner nije ispražnjen"


def test_forward_from_the_intake_mailbox_itself_is_the_citizens_not_a_loop(
        deliver, municipality):
    make_mailbox(municipality, "pisarnica@subotica.rs")

    outcome, inbound = deliver(build_message(
        from_address="pisarnica@subotica.rs", subject="Fwd: Kontejner",
        body=GMAIL.format(text=CITIZEN_TEXT), message_id="<fwd-3@subotica.rs>"))

    assert outcome == "created"
    assert_case_of_the_citizen(inbound, "pisarnica@subotica.rs")


def test_a_citizen_forwarding_someone_elses_mail_is_the_client_themselves(deliver):
    outcome, inbound = deliver(build_message(
        from_name="Ana Kovač", from_address="ana@example.org", subject="Fwd: Kontejner",
        body=GMAIL.format(text=CITIZEN_TEXT), message_id="<fwd-4@example.org>"))

    assert outcome == "created"
    client = inbound.case.clients.get()
    assert client.contact_points.get().value == "ana@example.org"
    message_in = inbound.case.events.get(kind=Kind.MESSAGE_IN)
    assert "forwarded_by" not in message_in.after
    assert CITIZEN_TEXT in message_in.text  # the forwarded content is what she sends


def test_mail_between_offices_is_not_taken_for_a_citizens_forward(
        deliver, municipality, staff_address):
    make_department(municipality, name="Komunalno", email="komunalno@subotica.rs")
    internal = GMAIL.replace("Marko Petrović <marko.petrovic@example.net>",
                             "Komunalno <komunalno@subotica.rs>")

    outcome, inbound = deliver(build_message(
        from_address=staff_address, subject="Fwd: interno",
        body=internal.format(text="Interna napomena."), message_id="<fwd-5@subotica.rs>"))

    assert outcome == "created"
    assert inbound.case.clients.get().contact_points.get().value == staff_address


def test_the_citizens_message_and_its_forward_are_one_case(deliver, staff_address):
    """The citizen wrote to the municipality and to a clerk, who forwarded it: the forward
    carries the citizen's Message-ID, so it is recognised as the same message."""
    first, original = deliver(citizen_mail())

    second, forward = deliver(build_message(
        from_address=staff_address, subject="Fwd: Kontejner", body="Vidi ovo.",
        message_id="<fwd-6@subotica.rs>", attachments=[forwarded(citizen_mail())]))

    assert (first, second) == ("created", "duplicate")
    assert forward.case == original.case
    assert Case.objects.count() == 1


# --- reading the forwarded block --------------------------------------------------------------


def test_inline_forward_reads_sender_subject_and_text():
    found = inline_forward(GMAIL.format(text=CITIZEN_TEXT))

    assert found.from_address == "marko.petrovic@example.net"
    assert found.from_name == "Marko Petrović"
    assert found.subject == "Kontejner nije ispražnjen"
    assert found.text == CITIZEN_TEXT
    assert found.note == "Molim vas da ovo preuzmete."


def test_outlook_history_of_a_reply_is_not_a_forward():
    reply = OUTLOOK.replace("Za postupanje.", "Hvala, rešeno.")
    assert inline_forward(reply) is None  # a reply's history, without "FW:"
    assert inline_forward(reply, forward_subject=True).from_address == (
        "marko.petrovic@example.net")


def test_a_marker_without_a_sender_is_no_forward():
    assert inline_forward("---------- Forwarded message ---------\nSubject: x\n\ntext") is None
