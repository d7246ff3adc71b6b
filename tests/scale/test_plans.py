"""The benchmarked lists read an index in the order they show, whatever the data: each
queue and sort of the inbox, the API's list, the case page's related cases and the
client page's history (`EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite). A plan
that reads the whole cases table, or sorts it, fails."""

import pytest

from salter.paging import _beyond
from salter.search import list_cases
from salter.tenancy.roles import Role
from salter.workspace import inbox
from tests.factories import make_member, make_procedure
from tests.scale.plans import full_scans, plan, sorts
from tests.workspace.conftest import new_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


@pytest.fixture
def cases(clerk, department):
    return [new_case(clerk, subject=f"Predmet {n}", department=department) for n in range(3)]


def _ordered(rows, keys, after=None):
    rows = rows.order_by(*(k.expression() for k in keys))
    if after is not None:
        rows = rows.filter(_beyond(keys, [getattr(after, k.name) for k in keys], False))
    return rows[:25]


@pytest.mark.parametrize("sort", list(inbox.SORTS))
@pytest.mark.parametrize("queue", ["mine", "department", "unassigned", "overdue", "all"])
@pytest.mark.parametrize("role", ["admin", "officer", "head"])
def test_every_inbox_page_is_an_index_walk(request, cases, queue, sort, role):
    member = request.getfixturevalue(role) if role != "head" else make_member(
        cases[0].municipality, Role.HEAD, username="head", department=cases[0].department)
    if queue not in [q.key for q in inbox.queues_for(member)]:
        pytest.skip(f"{role} has no {queue} queue")
    keys = inbox.sort_keys(sort)
    for after in (None, cases[1]):  # the first page and one further on, by its cursor
        text = plan(_ordered(inbox.queue_cases(member, queue), keys, after))
        assert full_scans(text, "cases_case") == [], text
        if sort == "due" or queue == "all":
            # The open queues by due date, and every sort of "All", need no sort.
            assert sorts(text) == [], text
        if queue != "all" and sort == "due":
            # An open queue by due date is read from an index led by the open flag.
            assert "open_flag" in text, text
        if queue == "unassigned" and sort == "priority":
            # By priority too, past the open cases only, not every closed case of a
            # higher priority. ("Overdue" reads its range of the due dates and sorts it.)
            assert sorts(text) == [] and "open_flag" in text, text


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_the_api_list_reads_newest_first_from_the_index(request, cases, role):
    from salter.api.views import NEWEST

    member = request.getfixturevalue(role)
    for rows in (list_cases(member), list_cases(member).filter(status="new")):
        for after in (None, cases[1]):
            text = plan(_ordered(rows, NEWEST, after))
            assert full_scans(text, "cases_case") == [], text
            if role == "admin":
                assert sorts(text) == [], text


@pytest.mark.parametrize("role", ["clerk", "officer"])
def test_the_case_pages_children_merged_and_related_are_looked_up_by_key(request, cases, role):
    """Parent, merged-into, children, links, merged cases and the timeline's earlier
    parents: one statement, each of its parts by a key's index."""
    from salter.cases.models import Case
    from salter.workspace.case_page import related_rows

    member = request.getfixturevalue(role)
    case = Case(pk=cases[0].pk, municipality=cases[0].municipality,
                parent_id=cases[1].pk, merged_into_id=cases[2].pk)
    text = plan(related_rows(member, case, named={cases[1].pk}))
    assert full_scans(text, "cases_case") == [], text


def test_the_client_history_reads_the_clients_rows_only(officer, clerk, department):
    from salter.cases.models import Case
    from salter.channels.models import InboundMessage
    from salter.documents.access import documents_visible_to
    from salter.intake.access import inbound_visible_to
    from tests.workspace.conftest import new_person

    client = new_person(clerk)
    new_case(clerk, clients=[client], department=department)
    for member in (clerk, officer):
        for rows, table in (
                (Case.objects.visible_to(member).filter(parties__client=client)
                 .order_by("-created_at")[:150], "cases_case"),
                (inbound_visible_to(member).filter(client=client)
                 .order_by("-received_at")[:150], InboundMessage._meta.db_table),
                (documents_visible_to(member).filter(client=client)
                 .order_by("-created_at")[:150], "documents_document")):
            text = plan(rows)
            assert full_scans(text, table) == [], text
            assert full_scans(text, "cases_case") == [], text


