"""SQL statements per staff page and API list: bounded, and the same for three cases as
for thirty (but for the one that asks whether a next page exists) — no page loads its
rows one query at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salter.api.models import ApiToken  # noqa: F401  (the API's tables)
from salter.clients.models import ContactPoint
from salter.tenancy.roles import Role
from tests.factories import make_member
from tests.workspace.conftest import new_case, new_person, url

pytestmark = pytest.mark.django_db

# What each page costs today (measured), with room for one more statement. The inbox's
# filters and bulk assignment read their choices (assignees, procedures, departments).
# The case page, with everything in it (`busy_case`), is 19 at most, held to the issue's
# 20: request and session 4, the case and its joins 1, parties, messages in, messages
# out, events, documents 1 each, deadlines with the requests 1, every related case 1,
# the forms' departments, assignees, procedures and municipalities 1 each, the transfer
# 1, the SMS panel's number (with the client's STOP and the script choice) 1, the access
# log 1. The client list pages by keyset: no count of the municipality's clients.
LIMITS = {"inbox": 18, "search": 16, "case": 20, "client": 22, "clients": 8, "api": 10,
          "province": 12}


def _count(client, path, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, (path, response.status_code)
    return len(queries)


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


def _data(clerk, department, n):
    person = new_person(clerk, contacts=[(ContactPoint.Kind.PHONE, "064 123 4567")])
    cases = [new_case(clerk, subject=f"Predmet {i}", department=department,
                      clients=[person]) for i in range(n)]
    return person, cases


def _pages(member, person, case):
    base = f"/api/v1/{member.municipality.slug}/cases"
    pages = {f"inbox {q}": ("inbox", url("inbox", member), {"queue": q}) for q in
             ("mine", "unassigned", "overdue", "all")}
    pages.update({
        "search name": ("search", url("search", member), {"q": "Đorđević"}),
        "search phone": ("search", url("search", member), {"q": "064 123 4567"}),
        "case": ("case", url("case", member, case_id=case.pk), None),
        "client": ("client", url("client", member, client_id=person.pk), None),
        "clients": ("clients", url("clients", member), None),
        # Filters add conditions to the same statements: a chosen department, procedure
        # or assignee is checked against the choices the page reads anyway.
        "search filtered": ("search", url("search", member), {
            "q": "Đorđević", "status": "new", "channel": "counter", "assignee": "none",
            "department": case.department_id, "received_from": "2020-01-01"}),
        "clients filtered": ("clients", url("clients", member), {
            "kind": "person", "open_cases": "yes", "received_from": "2020-01-01"}),
        "clients search filtered": ("clients", url("clients", member), {
            "q": "Đorđević", "open_cases": "yes"}),
        "api": ("api", base, None),
        "api q": ("api", base, {"q": "Đorđević"}),
    })
    return pages


def test_pages_cost_the_same_few_queries_for_three_cases_as_for_thirty(
        login, admin, clerk, department):
    person, cases = _data(clerk, department, 3)
    web = login(admin)
    _count(web, url("inbox", admin))  # the session's and caches' first statements
    few = {name: _count(web, path, params)
           for name, (_kind, path, params) in _pages(admin, person, cases[0]).items()}
    for i in range(27):
        new_case(clerk, subject=f"Više {i}", department=department, clients=[person])
    many = {name: _count(web, path, params)
            for name, (_kind, path, params) in _pages(admin, person, cases[0]).items()}
    # One more at most: whether a next page exists is asked once there is one. The
    # API's search is one fewer: thirty of the name's own cases fill its page, so the
    # cases that only mention the name are not asked (`salter.paging.ranked_page`).
    ranked = {"api q"}
    assert all(few[name] <= many[name] <= few[name] + 1 for name in few if
               name not in ranked), (few, many)
    assert all(many[name] == few[name] - 1 for name in ranked), (few, many)
    for name, (kind, _path, _params) in _pages(admin, person, cases[0]).items():
        assert few[name] <= LIMITS[kind], (name, few[name])


def test_an_officers_pages_are_bounded_too(login, officer, clerk, department):
    person, cases = _data(clerk, department, 3)
    web = login(officer)
    for name, (kind, path, params) in _pages(officer, person, cases[0]).items():
        if name == "inbox all":
            continue  # an officer has no "all" queue
        assert _count(web, path, params) <= LIMITS[kind], name


def test_the_search_refreshed_as_it_is_typed_reads_no_filter_choices(login, admin, clerk,
                                                                    department):
    _data(clerk, department, 3)
    web = login(admin)
    _count(web, url("inbox", admin))
    page = _count(web, url("search", admin), {"q": "Đorđević"})
    with CaptureQueriesContext(connection) as queries:
        web.get(url("search", admin), {"q": "Đorđević"}, HTTP_HX_REQUEST="true")
    # The results alone show no filter: staff, procedures and departments are not read.
    assert len(queries) == page - 3
    assert not any("procedures_casetype" in q["sql"] for q in queries.captured_queries)


def test_the_province_dashboard_is_a_few_grouped_queries(client, municipality):
    from django.contrib.auth import get_user_model

    from salter.tenancy.models import ProvincialRole

    user = get_user_model().objects.create_user("pokrajina")
    ProvincialRole.objects.create(user=user)
    client.force_login(user)
    assert _count(client, "/province/") <= LIMITS["province"]


def _case_pages(login, members, cases) -> dict:
    counts = {}
    for role, member in members.items():
        web = login(member)
        _count(web, url("inbox", member))
        for name, case in cases.items():
            counts[role, name] = _count(web, url("case", member, case_id=case.pk))
    return counts


def test_the_case_page_with_everything_in_it_is_a_few_queries_however_much_it_holds(
        login, municipality, other_municipality, clerk, officer, admin, department):
    """One of every event, message, document, request, link, child and merged case, and
    three of each: the same statements, no more than LIMITS["case"], for every role."""
    from tests.scale.busy_case import busy_case, transferred_case

    head = make_member(municipality, Role.HEAD, username="head", department=department)
    auditor = make_member(municipality, Role.AUDITOR, username="auditor")
    members = {"admin": admin, "clerk": clerk, "officer": officer, "head": head,
               "auditor": auditor}
    cases = {size: busy_case(municipality, clerk=clerk, officer=officer, admin=admin,
                             department=department, size=size) for size in (1, 3)}
    cases["transferred"] = transferred_case(municipality, other_municipality, clerk=clerk,
                                            department=department)
    counts = _case_pages(login, members, cases)
    assert all(n <= LIMITS["case"] for n in counts.values()), counts
    assert all(counts[role, 1] == counts[role, 3] for role in members), counts
