"""The municipal administrator sets Šalter up in the browser, and the next e-mail follows
it: an officer invited, a procedure with its deadline rule, a routing rule tried against
recent cases and saved, a day off — then an e-mail arrives and becomes a case of that
procedure and department, due when the calendar with the day off says. A department head
then filters the list, assigns cases in bulk and exports the list to XLSX."""

import datetime
import io
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from salter.cases.actions import create_case
from salter.cases.models import Case, Channel
from salter.channels.email.accept import accept_email
from salter.intake.pipeline import process_inbound
from salter.procedures.calendar import calendar_for, forget_calendar
from salter.procedures.deadlines import due_at
from salter.procedures.models import CalendarDay, CaseType, Deadline, RoutingRule
from salter.tenancy.models import Membership
from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_department, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")


def next_working_day(municipality) -> datetime.date:
    """A working day after today, so that a day off then moves a deadline."""
    calendar = calendar_for(municipality)
    return calendar.next_working_day(timezone.localdate() + datetime.timedelta(days=1))


@pytest.fixture
def town():
    municipality = make_municipality("subotica", name="Subotica")
    utilities = make_department(municipality, name="Komunalno odeljenje")
    make_member(municipality, Role.ADMIN, username="admin")
    clerk = make_member(municipality, Role.REGISTRY_CLERK, username="clerk")
    recent = create_case(actor=clerk, subject="Ne radi javna rasveta u ulici",
                         channel=Channel.EMAIL)
    create_case(actor=clerk, subject="Buka iz kafića", channel=Channel.PHONE)
    return {"municipality": municipality, "utilities": utilities, "recent": recent,
            "clerk": clerk}


def test_administrator_sets_up_and_the_next_email_is_routed_by_it(live_server, page, town):
    municipality, utilities = town["municipality"], town["utilities"]
    sign_in(page, live_server, "admin")
    admin = f"{live_server.url}/staff/subotica/administration"

    page.goto(f"{admin}/staff/")
    page.fill("#id_username", "jelena")
    page.fill("#id_email", "jelena@subotica.rs")
    page.fill("#id_first_name", "Jelena")
    page.fill("#id_last_name", "Kovač")
    page.select_option("#id_role", Role.OFFICER)
    page.select_option("#id_department", str(utilities.pk))
    page.get_by_role("button", name="Invite").click()
    expect(page.locator("#invited-password")).to_be_visible()
    assert Membership.objects.get(user__username="jelena").department == utilities

    page.goto(f"{admin}/procedures/")
    page.fill("#id_code", "javna-rasveta")
    page.fill("#id_name", "Javna rasveta")
    page.fill("#id_name_hu", "Közvilágítás")
    page.select_option("#id_category", index=1)
    page.fill("#id_classification", "352")
    page.select_option("#id_department", str(utilities.pk))
    page.fill("#id_first_response_rule", "1 radni dan")
    page.fill("#id_resolution_rule", "calendar days")  # does not parse
    page.get_by_role("button", name="Add").click()
    expect(page.locator('[data-field="resolution_rule"]')).to_be_visible()
    assert not CaseType.objects.filter(code="javna-rasveta").exists()
    page.fill("#id_resolution_rule", "8 working days")
    page.get_by_role("button", name="Add").click()
    procedure = CaseType.objects.get(code="javna-rasveta")
    assert procedure.first_response_rule == "1 working day"

    page.goto(f"{admin}/rules/")
    page.fill("#id_order", "20")
    page.fill("#id_keywords", "rasveta\nsijalica")
    page.select_option("#id_case_type", str(procedure.pk))
    page.select_option("#id_department", str(utilities.pk))
    page.get_by_role("button", name="Test this rule").click()
    expect(page.locator(f'[data-caught="{town["recent"].pk}"]')).to_be_visible()
    expect(page.locator("#rule-test li")).to_have_count(1)
    page.get_by_role("button", name="Save").click()
    rule = RoutingRule.objects.get(keywords="rasveta\nsijalica")
    assert rule.case_type == procedure

    day_off = next_working_day(municipality)
    page.goto(f"{admin}/calendar/")
    page.fill("#id_off-date", day_off.isoformat())
    page.fill("#id_off-reason", "Dan grada")
    page.get_by_role("button", name="Add the day off").click()
    expect(page.locator(f'[data-date="{day_off.isoformat()}"]')).to_be_visible()
    assert CalendarDay.objects.get(municipality=municipality).date == day_off

    page.goto(f"{admin}/timeline/")
    for target in ("member", "procedure", "routing_rule", "calendar_day"):
        expect(page.locator(f'[data-target="{target}"]').first).to_be_visible()

    message = EmailMessage()
    message["From"], message["To"] = "gradjanin@example.net", "pisarnica@subotica.rs"
    message["Subject"] = "Pregorela sijalica"
    message.set_content("Ne radi sijalica javne rasvete kod škole.")
    inbound, _ = accept_email(municipality=municipality, raw=message.as_bytes(), source="test",
                              enqueue=False)
    process_inbound(inbound.pk)
    case = Case.objects.get(subject="Pregorela sijalica")
    assert (case.case_type, case.department) == (procedure, utilities)
    resolution = Deadline.objects.get(case=case, kind=Deadline.Kind.RESOLUTION)
    forget_calendar(municipality.pk)
    expected = due_at(municipality, resolution.started_at, "8 working days")
    assert resolution.due_at == expected
    # The day off is counted: without it the case would be due one working day earlier.
    CalendarDay.objects.filter(municipality=municipality).delete()
    forget_calendar(municipality.pk)
    without = due_at(municipality, resolution.started_at, "8 working days")
    assert without.date() < expected.date()
    assert calendar_for(municipality).working_days_between(without.date(),
                                                           expected.date()) == 1


