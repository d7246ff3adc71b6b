import pytest

from salter.api.models import ApiToken
from salter.cases.actions import create_case
from salter.cases.models import CaseEvent, Channel
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(clerk):
    return ApiToken.issue(clerk, "test")[1]


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_lists_only_own_municipality_cases(client, clerk, other_clerk, token):
    mine = create_case(actor=clerk, subject="Javna rasveta", channel=Channel.PHONE)
    create_case(actor=other_clerk, subject="Tuđi predmet", channel=Channel.PHONE)
    response = client.get("/api/v1/subotica/cases", **bearer(token))
    assert response.status_code == 200
    assert [c["registry_number"] for c in response.json()["items"]] == [mine.registry_number]


def test_token_of_one_municipality_gets_404_in_another(client, other_clerk, token):
    theirs = create_case(actor=other_clerk, subject="Tuđi", channel=Channel.PHONE)
    assert client.get("/api/v1/sombor/cases", **bearer(token)).status_code == 404
    assert client.get(f"/api/v1/subotica/cases/{theirs.pk}", **bearer(token)).status_code == 404
    assert client.get("/api/v1/subotica/cases/999999", **bearer(token)).status_code == 404


def test_create_case_via_api_records_event_and_validates(client, clerk, token):
    ana = create_client(actor=clerk, first_name="Ana", last_name="Kiš")
    response = client.post("/api/v1/subotica/cases", {"subject": "Kanalizacija",
                                                      "client_ids": [ana.pk]},
                           content_type="application/json", **bearer(token))
    assert response.status_code == 201
    case_id = response.json()["id"]
    assert CaseEvent.objects.get(case_id=case_id).kind == CaseEvent.Kind.CREATED

    bad = client.post("/api/v1/subotica/cases", {"subject": " ", "channel": "fax"},
                      content_type="application/json", **bearer(token))
    assert bad.status_code == 400
    assert "channel" in bad.json()["errors"]


def test_unauthenticated_and_revoked_are_refused(client, clerk, token):
    assert client.get("/api/v1/subotica/cases").status_code == 401
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/subotica/cases", **bearer(token)).status_code == 401


def test_session_user_uses_membership(client, clerk, other_clerk):
    client.force_login(clerk.user)
    assert client.get("/api/v1/subotica/cases").status_code == 200
    assert client.get("/api/v1/sombor/cases").status_code == 404


def test_q_finds_what_the_staff_search_finds(client, clerk, other_clerk, token):
    jelena = create_client(actor=clerk, first_name="Jelena", last_name="Đorđević",
                           contacts=[(ContactPoint.Kind.PHONE, "0641234567")])
    hers = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.PHONE,
                       clients=[jelena])
    create_case(actor=clerk, subject="Javna rasveta", channel=Channel.PHONE)
    stranger = create_client(actor=other_clerk, first_name="Jelena", last_name="Đorđević")
    create_case(actor=other_clerk, subject="Rupa na putu", channel=Channel.PHONE,
                clients=[stranger])

    def found(q):
        response = client.get("/api/v1/subotica/cases", {"q": q}, **bearer(token))
        assert response.status_code == 200
        return [c["registry_number"] for c in response.json()["items"]]

    for q in ("Ђорђевић", "djordjevic rupa", "064 123 4567", hers.registry_number):
        assert found(q) == [hers.registry_number], q
    assert found("kanalizacija") == []
    assert len(found(" ")) == 2  # a blank q filters nothing


def test_q_pages_by_next_and_offset_as_one_ranked_list(client, clerk, token):
    import base64
    import json

    jelena = create_client(actor=clerk, first_name="Jelena", last_name="Đorđević")
    cases = [create_case(actor=clerk, subject=f"Zahtev {n}", channel=Channel.PHONE,
                         clients=[jelena]) for n in range(5)]
    create_case(actor=clerk, subject="Javna rasveta", channel=Channel.PHONE)
    newest_first = [c.registry_number for c in reversed(cases)]

    def get(**params):
        response = client.get("/api/v1/subotica/cases", {"q": "djordjevic", **params},
                              **bearer(token))
        return response.status_code, response.json()

    seen, cursor = [], None
    while True:
        status, body = get(limit=2, **({"cursor": cursor} if cursor else {}))
        assert status == 200
        seen += [c["registry_number"] for c in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == newest_first
    # A page reads one case past its end to know that another follows; the access
    # log names only the cases it showed.
    from salter.audit.models import AccessRecord
    get(limit=2)
    searched = AccessRecord.objects.filter(action="search", target="case").latest("pk")
    assert searched.count == 2
    status, body = get(limit=2, offset=3)
    assert [c["registry_number"] for c in body["items"]] == newest_first[3:5]
    forged = base64.urlsafe_b64encode(json.dumps([0, "x", None, 1]).encode()).decode()
    assert get(cursor=forged)[0] == 400
