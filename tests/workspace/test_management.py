"""A department head's views: filters on the lists, bulk assignment, workload, export."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from salter.cases.actions import assign_case, create_case
from salter.cases.models import Case, Channel
from salter.tenancy.roles import Role
from salter.workspace.filters import CaseFilterForm, filter_cases
from tests.factories import make_department, make_member, make_municipality, make_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    municipality = make_municipality("subotica", name="Subotica")
    utilities = make_department(municipality, name="Komunalno")
    other = make_department(municipality, name="Urbanizam")
    head = make_member(municipality, Role.HEAD, username="head", department=utilities)
    ana = make_member(municipality, Role.OFFICER, username="ana", department=utilities)
    boris = make_member(municipality, Role.OFFICER, username="boris", department=utilities)
    lighting = make_procedure(municipality, "Rasveta", code="rasveta", department=utilities)
    admin = make_member(municipality, Role.ADMIN, username="admin")
    old = timezone.now() - datetime.timedelta(days=40)
    cases = {
        "lamp": create_case(actor=admin, subject="Lampa", channel=Channel.EMAIL,
                            case_type=lighting, department=utilities, received_at=old),
        "hole": create_case(actor=admin, subject="Rupa", channel=Channel.PHONE,
                            department=utilities),
        "noise": create_case(actor=admin, subject="Buka", channel=Channel.EMAIL,
                             department=utilities),
        "plan": create_case(actor=admin, subject="Plan", channel=Channel.EMAIL,
                            department=other),
    }
    assign_case(actor=head, case=cases["hole"], assignee=ana.user)
    return {"municipality": municipality, "head": head, "ana": ana, "boris": boris,
            "lighting": lighting, "utilities": utilities, "other": other, "cases": cases}


def _filtered(team, **data):
    form = CaseFilterForm({k: str(v) for k, v in data.items()}, actor=team["head"])
    return form, set(filter_cases(Case.objects.visible_to(team["head"]), form.criteria())
                     .values_list("subject", flat=True))


def test_filters_compose_on_the_visible_cases(team):
    assert _filtered(team)[1] == {"Lampa", "Rupa", "Buka"}
    assert _filtered(team, channel="email")[1] == {"Lampa", "Buka"}
    assert _filtered(team, assignee=team["ana"].user.pk)[1] == {"Rupa"}
    assert _filtered(team, assignee="none", channel="email")[1] == {"Lampa", "Buka"}
    assert _filtered(team, procedure=team["lighting"].pk)[1] == {"Lampa"}
    today = timezone.localdate()
    assert _filtered(team, received_from=today - datetime.timedelta(days=1))[1] == {
        "Rupa", "Buka"}
    assert _filtered(team, received_to=today - datetime.timedelta(days=30))[1] == {"Lampa"}
    assert _filtered(team, status="assigned")[1] == {"Rupa"}


def test_a_foreign_id_in_a_filter_names_the_field_and_shows_nothing(team):
    other = make_municipality("sombor", name="Sombor")
    foreign = make_procedure(other, "Tuđa", code="tudja")
    stranger = make_member(other, Role.OFFICER)
    form, shown = _filtered(team, procedure=foreign.pk)
    assert shown == set() and "procedure" in form.errors
    form, shown = _filtered(team, assignee=stranger.user.pk)
    assert shown == set() and "assignee" in form.errors
    form, shown = _filtered(team, received_from="2026-05-02", received_to="2026-05-01")
    assert shown == set() and "received_to" in form.errors


def test_inbox_filters_and_shows_the_error_under_the_field(client, team):
    client.force_login(team["head"].user)
    slug = team["municipality"].slug
    page = client.get(f"/staff/{slug}/", {"queue": "department", "channel": "phone"})
    assert [c.subject for c in page.context["page"].object_list] == ["Rupa"]
    page = client.get(f"/staff/{slug}/", {"queue": "department", "procedure": "987654"})
    assert list(page.context["page"].object_list) == []
    assert 'data-field="procedure"' in page.content.decode()


def test_bulk_assign_gives_the_chosen_cases_to_one_officer(client, team):
    client.force_login(team["head"].user)
    slug = team["municipality"].slug
    lamp, noise = team["cases"]["lamp"], team["cases"]["noise"]
    response = client.post(f"/staff/{slug}/cases/assign/", {
        "cases": [lamp.pk, noise.pk], "bulk-assignee": team["boris"].user.pk})
    assert response.status_code == 302
    for case in (lamp, noise):
        case.refresh_from_db()
        assert case.assignee == team["boris"].user and case.status == "assigned"


def test_bulk_assign_with_a_case_the_head_may_not_see_assigns_nothing(client, team):
    client.force_login(team["head"].user)
    slug = team["municipality"].slug
    lamp, plan = team["cases"]["lamp"], team["cases"]["plan"]
    response = client.post(f"/staff/{slug}/cases/assign/", {
        "cases": [lamp.pk, plan.pk], "bulk-assignee": team["boris"].user.pk})
    assert response.status_code == 400
    assert str(plan.pk) in response.content.decode()
    assert "Plan" not in response.content.decode()
    lamp.refresh_from_db()
    assert lamp.assignee is None
    response = client.post(f"/staff/{slug}/cases/assign/", {"cases": [lamp.pk]})
    assert response.status_code == 400 and 'data-field="Assignee"' in response.content.decode()


def test_workload_per_officer_and_by_procedure(client, team):
    client.force_login(team["head"].user)
    response = client.get(f"/staff/{team['municipality'].slug}/management/")
    rows = {(r["user"].username if r["user"] else None): (r["open"], r["overdue"])
            for r in response.context["workload"]}
    assert rows == {"ana": (1, 0), "boris": (0, 0), "head": (0, 0), None: (2, 1)}
    procedures = {(r["procedure"].code if r["procedure"] else None): (r["open"], r["overdue"])
                  for r in response.context["procedures"]}
    assert procedures["rasveta"] == (1, 1)
    assert "Plan" not in response.content.decode()


def test_officers_have_no_workload_page(client, team):
    client.force_login(team["ana"].user)
    assert client.get(f"/staff/{team['municipality'].slug}/management/").status_code == 403


def test_export_of_the_filtered_list_opens_back_in_openpyxl(client, team):
    client.force_login(team["head"].user)
    response = client.get(f"/staff/{team['municipality'].slug}/cases/export/",
                          {"queue": "department", "channel": "email", "format": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Registry number", "Subject")
    assert sorted(r[1] for r in rows[1:]) == ["Buka", "Lampa"]
    response = client.get(f"/staff/{team['municipality'].slug}/cases/export/",
                          {"queue": "department", "channel": "sms", "format": "csv"})
    assert response.status_code == 404 and "no data" in response.content.decode()


def test_a_chosen_filter_reads_no_more_than_the_choices_shown(team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(**data):
        with CaptureQueriesContext(connection) as queries:
            form = CaseFilterForm({k: str(v) for k, v in data.items()}, actor=team["head"])
            form.criteria()
            str(form["assignee"]), str(form["procedure"]), str(form["department"])
        return len(queries)

    chosen = cost(assignee=team["ana"].user.pk, procedure=team["lighting"].pk,
                  department=team["utilities"].pk)
    assert chosen == cost() == 3  # staff, procedures, departments: once each
