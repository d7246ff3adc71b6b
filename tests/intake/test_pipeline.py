import pytest

from salter.cases.models import Case, CaseEvent
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import Client
from tests.channels.email.corpus import SERBIAN_LATIN, Part, build_message

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind


def test_new_message_from_unknown_sender_opens_case_with_client_and_documents(deliver):
    raw = build_message(subject="Rupa na putu", attachments=[
        Part("fotografija.jpg", "image/jpeg", b"\xff\xd8\xff jpeg")])

    outcome, inbound = deliver(raw)

    assert outcome == "created"
    assert inbound.state == InboundMessage.State.PROCESSED
    case = inbound.case
    client = case.clients.get()
    assert (client.first_name, client.last_name) == ("Marko", "Petrović")
    assert client.contact_points.get().value == "marko.petrovic@example.net"
    assert client.language == "sr-latn"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [Kind.CREATED, Kind.MESSAGE_IN, Kind.MESSAGE_OUT]
    message_in = case.events.get(kind=Kind.MESSAGE_IN)
    assert message_in.ref["inbound"] == inbound.pk
    assert "đubre" in message_in.text
    document = case.documents.get()
    assert document.filename == "fotografija.jpg"
    assert document.client == client
    assert message_in.ref["documents"] == [document.pk]
    ack = OutboundMessage.objects.get(case=case)
    assert ack.purpose == OutboundMessage.Purpose.ACKNOWLEDGEMENT
    assert case.registry_number in ack.subject
    assert case.tracking_code in ack.body_text
    assert ack.in_reply_to == "<20240205101500.1234@example.net>"
    assert Case.objects.count() == 1 and Client.objects.count() == 1
    assert SERBIAN_LATIN[:20] in inbound.body_text
