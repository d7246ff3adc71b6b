"""A registry clerk's day in the browser: sign in, open a case for a new client, hand it
to an officer, and find it again by typing the client's name in Cyrillic."""

import os
import re

import pytest
from playwright.sync_api import expect

from salter.cases.models import Case, CaseEvent
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_department, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp"


@pytest.fixture
def staff():
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    department = make_department(municipality)
    clerk = make_member(municipality, Role.REGISTRY_CLERK, username="clerk")
    officer = make_member(municipality, Role.OFFICER, username="officer",
                          department=department)
    return clerk, officer


def test_clerk_opens_assigns_and_finds_a_case(live_server, page, staff):
    _clerk, officer = staff
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")

    # One municipality: straight to its inbox.
    expect(page).to_have_url(f"{live_server.url}/staff/subotica/")
    expect(page.locator("#inbox-results")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/salter-e2e-inbox.png", full_page=True)

    page.click("a[href='/staff/subotica/cases/new/'] >> nth=0")
    page.fill("#id_subject", "Rupa na putu kod škole")
    page.fill("#id_description", "Duboka rupa, opasno za bicikliste.")
    page.check("input[name=client_mode][value=new]")
    page.check("input[name=kind][value=person]")
    expect(page.locator("#id_pib")).to_be_hidden()  # business fields hide for a person
    page.fill("#id_first_name", "Jelena")
    page.fill("#id_last_name", "Đorđević")
    page.fill("#id_phone", "064 123 4567")
    page.screenshot(path=f"{SCREENSHOTS}/salter-e2e-new-case.png", full_page=True)
    page.click(".new-case-form button[type=submit]:not([name])")

    case = Case.objects.get()
    expect(page).to_have_url(f"{live_server.url}/staff/subotica/cases/{case.pk}/")
    expect(page.locator("h1")).to_have_text(case.registry_number)

    # Assign through the HTMX form: the page region is swapped in place.
    page.select_option("#id_assign-assignee", str(officer.user.pk))
    page.click("#case-page form[action$='/assign/'] button[type=submit]")
    expect(page.locator("dd[data-field=assignee]")).to_have_text("Officer Test")
    expect(page.locator(".timeline-entry[data-kind=assigned]")).to_have_count(1)
    assert case.events.filter(kind=CaseEvent.Kind.ASSIGNED).count() == 1
    page.screenshot(path=f"{SCREENSHOTS}/salter-e2e-case.png", full_page=True)

    page.fill("#navbar-search", "Ђорђевић")
    page.press("#navbar-search", "Enter")
    expect(page.locator(".search-cases a")).to_have_text(case.registry_number)
    expect(page.locator(".search-clients a")).to_have_text("Jelena Đorđević")
    page.screenshot(path=f"{SCREENSHOTS}/salter-e2e-search.png", full_page=True)

    page.click(".search-cases a")
    expect(page.locator("h1")).to_have_text(case.registry_number)


def test_existing_client_is_picked_by_htmx_search(live_server, page, staff):
    clerk, _officer = staff
    jelena = create_client(actor=clerk, kind="person", first_name="Jelena",
                           last_name="Đorđević", address="Korzo 1", place="Subotica",
                           contacts=[(ContactPoint.Kind.EMAIL, "jelena@example.rs")])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#inbox-results")).to_be_visible()

    page.goto(f"{live_server.url}/staff/subotica/cases/new/")
    page.fill("#id_subject", "Buka noću")
    page.check("input[name=client_mode][value=existing]")
    expect(page.locator("#id_first_name")).to_be_hidden()
    page.fill("#id_client_query", "djordj")  # typed without diacritics
    page.check(f"#pick-client-{jelena.pk}")
    page.click(".new-case-form button[type=submit]:not([name])")

    case = Case.objects.get()
    expect(page.locator("h1")).to_have_text(case.registry_number)
    assert list(case.clients.all()) == [jelena]

    page.click(f"#case-page header a[href='/staff/subotica/clients/{jelena.pk}/']")
    expect(page.locator(".client-history a")).to_have_text(case.registry_number)
    page.screenshot(path=f"{SCREENSHOTS}/salter-e2e-client.png", full_page=True)


def test_a_chosen_filter_refreshes_the_client_list_in_place(live_server, page, staff):
    clerk, _officer = staff
    create_client(actor=clerk, first_name="Jelena", last_name="Đorđević")
    create_client(actor=clerk, kind="business", business_name="Vodovod DOO")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/staff/subotica/clients/")
    results = page.locator("#client-results")
    expect(results).to_contain_text("Vodovod DOO")

    page.select_option("#id_kind", "person")  # no button pressed: HTMX swaps the list
    expect(results).not_to_contain_text("Vodovod DOO")
    expect(results).to_contain_text("Jelena Đorđević")
    expect(page).to_have_url(re.compile(r"[?&]kind=person(&|$)"))  # a link to this list

    page.fill("#id_received_from", "2026-05-02")
    page.fill("#id_received_to", "2026-05-01")
    page.locator("#id_received_to").dispatch_event("change")
    expect(results.locator("[data-field=received_to]")).to_be_visible()
    expect(results).not_to_contain_text("Jelena Đorđević")
