"""Incoming messages are seen with the visibility of the reader's role: a message on, or
waiting for, a case the reader may not open is the same 404 as a message that does not
exist, is left out of the list, and cannot be attached or turned into a case."""

import pytest
from django.http import Http404
from django.urls import reverse

from salter.cases.actions import assign_case
from salter.cases.models import CaseEvent, CaseParty, Channel
from salter.channels.models import InboundMessage
from salter.intake.access import access_inbound, inbound_visible_to
from salter.intake.review import attach_reviewed, open_case_from_review
from tests.channels.email.corpus import build_message
from tests.factories import make_mailbox

pytestmark = pytest.mark.django_db
MISSING = 10**9


@pytest.fixture
def in_review(deliver, case):
    """A stranger's reply to the citizen's case (no department: the officer's is
    another), waiting for staff to decide."""
    outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}",
                                             from_address="komsija@example.org",
                                             body="JMBG 0101990710008, Zmaj Jovina 4"))
    assert outcome == "review"
    return inbound


@pytest.fixture
def quarantined(deliver):
    _outcome, inbound = deliver(b"")
    assert inbound.state == InboundMessage.State.QUARANTINED
    return inbound


def url(name, inbound_id, municipality="subotica"):
    return reverse(f"intake:{name}", kwargs={"municipality": municipality,
                                             "inbound_id": inbound_id})


@pytest.mark.parametrize("name", ["message", "replay", "attach", "open_case"])
def test_message_waiting_for_a_hidden_case_is_the_same_404_as_a_missing_one(
        client, officer, in_review, name):
    client.force_login(officer.user)
    hidden = client.post(url(name, in_review.pk), {"confirm": "yes"})
    missing = client.post(url(name, MISSING), {"confirm": "yes"})
    assert hidden.status_code == missing.status_code == 404
    assert b"komsija@example.org" not in hidden.content
    assert b"0101990710008" not in hidden.content
    assert client.get(url("message", in_review.pk)).status_code == 404


def test_attaching_through_the_page_leaves_the_hidden_case_alone(client, officer, in_review,
                                                                  case):
    client.force_login(officer.user)
    client.post(url("attach", in_review.pk), {"confirm": "yes"})
    assert not CaseParty.objects.filter(case=case, client__contact_points__value=(
        "komsija@example.org")).exists()
    assert not case.events.filter(kind=CaseEvent.Kind.CLIENT_LINKED).exists()
    in_review.refresh_from_db()
    assert in_review.state == InboundMessage.State.REVIEW


def test_the_list_leaves_out_messages_of_hidden_cases_and_without_a_case(
        client, officer, in_review, quarantined):
    client.force_login(officer.user)
    page = client.get(reverse("intake:messages", kwargs={"municipality": "subotica"}))
    assert page.status_code == 200
    assert url("message", in_review.pk) not in page.content.decode()
    assert url("message", quarantined.pk) not in page.content.decode()


def test_registry_clerk_sees_every_message_of_the_municipality(client, clerk, in_review,
                                                               quarantined):
    client.force_login(clerk.user)
    page = client.get(reverse("intake:messages", kwargs={"municipality": "subotica"}))
    assert url("message", in_review.pk) in page.content.decode()
    assert url("message", quarantined.pk) in page.content.decode()
    assert client.get(url("message", in_review.pk)).status_code == 200


def test_officer_sees_a_message_once_its_case_is_theirs(clerk, officer, in_review, case):
    assign_case(actor=clerk, case=case, department=officer.department, assignee=None)
    assert access_inbound(officer, in_review.pk) == in_review


def test_officer_sees_unsorted_mail_of_their_departments_mailbox(deliver, officer, clerk):
    mailbox = make_mailbox(officer.municipality, "komunalno@subotica.rs",
                           department=officer.department)
    _outcome, theirs = deliver(b"", endpoint=mailbox.endpoint)
    _outcome, elsewhere = deliver(b"\r\n")
    assert list(inbound_visible_to(officer)) == [theirs]
    assert {m.pk for m in inbound_visible_to(clerk)} >= {theirs.pk, elsewhere.pk}


def test_attach_reviewed_refuses_a_case_the_actor_cannot_see(officer, in_review, case):
    with pytest.raises(Http404):
        attach_reviewed(actor=officer, inbound=in_review)
    assert not case.events.filter(kind=CaseEvent.Kind.CLIENT_LINKED).exists()


def test_open_case_from_review_refuses_a_case_the_actor_cannot_see(officer, in_review):
    count = type(in_review.review_case).objects.count()
    with pytest.raises(Http404):
        open_case_from_review(actor=officer, inbound=in_review)
    assert type(in_review.review_case).objects.count() == count


def test_client_page_leaves_out_a_message_waiting_for_a_hidden_case(client, officer,
                                                                     in_review, citizen):
    InboundMessage.objects.filter(pk=in_review.pk).update(client=citizen)
    client.force_login(officer.user)
    page = client.get(reverse("workspace:client", kwargs={
        "municipality": "subotica", "client_id": citizen.pk}))
    assert page.status_code == 200
    assert in_review.subject not in page.content.decode()


def test_another_municipalitys_clerk_gets_the_same_404(client, other_clerk, in_review):
    client.force_login(other_clerk.user)
    assert client.get(url("message", in_review.pk, "sombor")).status_code == 404
    with pytest.raises(Http404):
        access_inbound(other_clerk, in_review.pk)


def test_channel_of_the_review_message_is_email(in_review):
    assert in_review.channel == Channel.EMAIL
