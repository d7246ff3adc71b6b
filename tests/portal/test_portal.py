"""The public portal: a municipality's landing page and tracking a case by its code."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from salter.cases import actions
from salter.cases.models import Channel
from salter.cases.workflow import Status
from salter.clients.actions import create_client
from salter.tenancy.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(clerk, officer):
    citizen = create_client(actor=clerk, first_name="Ilona", last_name="Kovács")
    case = actions.create_case(actor=clerk, subject="Rupa ispred kuće Kovács",
                               channel=Channel.EMAIL, clients=[citizen])
    actions.assign_case(actor=clerk, case=case, assignee=officer.user)
    actions.change_case_status(actor=officer, case=case, status=Status.IN_PROGRESS,
                               text="Interni komentar uz status")
    actions.add_note(actor=officer, case=case, text="TAJNA beleška: zvati gospođu Kovács")
    actions.change_case_status(actor=officer, case=case, status=Status.WAITING_CITIZEN)
    return case


def track(client, slug, code, **extra):
    return client.post(reverse("portal:track", args=[slug]), {"code": code}, **extra)


def _page(response, *typed: str) -> str:
    """The page without what legitimately differs: what the visitor typed (code, address)
    and the CSRF token."""
    html = response.content.decode()
    for text in typed:
        html = html.replace(text, "")
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def test_landing_page_shows_names_contacts_and_hours(client, municipality):
    Municipality.objects.filter(pk=municipality.pk).update(
        email="pisarnica@subotica.example", phone="+381 24 555 100",
        minority_names={"hu": "Szabadka", "hr": "Subotica"})
    response = client.get(reverse("portal:home", args=["subotica"]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Subotica", "Суботица", "Szabadka", "pisarnica@subotica.example",
                 "+381 24 555 100", "07:30", "15:30", 'name="code"'):
        assert text in html


def test_tracking_shows_status_and_public_history_but_no_notes_or_names(client, case):
    response = track(client, "subotica", case.tracking_code.lower())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="track-result"' in html
    assert case.registry_number in html
    assert str(Status.WAITING_CITIZEN.label) in html
    assert str(Status.IN_PROGRESS.label) in html and str(Status.ASSIGNED.label) in html
    for private in ("TAJNA", "Interni komentar", "Kovács", "Ilona", "Rupa ispred",
                    "Officer", "officer"):
        assert private not in html


def test_unknown_code_and_other_municipalitys_code_look_the_same(client, case, other_clerk):
    theirs = actions.create_case(actor=other_clerk, subject="Somborski predmet",
                                 channel=Channel.PHONE)
    missing = track(client, "subotica", "ZZZZZZZZZZ")
    foreign = track(client, "subotica", theirs.tracking_code)
    assert missing.status_code == foreign.status_code == 200
    assert 'id="track-not-found"' in foreign.content.decode()
    assert theirs.registry_number not in foreign.content.decode()
    assert _page(missing, "ZZZZZZZZZZ") == _page(foreign, theirs.tracking_code)
    # The same code does work in its own municipality.
    assert theirs.registry_number in track(client, "sombor", theirs.tracking_code
                                           ).content.decode()


def test_unknown_and_inactive_municipalities_are_not_found(client, case):
    assert client.get(reverse("portal:home", args=["atlantida"])).status_code == 404
    Municipality.objects.filter(slug="subotica").update(is_active=False)
    inactive = client.get(reverse("portal:home", args=["subotica"]))
    unknown = client.get(reverse("portal:home", args=["atlantida"]))
    assert inactive.status_code == 404
    assert _page(inactive, "subotica") == _page(unknown, "atlantida")
    assert track(client, "subotica", case.tracking_code).status_code == 404
    # Non-pilot municipalities are loaded but not active: not found either.
    assert client.get(reverse("portal:home", args=["ada"])).status_code == 404


def test_lookups_are_throttled_per_address(client, case, settings):
    settings.SALTER_PORTAL_MAX_LOOKUPS = 3
    for _ in range(3):
        assert track(client, "subotica", "ZZZZZZZZZZ").status_code == 200
    blocked = track(client, "subotica", case.tracking_code)
    assert blocked.status_code == 429
    assert case.registry_number not in blocked.content.decode()
    # Another address still gets its answer.
    other = track(client, "subotica", case.tracking_code, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200 and case.registry_number in other.content.decode()


def test_empty_code_is_a_form_error_not_a_lookup(client, municipality, settings):
    settings.SALTER_PORTAL_MAX_LOOKUPS = 1
    assert track(client, "subotica", "").status_code == 200
    assert track(client, "subotica", "ZZZZZZZZZZ").status_code == 200  # still allowed


def test_get_on_track_goes_back_to_the_landing_page(client, municipality):
    response = client.get(reverse("portal:track", args=["subotica"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home", args=["subotica"])


def test_the_acknowledgements_link_opens_the_case(client, case):
    response = client.get(reverse("portal:track", args=["subotica"]),
                          {"code": case.tracking_code})
    assert response.status_code == 200
    assert case.registry_number in response.content.decode()
    assert "TAJNA" not in response.content.decode()


def test_the_short_link_leads_to_the_case_on_its_municipalitys_portal(client, case):
    response = client.get(f"/t/{case.tracking_code.lower()}")
    assert response.status_code == 302
    assert response["Location"] == (reverse("portal:track", args=["subotica"])
                                    + f"?code={case.tracking_code}")
    assert case.registry_number in client.get(response["Location"]).content.decode()


def test_a_short_link_that_leads_nowhere_is_not_found_and_counted(client, case, settings):
    settings.SALTER_PORTAL_MAX_LOOKUPS = 2
    assert client.get("/t/ZZZZZZZZZZ").status_code == 404
    Municipality.objects.filter(slug="subotica").update(is_active=False)
    assert client.get(f"/t/{case.tracking_code}").status_code == 404
    assert client.get(f"/t/{case.tracking_code}").status_code == 429
