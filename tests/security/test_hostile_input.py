"""Hostile input through the forms and the API: never a 500, NUL and bidi override
characters removed at the boundary, everything else stored as typed and shown escaped."""

import pytest

from salter.api.models import ApiToken
from salter.cases.actions import create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.models import InboundMessage
from salter.channels.store import store_inbound
from salter.clients.actions import create_client
from salter.clients.models import Client
from salter.web.boundary import UNSAFE_CHARACTERS

pytestmark = pytest.mark.django_db

NUL = "\x00"
BIDI = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
HOSTILE = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "{{ request.user }}",
    "{% debug %}", "'; DROP TABLE cases_case; --", "1 OR 1=1", f"Ana{NUL}Kiš",
    f"ra{BIDI}čun.pdf", "a" * 100_000, " ".join(f"w{n}" for n in range(10_000)),
]


@pytest.fixture
def token(clerk):
    return ApiToken.issue(clerk, "test")[1]


@pytest.fixture
def case(clerk):
    return create_case(actor=clerk, subject="Rasveta", channel=Channel.PHONE)


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("text", HOSTILE)
def test_staff_searches_and_pickers_take_hostile_text(client, clerk, text):
    client.force_login(clerk.user)
    for url, params in [("/staff/subotica/search/", {"q": text}),
                        ("/staff/subotica/clients/", {"q": text}),
                        ("/staff/subotica/clients/pick/", {"client_query": text}),
                        ("/staff/subotica/", {"queue": text, "sort": text, "page": text})]:
        response = client.get(url, params)
        assert response.status_code == 200, (url, text[:40])
        assert b"<script>alert(1)" not in response.content
    response = client.post("/staff/subotica/cases/new/", {"client_query": text,
                                                          "find_client": "1"})
    assert response.status_code == 200


@pytest.mark.parametrize("text", HOSTILE)
def test_api_takes_hostile_text(client, clerk, token, case, text):
    listed = client.get("/api/v1/subotica/cases", {"q": text, "status": text}, **bearer(token))
    assert listed.status_code in (200, 400)
    created = client.post("/api/v1/subotica/cases", {"subject": text[:300],
                                                     "description": text},
                          content_type="application/json", **bearer(token))
    assert created.status_code in (201, 400)
    note = client.post(f"/api/v1/subotica/cases/{case.pk}/notes", {"text": text},
                       content_type="application/json", **bearer(token))
    assert note.status_code in (201, 400)


def test_nul_and_bidi_are_removed_from_api_bodies(client, clerk, token, case):
    response = client.post("/api/v1/subotica/cases",
                           {"subject": f"Ra{NUL}svet{BIDI}a", "description": f"x{NUL}y"},
                           content_type="application/json", **bearer(token))
    assert response.status_code == 201
    created = Case.objects.get(pk=response.json()["id"])
    assert (created.subject, created.description) == ("Rasveta", "xy")
    note = client.post(f"/api/v1/subotica/cases/{case.pk}/notes",
                       {"text": f"Be{NUL}le{BIDI}ška"}, content_type="application/json",
                       **bearer(token))
    assert note.status_code == 201
    assert case.events.get(kind=CaseEvent.Kind.NOTE).text == "Beleška"


def test_nul_in_an_api_query_is_not_a_500(client, clerk, token, case):
    response = client.get("/api/v1/subotica/cases", {"q": f"Ras{NUL}veta"}, **bearer(token))
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [case.pk]


def test_nul_and_bidi_are_removed_from_staff_forms(client, clerk, case):
    client.force_login(clerk.user)
    response = client.post(f"/staff/subotica/cases/{case.pk}/note/",
                           {"note-text": f"Zvao{NUL} je{BIDI} ponovo"})
    assert response.status_code in (200, 302)
    assert case.events.get(kind=CaseEvent.Kind.NOTE).text == "Zvao je ponovo"
    response = client.post("/staff/subotica/cases/new/", {
        "client_mode": "new", "kind": "person", "first_name": f"Ana{NUL}",
        "last_name": f"K{BIDI}iš", "subject": f"Predmet{NUL}", "channel": "counter"})
    assert response.status_code == 302
    assert Client.objects.filter(first_name="Ana", last_name="Kiš").exists()
    assert Case.objects.filter(subject="Predmet").exists()


def test_nul_in_the_client_searches_is_not_a_500(client, clerk):
    client.force_login(clerk.user)
    create_client(actor=clerk, first_name="Ana", last_name="Kiš")
    assert b"Ana" in client.get("/staff/subotica/clients/pick/",
                                {"client_query": f"Ana{NUL}"}).content
    response = client.post("/staff/subotica/cases/new/", {"client_query": f"Ki{NUL}š",
                                                          "find_client": "1"})
    assert response.status_code == 200
    assert b"Ana" in response.content


def test_bidi_overrides_that_came_by_mail_are_shown_neutralised(client, clerk):
    raw = b"From: ana@example.rs\r\nSubject: racun\r\n\r\nTekst"
    inbound, _ = store_inbound(municipality=clerk.municipality, channel=Channel.EMAIL,
                               raw=raw, idempotency_key="bidi", source="test")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=InboundMessage.State.QUARANTINED, subject="ra\u202efdp.exe")
    client.force_login(clerk.user)
    page = client.get(f"/staff/subotica/intake/{inbound.pk}/").content.decode()
    assert "ra\ufffdfdp.exe" in page
    assert not UNSAFE_CHARACTERS.search(page)


def test_bodies_larger_than_the_route_takes_are_refused_before_they_are_read(client, clerk):
    # The portal's tracking form, without login: a code, not megabytes.
    response = client.post("/portal/subotica/track/", {"code": "x" * 50_000})
    assert response.status_code == 413
    assert "Too much was sent" in response.content.decode()
    client.force_login(clerk.user)
    upload = client.post("/staff/subotica/cases/new/", {"description": "x" * 3_000_000})
    assert upload.status_code == 413
    assert client.post("/portal/subotica/track/", {"code": "7KX4-MP29QD"}).status_code == 200


def test_an_oversized_api_body_is_a_413_with_json(client, clerk, token):
    response = client.post("/api/v1/subotica/cases", {"subject": "x" * 3_000_000},
                           content_type="application/json", **bearer(token))
    assert response.status_code == 413
    assert response.json()["detail"]
