"""A case that belongs to another municipality is transferred to that municipality's
inbox: a case of its own there, with the history that may travel and a note; the
sending side keeps a stub; a matter never goes round in circles."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salter.cases.actions import add_note, transfer_case
from salter.cases.models import Case, CaseEvent, CaseTransfer
from salter.cases.workflow import Status
from salter.clients.models import Client
from salter.documents.models import Document
from salter.procedures.models import Deadline
from salter.tenancy.models import Municipality
from salter.tenancy.onboarding import activate_municipality
from salter.tenancy.roles import Role
from tests.channels.email.corpus import build_message
from tests.factories import make_member, make_municipality
from tests.intake import conftest as intake

pytestmark = pytest.mark.django_db
Event = CaseEvent.Kind
citizen, deliver = intake.citizen, intake.deliver


@pytest.fixture
def sombor(db):
    make_municipality("sombor", name="Sombor", active=False)
    return activate_municipality("sombor").municipality


@pytest.fixture
def somborka(sombor):
    return make_member(sombor, Role.REGISTRY_CLERK, username="somborka")


@pytest.fixture
def misrouted(deliver, municipality):
    """A citizen's e-mail about Sombor that reached Subotica, with a photograph."""
    from tests.channels.email.corpus import Part

    activate_municipality(municipality.slug)  # its procedures and default rule
    _outcome, inbound = deliver(build_message(
        subject="Rupa u Ulici Kralja Petra u Somboru", body="Rupa je duboka.",
        message_id="<sombor-rupa@example.net>",
        attachments=[Part("rupa.jpg", "image/jpeg", b"\xff\xd8\xff fotografija")]))
    return inbound.case


def test_a_transfer_opens_a_case_of_the_receiving_municipality_and_leaves_a_stub(
        clerk, misrouted, sombor):
    add_note(actor=clerk, case=misrouted, text="Interna beleška: ne putuje.")

    transfer = transfer_case(actor=clerk, case=misrouted, to=sombor,
                             note="Ulica Kralja Petra je u Somboru.")

    received = transfer.to_case
    assert received.municipality == sombor
    assert received.pk != misrouted.pk  # numbered by Sombor's own delovodnik
    assert received.registry_number == transfer.to_number
    assert received.case_type is not None and received.department is not None  # routed
    assert received.deadlines.filter(kind=Deadline.Kind.RESOLUTION).exists()
    [client] = received.clients.all()
    assert (client.municipality, client.display_name) == (sombor, "Marko Petrović")
    assert client.contact_points.get().value == "marko.petrovic@example.net"
    texts = list(received.events.filter(kind=Event.MESSAGE_IN).values_list("text", flat=True))
    assert texts == ["Rupa je duboka."]
    [photo] = Document.objects.filter(case=received)
    assert (photo.municipality, photo.filename, photo.client) == (sombor, "rupa.jpg", client)
    assert not received.events.filter(text__contains="Interna beleška").exists()
    arrived = received.events.get(kind=Event.TRANSFERRED)
    assert arrived.after == {"direction": "in", "municipality": "Subotica",
                             "number": misrouted.registry_number}
    assert arrived.text == "Ulica Kralja Petra je u Somboru."

    stub = Case.objects.get(pk=misrouted.pk)
    assert stub.status == Status.CLOSED
    sent = stub.events.get(kind=Event.TRANSFERRED)
    assert sent.after == {"direction": "out", "municipality": "Sombor",
                          "number": received.registry_number}
    assert stub.deadlines.count() == 2
    assert set(stub.deadlines.values_list("state", flat=True)) == {Deadline.State.STOPPED}


def test_a_known_client_of_the_receiving_municipality_is_found_by_their_address(
        clerk, misrouted, sombor, somborka):
    from salter.clients.actions import create_client
    from salter.clients.models import ContactPoint

    there = create_client(actor=somborka, first_name="Marko", last_name="Petrović",
                          contacts=[(ContactPoint.Kind.EMAIL, "marko.petrovic@example.net")])

    transfer = transfer_case(actor=clerk, case=misrouted, to=sombor, note="Sombor.")

    assert list(transfer.to_case.clients.all()) == [there]
    assert Client.objects.filter(municipality=sombor).count() == 1


def test_sending_a_matter_back_where_it_came_from_is_refused(clerk, misrouted, sombor,
                                                            somborka):
    transfer = transfer_case(actor=clerk, case=misrouted, to=sombor, note="Sombor.")

    with pytest.raises(ValidationError) as refused:
        transfer_case(actor=somborka, case=transfer.to_case,
                      to=Municipality.objects.get(slug="subotica"), note="Ipak Subotica.")

    assert "round in circles" in refused.value.message_dict["to"][0]
    assert Case.objects.get(pk=transfer.to_case.pk).status != Status.CLOSED
    assert CaseTransfer.objects.count() == 1


@pytest.mark.parametrize("target, message", [
    ("subotica", "Choose the municipality"), ("kula", "does not work in Šalter yet")])
def test_a_transfer_to_itself_or_a_municipality_not_on_salter_is_refused(
        clerk, misrouted, target, message):
    make_municipality("kula", name="Kula", active=False)
    with pytest.raises(ValidationError) as refused:
        transfer_case(actor=clerk, case=misrouted, to=Municipality.objects.get(slug=target),
                      note="Greška.")

    assert message in refused.value.message_dict["to"][0]
    assert Case.objects.get(pk=misrouted.pk).status != Status.CLOSED


def test_a_transfer_needs_its_note(clerk, misrouted, sombor):
    with pytest.raises(ValidationError) as refused:
        transfer_case(actor=clerk, case=misrouted, to=sombor, note="  ")

    assert "note" in refused.value.message_dict
    assert not Case.objects.filter(municipality=sombor).exists()


def test_an_officer_may_not_transfer(officer, misrouted, sombor):
    with pytest.raises(PermissionDenied):
        transfer_case(actor=officer, case=misrouted, to=sombor, note="Sombor.")
