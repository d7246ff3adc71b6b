"""Staff and citizens' pages meet WCAG 2.1 AA as far as a machine can tell (axe-core, run
in the system Chromium): public services in Serbia must be usable with a screen reader
and a keyboard, by older citizens and by clerks alike."""

import datetime
import os
from pathlib import Path

import axe_playwright_python
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels.email.accept import accept_email
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.dashboards.figures import rebuild_days
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from salter.intake.pipeline import process_inbound
from salter.requests.actions import Ask, answer_request, ask_departments
from salter.requests.tokens import make_token
from salter.tenancy.models import Department, ProvincialRole
from salter.tenancy.roles import Role
from tests.factories import (
    PASSWORD,
    make_department,
    make_member,
    make_municipality,
    make_procedure,
)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(axe_playwright_python.__file__).with_name("axe.min.js")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def page(browser):
    # axe-core is injected as an inline script, which the pages' Content Security Policy
    # rightly refuses; the policy itself is checked in tests/security/test_headers.py.
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900},
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def violations(page) -> list[str]:
    """axe-core's WCAG 2.1 AA findings on the page: the rule, and for up to five elements
    what is wrong with them."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA)
    return [f"{v['id']} ({v['impact']}): " + "; ".join(
                f"{node['target'][0]}: {node['failureSummary'].splitlines()[-1].strip()}"
                for node in v["nodes"][:5])
            for v in result["violations"]]


@pytest.fixture
def subotica():
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    department = make_department(municipality)
    clerk = make_member(municipality, Role.REGISTRY_CLERK, username="clerk")
    make_member(municipality, Role.OFFICER, username="officer", department=department)
    citizen = create_client(actor=clerk, first_name="Jelena", last_name="Đorđević",
                            contacts=[(ContactPoint.Kind.EMAIL, "jelena@example.net")])
    procedure = make_procedure(municipality, "Komunalni problemi", department=department)
    case = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.EMAIL,
                       clients=[citizen], department=department, case_type=procedure)
    urbanism = make_department(municipality, "Odeljenje za urbanizam", registry_unit="IV-05")
    utility = make_department(municipality, "JKP Vodovod", registry_unit="",
                              kind=Department.Kind.OUTSIDE_BODY, email="jkp@example.net")
    answered, waiting = ask_departments(actor=clerk, case=case, asks=[
        Ask(urbanism, "Da li je planirana rekonstrukcija?"),
        Ask(utility, "Kada sanirate kvar?", "2 working days")])
    urbanist = make_member(municipality, Role.OFFICER, username="urbanista",
                           department=urbanism)
    answer_request(actor=urbanist, request=answered, text="Nije planirana.")
    Document.objects.create(municipality=municipality, case=case, client=citizen,
                            blob=store_bytes(b"%PDF-1.4"), filename="zahtev.pdf",
                            content_type="application/pdf")
    inbound, _created = accept_email(municipality=municipality, raw=b"", source="test")
    process_inbound(inbound.pk)  # quarantined: an empty message
    return {"municipality": municipality, "case": case, "client": citizen,
            "inbound": inbound, "answered": answered, "waiting": waiting}


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")


def test_staff_pages(live_server, page, subotica):
    page.goto(f"{live_server.url}/accounts/login/")
    found = {"login": violations(page)}
    sign_in(page, live_server)
    staff = f"{live_server.url}/staff/subotica"
    for name, path in [
            ("inbox", "/"), ("new case", "/cases/new/"),
            ("case", f"/cases/{subotica['case'].pk}/"),
            ("case with a draft answer", f"/cases/{subotica['case'].pk}/?compose=requests"),
            ("request", f"/requests/{subotica['answered'].pk}/"),
            ("clients", "/clients/"), ("client", f"/clients/{subotica['client'].pk}/"),
            ("search", "/search/?q=rupa"), ("intake", "/intake/"),
            ("quarantined message", f"/intake/{subotica['inbound'].pk}/"),
            ("clients filtered", "/clients/?kind=person&open_cases=yes"),
            ("clients with a filter refused",
             "/clients/?received_from=2026-05-02&received_to=2026-05-01"),
            ("search filtered", "/search/?q=rupa&status=new&channel=email"),
            ("search with a foreign procedure", "/search/?q=rupa&procedure=987654"),
            ("intake filtered", "/intake/?state=quarantined&channel=email"),
            ("intake with a filter refused", "/intake/?state=processed&received_to=x")]:
        page.goto(staff + path)
        found[name] = violations(page)
    assert found == {name: [] for name in found}


def test_administrators_pages(live_server, page, subotica):
    make_member(subotica["municipality"], Role.ADMIN, username="admin")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")
    staff = f"{live_server.url}/staff/subotica"
    client = subotica["client"].pk
    found = {}
    for name, path in [
            ("client", f"{staff}/clients/{client}/"),  # writes an access record
            ("data protection", f"{staff}/clients/{client}/data/"),
            ("access log", f"{staff}/access-log/?actor=admin"),
            ("staff security", f"{staff}/staff-security/"),
            ("own sign-in security", f"{live_server.url}/accounts/security/"),
            ("password change", f"{live_server.url}/accounts/password/"),
            ("two-factor setup", f"{live_server.url}/accounts/two-factor/setup/")]:
        page.goto(path)
        found[name] = violations(page)
    assert found == {name: [] for name in found}


def test_administration_management_and_dashboard_pages(live_server, page, subotica):
    municipality = subotica["municipality"]
    admin = make_member(municipality, Role.ADMIN, username="admin")
    rebuild_days([timezone.localdate() - datetime.timedelta(days=n) for n in range(3)])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")
    staff = f"{live_server.url}/staff/subotica"
    procedure = subotica["case"].case_type
    department = subotica["case"].department
    found = {}
    for name, path in [
            ("administration", "/administration/"), ("staff", "/administration/staff/"),
            ("member", f"/administration/staff/{admin.pk}/"),
            ("departments", "/administration/departments/"),
            ("department", f"/administration/departments/{department.pk}/"),
            ("procedures", "/administration/procedures/"),
            ("procedure", f"/administration/procedures/{procedure.pk}/"),
            ("routing rules", "/administration/rules/"),
            ("calendar", "/administration/calendar/"),
            ("endpoints", "/administration/endpoints/"),
            ("admin timeline", "/administration/timeline/"),
            ("workload", "/management/"), ("dashboard", "/dashboards/"),
            ("inbox with filters", "/?queue=all&channel=email&procedure=987654")]:
        page.goto(staff + path)
        found[name] = violations(page)
    page.goto(staff + "/administration/rules/")
    page.fill("#id_keywords", "rupa")
    page.select_option("#id_department", str(department.pk))
    page.get_by_role("button", name="Test this rule").click()
    page.wait_for_selector("#rule-test")
    found["routing rule tested"] = violations(page)
    page.goto(staff + "/administration/staff/")
    page.get_by_role("button", name="Invite").click()
    found["invite with errors"] = violations(page)
    assert found == {name: [] for name in found}


def test_province_overview(live_server, page, subotica):
    user = get_user_model().objects.create_user("nadzor", password=PASSWORD)
    ProvincialRole.objects.create(user=user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "nadzor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/province/")
    assert page.url == f"{live_server.url}/province/"  # signed in, not sent to the login
    assert violations(page) == []


def test_citizens_pages(live_server, page, subotica):
    found = {}
    case = subotica["case"]
    link = f"/portal/subotica/requests/{make_token(subotica['waiting'])}/"
    for name, path in [("portal", "/portal/subotica/"),
                       ("tracking", f"/portal/subotica/track/?code={case.tracking_code}"),
                       ("request link", link), ("invalid request link", link[:-4] + "xx/")]:
        page.goto(live_server.url + path)
        found[name] = violations(page)
    assert found == {name: [] for name in found}
