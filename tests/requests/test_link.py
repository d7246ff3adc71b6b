"""An outside body answers through the link in its request, without logging in: once,
while the link is fresh, in the request's language, and only for its own municipality."""

import pytest
from django.core import signing

from salter.cases.models import CaseEvent
from salter.requests.actions import Ask, ask_departments
from salter.requests.models import DepartmentRequest
from salter.requests.tokens import SALT, make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(officer, worked_case, water):
    [request] = ask_departments(actor=officer, case=worked_case, language="hu",
                                asks=[Ask(water, "Mikor javítják?", "2 working days")])
    return request


def link(request, token=None, slug=None) -> str:
    return f"/portal/{slug or request.municipality.slug}/requests/{token or make_token(request)}/"


def test_the_email_carries_the_link(asked):
    assert link(asked) in asked.outbound.body_text


def test_the_page_speaks_the_request_s_language_and_takes_the_answer_once(client, asked,
                                                                          worked_case):
    page = client.get(link(asked))
    assert page.status_code == 200
    assert page["Content-Language"] == "hu"
    assert "Mikor javítják?" in page.content.decode()

    done = client.post(link(asked), {"answer": "Holnap reggel."})
    again = client.post(link(asked), {"answer": "Még egyszer."})

    assert done.status_code == 200
    assert again.status_code == 410
    asked.refresh_from_db()
    assert (asked.state, asked.answer, asked.answered_way) == (
        DepartmentRequest.State.ANSWERED, "Holnap reggel.", DepartmentRequest.Way.LINK)
    event = worked_case.events.get(kind=CaseEvent.Kind.REQUEST_ANSWERED)
    assert event.actor_label == f"link:{asked.reference}"


def test_an_empty_answer_is_refused_with_a_message(client, asked):
    response = client.post(link(asked), {"answer": "  "})

    assert response.status_code == 400
    assert DepartmentRequest.objects.get(pk=asked.pk).is_open


def test_a_tampered_link_is_not_found(client, asked):
    token = make_token(asked)

    assert client.get(link(asked, token[:-2] + "xx")).status_code == 404
    forged = signing.dumps({"r": asked.pk, "n": asked.token_nonce}, salt="another salt")
    assert client.get(link(asked, forged)).status_code == 404


def test_a_link_of_another_municipality_is_not_found(client, asked, other_municipality):
    assert client.get(link(asked, slug=other_municipality.slug)).status_code == 404


def test_an_expired_link_says_so(client, asked, settings):
    settings.SALTER_REQUEST_LINK_DAYS = 0
    import time

    time.sleep(1.1)  # signatures are dated to the second
    response = client.get(link(asked))

    assert response.status_code == 410
    assert DepartmentRequest.objects.get(pk=asked.pk).is_open


def test_a_withdrawn_request_s_link_no_longer_works(client, officer, asked):
    from salter.requests.actions import withdraw_request

    token = make_token(asked)
    withdraw_request(actor=officer, request=asked, reason="Nije potrebno.")

    assert client.get(link(asked, token)).status_code == 410


def test_the_salt_is_the_links_own(asked):
    assert signing.loads(make_token(asked), salt=SALT)["r"] == asked.pk
