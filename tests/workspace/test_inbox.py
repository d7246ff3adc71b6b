"""The inbox: queues, counts, sorting and paging, all within what the member may see."""

import datetime

import pytest
from django.utils import timezone

from salter.cases.actions import assign_case, change_case_status
from salter.cases.models import Priority
from salter.cases.workflow import Status
from salter.tenancy.roles import Role
from salter.workspace import inbox as queues
from salter.workspace.views.inbox import PAGE_SIZE
from tests.factories import make_department, make_member, make_procedure
from tests.workspace.conftest import new_case, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_type(municipality):
    return make_procedure(municipality, "Građevinska dozvola", classification="351",
                          resolution_rule="30 calendar days")


@pytest.fixture
def short_type(municipality):
    return make_procedure(municipality, "Informacije", classification="037",
                          resolution_rule="5 calendar days")


def _keys(response):
    return [c.registry_number for c in response.context["page"].object_list]


def test_queues_hold_the_right_cases_with_counts(login, clerk, officer):
    mine = new_case(clerk, subject="Moj")
    assign_case(actor=clerk, case=mine, assignee=clerk.user)
    departments = new_case(clerk, subject="Odeljenje", department=officer.department)
    unassigned = new_case(clerk, subject="Niko")
    closed = new_case(clerk, subject="Zatvoren")
    change_case_status(actor=clerk, case=closed, status=Status.CLOSED)

    response = login(clerk).get(url("inbox", clerk))
    counts = {q.key: n for q, n in response.context["queues"]}
    # Clerk has no department: no department queue; sees everything (VIEW_ALL_CASES).
    assert counts == {"mine": 1, "unassigned": 2, "overdue": 0, "all": 4}
    assert _keys(response) == [mine.registry_number]

    response = login(officer).get(url("inbox", officer), {"queue": "department"})
    assert _keys(response) == [departments.registry_number]
    assert unassigned.registry_number not in _keys(
        login(officer).get(url("inbox", officer), {"queue": "unassigned"}))


def test_overdue_queue_lists_open_cases_past_due(login, clerk, short_type):
    late = new_case(clerk, subject="Kasni", case_type=short_type,
                    received_at=timezone.now() - datetime.timedelta(days=60))
    new_case(clerk, subject="Na vreme", case_type=short_type)
    resolved = new_case(clerk, subject="Rešen", case_type=short_type,
                        received_at=timezone.now() - datetime.timedelta(days=60))
    change_case_status(actor=clerk, case=resolved, status=Status.RESOLVED)
    response = login(clerk).get(url("inbox", clerk), {"queue": "overdue"})
    assert _keys(response) == [late.registry_number]
    assert "table-danger" in response.content.decode()


def test_all_queue_is_refused_to_members_who_may_not_see_all(login, officer):
    assert queues.ALL not in queues.queues_for(officer)
    response = login(officer).get(url("inbox", officer), {"queue": "all"})
    assert response.status_code == 403


def test_officer_queues_never_show_other_departments(municipality, login, clerk, officer):
    elsewhere = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    hidden = new_case(clerk, subject="Tuđe", department=elsewhere)
    for key in ("mine", "department", "unassigned", "overdue"):
        response = login(officer).get(url("inbox", officer), {"queue": key})
        assert hidden.registry_number not in _keys(response)


def test_sort_by_due_priority_or_newest(login, clerk, long_type, short_type):
    now = timezone.now()
    a = new_case(clerk, subject="A", case_type=long_type, priority=Priority.URGENT,
                 received_at=now - datetime.timedelta(days=2))
    b = new_case(clerk, subject="B", case_type=short_type, priority=Priority.LOW,
                 received_at=now - datetime.timedelta(days=1))
    c = new_case(clerk, subject="C", priority=Priority.NORMAL, received_at=now)
    web = login(clerk)

    def order(sort):
        return _keys(web.get(url("inbox", clerk), {"queue": "all", "sort": sort}))

    assert order("due") == [b.registry_number, a.registry_number, c.registry_number]
    assert order("priority") == [a.registry_number, c.registry_number, b.registry_number]
    assert order("created") == [c.registry_number, b.registry_number, a.registry_number]
    assert order("bogus") == order("due")


def test_inbox_pages(login, clerk):
    for n in range(PAGE_SIZE + 2):
        new_case(clerk, subject=f"Predmet {n}")
    web = login(clerk)
    first = web.get(url("inbox", clerk), {"queue": "all", "sort": "created"})
    cursor = first.context["page"].next_cursor
    assert f"cursor={cursor}" in first.content.decode()
    second = web.get(url("inbox", clerk), {"queue": "all", "sort": "created", "cursor": cursor})
    assert len(_keys(first)) == PAGE_SIZE and len(_keys(second)) == 2
    assert not set(_keys(first)) & set(_keys(second))
    back = web.get(url("inbox", clerk), {"queue": "all", "sort": "created",
                                         "cursor": second.context["page"].previous_cursor})
    assert _keys(back) == _keys(first)


def test_a_mangled_cursor_opens_the_first_page(login, clerk):
    new_case(clerk)
    web = login(clerk)
    response = web.get(url("inbox", clerk), {"queue": "all", "cursor": "not-a-cursor"})
    assert response.status_code == 200 and len(_keys(response)) == 1


def test_counts_stop_at_the_limit(login, clerk, monkeypatch):
    from salter.workspace import inbox

    monkeypatch.setattr(inbox, "COUNT_LIMIT", 2)
    for n in range(3):
        new_case(clerk, subject=f"Predmet {n}")
    response = login(clerk).get(url("inbox", clerk), {"queue": "all"})
    counts = {q.key: n for q, n in response.context["queues"]}
    assert counts["all"] == 2 and str(counts["all"]) == "2+"
    assert 'data-count="all">2+<' in response.content.decode()


def test_htmx_filter_returns_only_the_list(login, clerk):
    new_case(clerk)
    web = login(clerk)
    response = web.get(url("inbox", clerk), {"queue": "all"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="inbox-results"' in html
    assert "<html" not in html and "navbar" not in html


def test_auditor_sees_all_but_has_no_new_case_button(municipality, login, clerk):
    auditor = make_member(municipality, Role.AUDITOR)
    new_case(clerk)
    response = login(auditor).get(url("inbox", auditor), {"queue": "all"})
    assert len(_keys(response)) == 1
    assert url("case_new", auditor) not in response.content.decode()


def test_without_a_choice_the_inbox_opens_the_first_queue_with_work(login, clerk, officer):
    new_case(clerk, subject="Nedodeljen")
    page = login(clerk).get(url("inbox", clerk))
    assert page.context["queue"] == queues.UNASSIGNED

    assigned = new_case(clerk, subject="Moj")
    assign_case(actor=clerk, case=assigned, assignee=clerk.user)
    page = login(clerk).get(url("inbox", clerk))
    assert page.context["queue"] == queues.MINE


def test_an_empty_inbox_opens_on_mine(login, clerk):
    page = login(clerk).get(url("inbox", clerk))
    assert page.context["queue"] == queues.MINE
