"""The demo's mail sink: what the outbox sends over real SMTP is kept, and staff of the
municipality read it on the sent-mail page, which exists only with DEBUG on."""

import pytest
from django.urls import reverse

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels import outbox
from salter.channels.email.sink import kept_messages, start_sink
from salter.channels.models import OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from tests.channels.conftest import CITIZEN_EMAIL

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def sink(settings, tmp_path):
    settings.SALTER_MAIL_SINK_DIR = tmp_path / "sent-mail"
    controller = start_sink()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield controller
    controller.stop()


def _send(actor, case, client, subject: str) -> OutboundMessage:
    message = outbox.queue_message(actor=actor, case=case, client=client,
                                   recipient=client.contact_points.get().value,
                                   subject=subject, body="Poštovani, predmet je rešen.",
                                   purpose=OutboundMessage.Purpose.REPLY)
    assert outbox.send_outbound.call(message.pk) == OutboundMessage.State.SENT
    message.refresh_from_db()
    return message


def test_what_the_outbox_sends_is_kept_as_the_recipient_gets_it(sink, clerk, case, citizen):
    message = _send(clerk, case, citizen, "Odgovor")

    [kept] = kept_messages()
    assert kept.message_id == message.external_id
    assert kept.to == CITIZEN_EMAIL
    assert kept.subject == f"[{case.registry_number}] Odgovor"
    assert "predmet je rešen" in kept.text


def test_staff_read_their_municipalitys_sent_mail_only_with_debug_on(
        sink, client, settings, clerk, case, citizen, other_clerk):
    mine = _send(clerk, case, citizen, "Za Suboticu")
    stranger = create_client(actor=other_clerk, first_name="Ana", last_name="Kovač",
                             contacts=[(ContactPoint.Kind.EMAIL, "ana@example.org")])
    elsewhere = create_case(actor=other_clerk, subject="Sombor", channel=Channel.EMAIL,
                            clients=[stranger])
    _send(other_clerk, elsewhere, stranger, "Za Sombor")
    client.force_login(clerk.user)
    page_url = reverse("channels:sent_mail", kwargs={"municipality": "subotica"})

    settings.DEBUG = True
    page = client.get(page_url).content.decode()
    assert "Za Suboticu" in page and case.registry_number in page
    assert "Za Sombor" not in page and elsewhere.registry_number not in page
    assert mine.recipient in page

    settings.DEBUG = False
    assert client.get(page_url).status_code == 404
