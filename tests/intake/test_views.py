"""Staff pages for quarantined and review messages: scoped to the municipality, replay,
attach after confirming, open a new case."""

import pytest
from django.urls import reverse
from django.utils import translation

from salter.cases.actions import create_case
from salter.cases.models import CaseEvent, CaseParty, Channel
from salter.channels.models import InboundMessage
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.tenancy.roles import Role
from tests.channels.email.corpus import build_message
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db
State = InboundMessage.State


@pytest.fixture
def staff(client, clerk):
    client.login(username=clerk.user.username, password=PASSWORD)
    return client


@pytest.fixture
def case(clerk):
    owner = create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                          contacts=[(ContactPoint.Kind.EMAIL, "marko.petrovic@example.net")])
    return create_case(actor=clerk, subject="Rupa na putu", channel=Channel.EMAIL,
                       clients=[owner])


@pytest.fixture
def in_review(deliver, case):
    outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}",
                                             from_address="komsija@example.org",
                                             from_name="Jovan Komšija"))
    assert outcome == "review"
    return inbound


def url(name, municipality, inbound=None):
    kwargs = {"municipality": municipality.slug}
    if inbound is not None:
        kwargs["inbound_id"] = inbound.pk
    return reverse(f"intake:{name}", kwargs=kwargs)


def test_list_shows_review_and_quarantined_messages_with_reason(staff, municipality,
                                                                in_review, deliver):
    _outcome, bad = deliver(b"")

    page = staff.get(url("messages", municipality)).content.decode()

    assert "komsija@example.org" in page and "not a party" in page
    assert url("message", municipality, bad) in page


def test_preview_is_escaped_text(staff, municipality, deliver):
    _outcome, inbound = deliver(build_message(body=None, html="<p>Zdravo</p>"
                                              "<script>alert('x')</script>",
                                              headers=[("X-Salter-Case", "1")]))

    page = staff.get(url("message", municipality, inbound)).content.decode()

    assert "Zdravo" in page and "<script>alert" not in page


def test_another_municipalitys_message_is_not_found(client, other_clerk, municipality,
                                                    in_review):
    client.login(username=other_clerk.user.username, password=PASSWORD)

    assert client.get(url("message", municipality, in_review)).status_code == 404
    other = other_clerk.municipality
    assert client.get(url("message", other, in_review)).status_code == 404
    assert client.post(url("open_case", other, in_review)).status_code == 404


def test_attach_needs_confirmation_then_makes_sender_a_party(staff, municipality, in_review,
                                                             case, clerk):
    staff.post(url("attach", municipality, in_review))
    in_review.refresh_from_db()
    assert in_review.state == State.REVIEW

    staff.post(url("attach", municipality, in_review), {"confirm": "yes"})

    in_review.refresh_from_db()
    assert in_review.state == State.PROCESSED and in_review.case == case
    party = CaseParty.objects.get(case=case, client__contact_points__value="komsija@example.org")
    assert party.role == CaseParty.Role.PARTY
    event = case.events.get(kind=CaseEvent.Kind.MESSAGE_IN)
    assert event.actor == clerk.user and event.ref["inbound"] == in_review.pk


def test_open_new_case_for_a_review_message(staff, municipality, in_review, case):
    staff.post(url("open_case", municipality, in_review))

    in_review.refresh_from_db()
    assert in_review.outcome == "created" and in_review.case != case
    assert in_review.case.events.filter(kind=CaseEvent.Kind.MESSAGE_IN).exists()
    assert not case.events.filter(kind=CaseEvent.Kind.MESSAGE_IN).exists()


def test_replay_button_processes_a_fixed_message(staff, municipality, deliver):
    municipality.registry_pattern = "{seq}/{year}{oops}"
    municipality.save()
    _outcome, inbound = deliver(build_message())
    municipality.registry_pattern = "{seq}/{year}"
    municipality.save()

    staff.post(url("replay", municipality, inbound))

    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED and inbound.outcome == "created"


def test_auditor_may_look_but_not_act(client, municipality, in_review):
    auditor = make_member(municipality, Role.AUDITOR)
    client.login(username=auditor.user.username, password=PASSWORD)

    assert client.get(url("message", municipality, in_review)).status_code == 200
    assert client.post(url("open_case", municipality, in_review)).status_code == 403
    in_review.refresh_from_db()
    assert in_review.state == State.REVIEW


def test_preview_of_a_binary_file_says_so_instead_of_showing_bytes(staff, municipality,
                                                                   deliver):
    damaged_outlook_file = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00\x01\xfe" * 400
    outcome, inbound = deliver(damaged_outlook_file)
    assert outcome == "quarantined"

    page = staff.get(url("message", municipality, inbound)).content.decode()

    assert "binary file of 1,208 bytes" in page
    assert "\ufffd" not in page


@pytest.mark.parametrize(("language", "words"), [
    ("hu", "nem érintett fél"), ("en", "is not a party of case"),
    ("sr", "није странка"), ("sr-latn", "nije stranka")])
def test_the_reason_is_read_in_the_staff_members_language(staff, municipality, deliver, case,
                                                          settings, language, words):
    with translation.override("sr-latn"):  # the worker's language
        outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}",
                                                 from_address="komsija@example.org"))
    assert outcome == "review" and "nije stranka" in inbound.reason

    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = staff.get(url("message", municipality, inbound)).content.decode()

    assert words in page and "komsija@example.org" in page


def test_the_messages_set_aside_are_reached_from_the_workspace_and_keep_its_navigation(
        staff, municipality, in_review):
    inbox = staff.get(reverse("workspace:inbox", kwargs={"municipality": municipality.slug}))
    listing = url("messages", municipality)
    assert f'href="{listing}"'.encode() in inbox.content
    for page in (listing, url("message", municipality, in_review)):
        response = staff.get(page)
        assert response.status_code == 200
        assert b'id="navbar-main"' in response.content, page
        assert b'aria-current="page"' in response.content  # the "Set aside" item is current


def test_an_ignored_message_is_listed_and_staff_may_open_a_case_for_it(staff, municipality,
                                                                       deliver):
    from salter.channels.models import OutboundMessage

    outcome, ignored = deliver(build_message(
        subject="Automatski odgovor: zahtev za odvoz", from_address="ana@example.net",
        headers=[("Auto-Submitted", "auto-replied")]))
    assert outcome == "ignored"
    listing = staff.get(url("messages", municipality), {"state": "ignored"}).content.decode()
    assert url("message", municipality, ignored) in listing
    detail = staff.get(url("message", municipality, ignored)).content.decode()
    assert url("open_case", municipality, ignored) in detail

    staff.post(url("open_case", municipality, ignored))

    ignored.refresh_from_db()
    assert ignored.state == State.PROCESSED and ignored.outcome == "created"
    assert ignored.case.events.filter(kind=CaseEvent.Kind.MESSAGE_IN).exists()
    # Its sender may be a machine that answers every message: no acknowledgement.
    assert not OutboundMessage.objects.filter(case=ignored.case).exists()
    # Opened once: a second press says so and opens nothing more.
    staff.post(url("open_case", municipality, ignored))
    assert InboundMessage.objects.get(pk=ignored.pk).case == ignored.case