FILTERS = {"status": "new", "channel": "counter", "received_from": "2020-01-01"}


@pytest.mark.parametrize("queue", ["mine", "department", "unassigned", "overdue", "all"])
@pytest.mark.parametrize("role", ["admin", "officer"])
def test_a_filtered_inbox_page_reads_an_index_never_the_table(request, cases, queue, role):
    from salter.workspace.filters import CaseFilterForm

    member = request.getfixturevalue(role)
    if queue not in [q.key for q in inbox.queues_for(member)]:
        pytest.skip(f"{role} has no {queue} queue")
    procedure = make_procedure(member.municipality, "Rasveta", code="rasveta")
    keys = inbox.sort_keys("due")
    # Channel and procedure are conditions on the rows the queue's index gives in order;
    # a status and a period may instead be found by (municipality, status, created_at)
    # and the few rows sorted, as the planner prefers.
    for data, in_order in (({"channel": "counter", "procedure": str(procedure.pk)}, True),
                           (FILTERS, False)):
        form = CaseFilterForm(data, actor=member)
        for after in (None, cases[1]):
            text = plan(_ordered(form.narrow(inbox.queue_cases(member, queue)), keys, after))
            assert full_scans(text, "cases_case") == [], text
            if in_order:
                assert sorts(text) == [], text


@pytest.mark.parametrize("role", ["admin", "officer"])
def test_the_clients_list_by_open_cases_probes_each_clients_parties_by_key(
        request, clerk, cases, role):
    from salter.search import list_clients
    from salter.workspace.filters import ClientFilterForm
    from tests.workspace.conftest import new_person

    member = request.getfixturevalue(role)
    new_person(clerk)
    for value in ("yes", "no"):
        form = ClientFilterForm({"open_cases": value, "kind": "person"}, actor=member)
        text = plan(form.narrow(list_clients(member))
                    .order_by("last_name", "first_name", "business_name", "pk")[:25])
        for table in ("clients_client", "cases_caseparty", "cases_case"):
            assert full_scans(text, table) == [], text


def test_the_filtered_messages_set_aside_are_read_through_their_index(clerk, officer):
    from salter.channels.models import InboundMessage
    from salter.intake.access import list_inbound
    from salter.workspace.filters import MessageFilterForm

    aside = ("quarantined", "review")
    for member in (clerk, officer):
        for data in ({"channel": "email"}, {"state": "review", "received_from": "2026-01-01"}):
            form = MessageFilterForm(data, actor=member, states=aside)
            text = plan(form.narrow(list_inbound(member).filter(state__in=aside))
                        .order_by("-received_at")[:200])
            assert full_scans(text, InboundMessage._meta.db_table) == [], text


def test_the_searchs_messages_and_documents_are_filtered_by_their_cases_key(clerk, officer,
                                                                           cases):
    from salter.search import search_documents, search_messages
    from salter.workspace.filters import OF_CASE, CaseFilterForm

    for member in (clerk, officer):
        form = CaseFilterForm(FILTERS, actor=member)
        for rows in (search_messages(member, "rupa"), search_documents(member, "rupa")):
            text = plan(form.narrow(rows, OF_CASE).order_by("-pk")[:20])
            assert full_scans(text, "cases_case") == [], text


@pytest.mark.parametrize("search", [False, True])
def test_the_client_list_reads_names_in_order_from_the_index(clerk, search):
    """The staff list of clients by name, first page and one further on by its cursor:
    a walk of `client_by_name`, no sort, no count."""
    from salter.search import list_clients, search_clients
    from salter.workspace.views.clients import BY_NAME
    from tests.workspace.conftest import new_person

    people = [new_person(clerk, first=f"Ime{n}", last=f"Prezime{n}") for n in range(3)]
    rows = search_clients(clerk, "Prezime") if search else list_clients(clerk)
    for after in (None, people[1]):
        text = plan(_ordered(rows, BY_NAME, after))
        assert full_scans(text, "clients_client") == [], text
        if not search:  # a search may sort the few rows its index found
            assert sorts(text) == [], text
            assert "client_by_name" in text, text