def test_head_filters_assigns_in_bulk_and_exports(live_server, page, town):
    municipality, utilities = town["municipality"], town["utilities"]
    make_member(municipality, Role.HEAD, username="head", department=utilities)
    officer = make_member(municipality, Role.OFFICER, username="ivana", department=utilities)
    clerk = town["clerk"]
    mails = [create_case(actor=clerk, subject=f"Predmet e-poštom {n}", channel=Channel.EMAIL,
                         department=utilities) for n in range(3)]
    create_case(actor=clerk, subject="Telefonom", channel=Channel.PHONE, department=utilities)
    sign_in(page, live_server, "head")
    page.goto(f"{live_server.url}/staff/subotica/?queue=department&channel=email")
    expect(page.locator("tr[data-case]")).to_have_count(3)
    for case in mails[:2]:
        page.check(f"#pick-{case.pk}")
    page.select_option("#id_bulk-assignee", str(officer.user.pk))
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("2 cases assigned.")).to_be_visible()
    assert sorted(Case.objects.filter(assignee=officer.user).values_list("pk", flat=True)) == (
        sorted(c.pk for c in mails[:2]))
    with page.expect_download() as download:
        page.click("#export-xlsx")
    content = Path(download.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert sorted(r[1] for r in rows[1:]) == sorted(c.subject for c in mails)
    assert {r[5] for r in rows[1:]} == {officer.user.get_full_name(), None}


def test_hungarian_interface_shows_hungarian_department_and_procedure_names(live_server, page,
                                                                             town):
    municipality, utilities = town["municipality"], town["utilities"]
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/staff/subotica/administration/departments/{utilities.pk}/")
    page.fill("#id_name_hu", "Kommunális Osztály")
    page.get_by_role("button", name="Save").click()
    case = create_case(actor=town["clerk"], subject="Kátyú", channel=Channel.PHONE,
                       department=utilities)
    page.select_option("#language-select", "hu")
    page.locator(".language-form button").click()
    page.goto(f"{live_server.url}/staff/subotica/cases/{case.pk}/")
    expect(page.get_by_text("Kommunális Osztály").first).to_be_visible()
    page.goto(f"{live_server.url}/staff/subotica/?queue=all")
    expect(page.locator(f'tr[data-case="{case.pk}"]')).to_contain_text("Kommunális Osztály")
    page.select_option("#language-select", "sr")
    page.locator(".language-form button").click()
    page.goto(f"{live_server.url}/staff/subotica/cases/{case.pk}/")
    expect(page.get_by_text("Комунално одељење").first).to_be_visible()
    assert municipality.departments.get(pk=utilities.pk).translations == {
        "hu": "Kommunális Osztály"}
