"""The dashboards' figures against a fixture worked out by hand, from the daily figures
the job writes; department scoping; exports; the province comparison."""

import datetime
import io

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from salter.cases import actions
from salter.cases.models import Channel
from salter.cases.workflow import Status
from salter.dashboards import figures
from salter.dashboards.jobs import daily_figures
from salter.dashboards.models import DailyFigures
from salter.procedures.actions import meet_first_response
from salter.schedule.registry import JobContext
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality, make_procedure

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


def _answer(actor, case, at):
    with transaction.atomic():
        meet_first_response(actor=actor, case=case, at=at)


@pytest.fixture
def town():
    """Five cases, worked out by hand:

    A phone, P1, received 10 h ago, answered after 2 h, resolved now (600 min)
    B e-mail, P1, received 4 h ago, answered after 1 h, resolved now (240 min)
    C e-mail, P2, received 30 h ago, answered after 6 h, open
    D counter, no procedure, received 2 h ago, open
    E SMS, P2 (15 calendar days), received 40 days ago, open and overdue
    """
    municipality = make_municipality("subotica", name="Subotica")
    utilities = make_department(municipality, name="Komunalno")
    other = make_department(municipality, name="Urbanizam")
    admin = make_member(municipality, Role.ADMIN, username="admin")
    head = make_member(municipality, Role.HEAD, username="head", department=utilities)
    p1 = make_procedure(municipality, "Rasveta", code="rasveta", department=utilities)
    p2 = make_procedure(municipality, "Buka", code="buka", department=other)
    now = timezone.now()

    def case(subject, channel, procedure, ago, department):
        return actions.create_case(actor=admin, subject=subject, channel=channel,
                                   case_type=procedure, department=department,
                                   received_at=now - ago)

    a = case("A", Channel.PHONE, p1, 10 * H, utilities)
    b = case("B", Channel.EMAIL, p1, 4 * H, utilities)
    c = case("C", Channel.EMAIL, p2, 30 * H, other)
    case("D", Channel.COUNTER, None, 2 * H, utilities)
    case("E", Channel.SMS, p2, datetime.timedelta(days=40), other)
    _answer(admin, a, now - 8 * H)
    _answer(admin, b, now - 3 * H)
    _answer(admin, c, now - 24 * H)
    for resolved in (a, b):
        actions.change_case_status(actor=admin, case=resolved, status=Status.RESOLVED)
    figures.rebuild_days([figures.local_day(now) - datetime.timedelta(days=n)
                          for n in range(45)])
    return {"municipality": municipality, "admin": admin, "head": head, "p1": p1,
            "utilities": utilities, "now": now}


def test_municipality_figures_match_the_hand_computed_ones(town):
    report = figures.report(town["municipality"])
    total = report.total
    assert (total.received, total.resolved, report.open, report.overdue) == (5, 2, 3, 1)
    assert sorted(total.response) == [60, 120, 360]
    assert (total.response_median, total.response_p90) == (120, 360)
    assert (total.resolution_median, total.resolution_p90) == (240, 600)
    channels = {value: f for value, _label, f in report.channels}
    assert (channels[Channel.EMAIL].received, channels[Channel.EMAIL].resolved) == (2, 1)
    assert sorted(channels[Channel.EMAIL].response) == [60, 360]
    assert channels[Channel.PHONE].resolution == [600]
    assert channels[Channel.SMS].received == 1
    procedures = {ct.code if ct else None: f for ct, f in report.procedures}
    p1 = procedures["rasveta"]
    assert (p1.received, p1.resolved, p1.response_median, p1.response_p90) == (2, 2, 60, 120)
    assert (p1.resolution_median, p1.resolution_p90) == (240, 600)
    assert procedures[None].received == 1
    assert sum(f.received for _monday, f in report.weeks) == 5


def test_department_figures_count_only_the_department(town):
    report = figures.report(town["municipality"], department=town["utilities"])
    assert (report.total.received, report.total.resolved, report.open, report.overdue) == (
        3, 2, 1, 0)
    assert sorted(report.total.response) == [60, 120]


def test_a_shorter_period_leaves_older_cases_out(town):
    report = figures.report(town["municipality"], weeks=4)
    assert report.total.received == 4  # E was received 40 days ago
    assert report.open == 3  # open counts now, whatever the period


def test_the_job_is_idempotent(town):
    before = sorted(DailyFigures.objects.values_list(
        "day", "channel", "received", "resolved", "response_minutes", "resolution_minutes"))
    for _run in range(2):
        daily_figures(JobContext(now=town["now"]))
    after = sorted(DailyFigures.objects.values_list(
        "day", "channel", "received", "resolved", "response_minutes", "resolution_minutes"))
    assert after == before


def test_dashboard_page_shows_the_figures(client, town):
    client.force_login(town["admin"].user)
    page = client.get(f"/staff/{town['municipality'].slug}/dashboards/").content.decode()
    assert 'data-figure="open">3<' in page and 'data-figure="overdue">1<' in page
    assert 'data-figure="received">5<' in page
    assert 'data-figure="response_median" data-minutes="120">2.0<' in page
    assert "vendor/chartjs/chart.umd.min.js" in page


def test_a_head_sees_their_department_and_no_other(client, town):
    client.force_login(town["head"].user)
    slug = town["municipality"].slug
    response = client.get(f"/staff/{slug}/dashboards/")
    assert response.context["department"] == town["utilities"]
    assert response.context["report"].total.received == 3
    other = town["municipality"].departments.get(name="Urbanizam")
    assert client.get(f"/staff/{slug}/dashboards/", {"department": other.pk}).status_code == 404


def test_officers_have_no_dashboard(client, town):
    officer = make_member(town["municipality"], Role.OFFICER, department=town["utilities"])
    client.force_login(officer.user)
    assert client.get(f"/staff/{town['municipality'].slug}/dashboards/").status_code == 403


def test_xlsx_export_opens_back_with_the_figures(client, town):
    client.force_login(town["admin"].user)
    response = client.get(f"/staff/{town['municipality'].slug}/dashboards/export/",
                          {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Group", "Item", "Received", "Resolved")
    total = next(r for r in rows if r[0] == "Total")
    assert total[2:] == (5, 2, 2.0, 6.0, 4.0, 10.0)


def test_export_of_a_period_without_data_is_refused_with_a_message(client):
    municipality = make_municipality("becej", name="Bečej")
    admin = make_member(municipality, Role.ADMIN)
    client.force_login(admin.user)
    response = client.get(f"/staff/{municipality.slug}/dashboards/export/", {"format": "csv"})
    assert response.status_code == 404
    assert "no data" in response.content.decode()
    response = client.get(f"/staff/{municipality.slug}/dashboards/export/", {"format": "pdf"})
    assert response.status_code == 400 and "format" in response.content.decode()


def test_province_compares_municipalities_on_the_same_figures(town):
    sombor = make_municipality("sombor", name="Sombor")
    clerk = make_member(sombor, Role.REGISTRY_CLERK)
    actions.create_case(actor=clerk, subject="S", channel=Channel.EMAIL)
    figures.rebuild_days([figures.local_day(town["now"])], [sombor])
    from salter.dashboards.province import province_report

    report = province_report()
    rows = {m.slug: row for m, row in report.rows}
    subotica = rows["subotica"]
    assert (subotica.figure.received, subotica.figure.resolved, subotica.open,
            subotica.overdue) == (5, 2, 3, 1)
    assert subotica.figure.resolution_p90 == 600
    assert rows["sombor"].figure.received == 1
    assert report.total.figure.received == 6
    assert province_report(weeks=4).total.figure.received == 5
