"""The clients list filters by kind, by whether the client has open cases (that the
reader may see) and by when the client was registered, with or without a search; a
filter it cannot read names its field and lists nobody."""

import datetime

import pytest
from django.utils import timezone

from salter.cases.actions import change_case_status
from salter.cases.workflow import Status
from salter.clients.actions import create_client
from salter.clients.models import Client
from tests.factories import make_department
from tests.workspace.conftest import PIB, new_case, new_person, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(clerk, department, other_municipality):
    elsewhere = make_department(clerk.municipality, name="Urbanizam")
    jelena = new_person(clerk)  # an open case of the officer's department
    new_case(clerk, department=department, clients=[jelena])
    water = create_client(actor=clerk, kind="business", business_name="Vodovod Petrović",
                          pib=PIB)
    closed = new_case(clerk, department=department, clients=[water])  # only a closed case
    change_case_status(actor=clerk, case=closed, status=Status.CLOSED)
    marko = new_person(clerk, first="Marko", last="Petrović")  # no case, registered long ago
    Client.objects.filter(pk=marko.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40))
    hidden = new_person(clerk, first="Ana", last="Petrović")  # a case the officer cannot see
    new_case(clerk, department=elsewhere, clients=[hidden])


def _listed(web, member, **params) -> list[str]:
    response = web.get(url("clients", member), params)
    assert response.status_code == 200
    return sorted(c.display_name for c in response.context["page"].object_list)


ALL = ["Ana Petrović", "Jelena Đorđević", "Marko Petrović", "Vodovod Petrović"]


def test_each_filter_narrows_the_list(web, clerk, clients):
    today = timezone.localdate()
    assert _listed(web, clerk) == ALL
    assert _listed(web, clerk, kind="business") == ["Vodovod Petrović"]
    assert _listed(web, clerk, kind="person") == [
        "Ana Petrović", "Jelena Đorđević", "Marko Petrović"]
    assert _listed(web, clerk, open_cases="yes") == ["Ana Petrović", "Jelena Đorđević"]
    assert _listed(web, clerk, open_cases="no") == ["Marko Petrović", "Vodovod Petrović"]
    assert _listed(web, clerk, received_from=today - datetime.timedelta(days=1)) == [
        "Ana Petrović", "Jelena Đorđević", "Vodovod Petrović"]
    assert _listed(web, clerk, received_to=today - datetime.timedelta(days=30)) == [
        "Marko Petrović"]
    assert _listed(web, clerk, kind="person", open_cases="no") == ["Marko Petrović"]


def test_filters_narrow_a_search_too(web, clerk, clients):
    assert _listed(web, clerk, q="Petrović") == [
        "Ana Petrović", "Marko Petrović", "Vodovod Petrović"]
    assert _listed(web, clerk, q="Petrović", kind="person", open_cases="no") == [
        "Marko Petrović"]


def test_open_cases_are_the_ones_the_reader_may_see(login, officer, clients):
    web = login(officer)
    # Every client is the municipality's, but Ana's only case is another department's.
    assert _listed(web, officer) == ALL
    assert _listed(web, officer, open_cases="yes") == ["Jelena Đorđević"]
    assert "Ana Petrović" in _listed(web, officer, open_cases="no")


@pytest.mark.parametrize("params, field", [
    ({"kind": "robot"}, "kind"),
    ({"open_cases": "maybe"}, "open_cases"),
    ({"received_from": "2026-02-30"}, "received_from"),
    ({"received_to": "sutra"}, "received_to"),
    ({"received_from": "2026-05-02", "received_to": "2026-05-01"}, "received_to"),
])
def test_a_filter_that_cannot_be_read_names_its_field_and_lists_nobody(
        web, clerk, clients, params, field):
    response = web.get(url("clients", clerk), params)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert f'data-field="{field}"' in response.content.decode()
    # The list's own part, which the page swaps as a search is typed, says so too.
    partial = web.get(url("clients", clerk), params, HTTP_HX_REQUEST="true")
    assert f'data-field="{field}"' in partial.content.decode()


def test_the_pages_keep_the_filters(web, clerk, clients):
    for n in range(30):
        new_person(clerk, first=f"Osoba{n:02d}", last="Zec")
    response = web.get(url("clients", clerk), {"kind": "person", "open_cases": "no"})
    cursor = response.context["page"].next_cursor
    assert f'href="?kind=person&amp;open_cases=no&amp;cursor={cursor}"' in (
        response.content.decode())
    second = _listed(web, clerk, kind="person", open_cases="no", cursor=cursor)
    assert "Vodovod Petrović" not in second and len(second) == 31 - 25
