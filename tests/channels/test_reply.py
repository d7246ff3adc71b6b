"""Staff reply to a client from the case page: the action, and its view and panel."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from salter.cases.actions import create_case, reply_to_client
from salter.cases.models import CaseEvent, Channel
from salter.channels.email.accept import accept_email
from salter.channels.models import OutboundMessage
from salter.clients.actions import add_contact_point, create_client, mark_contact_failing
from salter.clients.models import ContactPoint
from salter.intake.pipeline import process_inbound
from salter.tenancy.roles import Role
from tests.channels.conftest import CITIZEN_EMAIL
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db
EMAIL = ContactPoint.Kind.EMAIL


def test_reply_goes_to_the_submitter_in_the_case_language(clerk, case, citizen):
    case.language = "sr"
    case.save()
    message = reply_to_client(actor=clerk, case=case, body="  Поштовани, …  ")

    assert message.recipient == CITIZEN_EMAIL
    assert message.client == citizen
    assert message.language == "sr"
    assert message.purpose == OutboundMessage.Purpose.REPLY
    assert message.body_text == "Поштовани, …"
    assert message.subject == f"[{case.registry_number}] Re: {case.subject}"
    event = case.events.get(kind=CaseEvent.Kind.MESSAGE_OUT)
    assert event.actor == clerk.user and event.ref == {"outbound": message.pk}


def test_reply_skips_a_bouncing_address(clerk, case, citizen):
    point = citizen.contact_points.get(kind=EMAIL)
    add_contact_point(actor=clerk, client=citizen, kind=EMAIL, value="marko@posao.example")
    mark_contact_failing(actor=clerk, point=point, reason="550 no such user")

    assert reply_to_client(actor=clerk, case=case, body="x").recipient == "marko@posao.example"


def test_reply_answers_the_clients_last_message_in_the_thread(clerk, municipality, settings):
    raw = (b"From: Jelena Jovanovic <jelena@example.net>\r\nTo: pisarnica@subotica.test\r\n"
           b"Subject: Ulicna rasveta ne radi\r\nMessage-ID: <first-1@example.net>\r\n"
           b"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n\r\nRasveta u Ulici Zmaj Jovina ne radi.\r\n")
    inbound, _created = accept_email(municipality=municipality, raw=raw, source="test")
    process_inbound(inbound.pk)
    inbound.refresh_from_db()
    assert inbound.case is not None

    message = reply_to_client(actor=clerk, case=inbound.case, body="Popravljeno.")

    assert message.recipient == "jelena@example.net"
    assert message.inbound == inbound
    assert message.in_reply_to == "<first-1@example.net>"
    assert "<first-1@example.net>" in message.references.split()
    assert message.subject.endswith("Re: Ulicna rasveta ne radi")


def test_client_without_e_mail_cannot_be_answered_by_e_mail(clerk):
    walk_in = create_client(actor=clerk, first_name="Ana", last_name="Kiš")
    case = create_case(actor=clerk, subject="Pitanje", channel=Channel.COUNTER, clients=[walk_in])
    with pytest.raises(ValidationError):
        reply_to_client(actor=clerk, case=case, body="Odgovor")
    assert not OutboundMessage.objects.exists()


def test_empty_reply_is_refused(clerk, case):
    with pytest.raises(ValidationError):
        reply_to_client(actor=clerk, case=case, body="   ")


def test_auditor_cannot_reply(municipality, case):
    auditor = make_member(municipality, Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        reply_to_client(actor=auditor, case=case, body="x")


# --- the view ------------------------------------------------------------------------------


def _url(membership, case_id):
    return reverse("channels:case_reply", args=[membership.municipality.slug, case_id])


def _login(client, membership):
    assert client.login(username=membership.user.username, password=PASSWORD)


def test_panel_lists_outgoing_messages_with_their_state(client, clerk, case):
    reply_to_client(actor=clerk, case=case, body="Prvi odgovor")
    _login(client, clerk)

    response = client.get(_url(clerk, case.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="reply-panel"' in html
    assert 'data-state="queued"' in html
    assert CITIZEN_EMAIL in html


def test_htmx_post_queues_the_reply_and_returns_the_panel(client, clerk, case):
    _login(client, clerk)

    response = client.post(_url(clerk, case.pk), {"body": "Rupa je zakrpljena."},
                           headers={"HX-Request": "true"})

    assert response.status_code == 200
    message = OutboundMessage.objects.get(case=case)
    assert message.body_text == "Rupa je zakrpljena."
    assert message.created_by == clerk.user
    assert message.subject in response.content.decode()


def test_plain_post_goes_back_to_the_case_page(client, clerk, case):
    _login(client, clerk)
    response = client.post(_url(clerk, case.pk), {"body": "Odgovor"})
    assert response.status_code == 302
    assert response.url == reverse("workspace:case", args=[clerk.municipality.slug, case.pk])


def test_empty_post_shows_the_error_and_sends_nothing(client, clerk, case):
    _login(client, clerk)
    response = client.post(_url(clerk, case.pk), {"body": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_auditor_sees_no_form_and_may_not_post(client, municipality, case):
    auditor = make_member(municipality, Role.AUDITOR)
    _login(client, auditor)
    assert "<textarea" not in client.get(_url(auditor, case.pk)).content.decode()
    assert client.post(_url(auditor, case.pk), {"body": "x"}).status_code == 403
    assert not OutboundMessage.objects.exists()


def test_missing_and_other_municipalitys_cases_are_the_same_404(client, case, other_clerk):
    _login(client, other_clerk)
    own_slug_other_case = _url(other_clerk, case.pk)
    missing = _url(other_clerk, 999999)
    assert client.get(own_slug_other_case).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.post(own_slug_other_case, {"body": "x"}).status_code == 404
    # Nor through the case's own municipality, which is not theirs.
    foreign = reverse("channels:case_reply", args=[case.municipality.slug, case.pk])
    assert client.get(foreign).status_code == 404
    assert not OutboundMessage.objects.exists()
