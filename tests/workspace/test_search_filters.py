"""The search page's filters (status, assignee, procedure, channel, department, received)
keep the cases that match them, and the messages, documents and clients of those cases.
An id of another municipality, a date that is no date or a period that ends before it
starts names its field and finds nothing."""

import datetime

import pytest
from django.utils import timezone

from salter.cases.actions import assign_case, create_case
from salter.cases.models import Channel
from salter.channels.store import store_inbound
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality, make_procedure
from tests.workspace.conftest import new_person, url

pytestmark = pytest.mark.django_db


def _material(case, name):
    """A message and a document of `case`, both with the word searched for."""
    inbound, _ = store_inbound(municipality=case.municipality, channel=case.channel,
                               raw=name.encode(), idempotency_key=f"key-{name}",
                               source="test")
    inbound.subject, inbound.case = f"Poruka o kvaru {name}", case
    inbound.save()
    Document.objects.create(municipality=case.municipality, case=case,
                            blob=store_bytes(name.encode()), filename=f"kvar-{name}.pdf",
                            text="Prijava kvara")


@pytest.fixture
def team(municipality, clerk):
    utilities = make_department(municipality, name="Komunalno")
    other = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    head = make_member(municipality, Role.HEAD, username="head", department=utilities)
    ana = make_member(municipality, Role.OFFICER, username="ana", department=utilities)
    lighting = make_procedure(municipality, "Rasveta", code="rasveta", department=utilities)
    old = timezone.now() - datetime.timedelta(days=40)
    lamp = create_case(actor=clerk, subject="Kvar lampe", channel=Channel.EMAIL,
                       case_type=lighting, department=utilities, received_at=old,
                       clients=[new_person(clerk, first="Lana", last="Kvarić")])
    water = create_case(actor=clerk, subject="Kvar vode", channel=Channel.PHONE,
                        department=utilities,
                        clients=[new_person(clerk, first="Boris", last="Kvarić")])
    road = create_case(actor=clerk, subject="Kvar puta", channel=Channel.EMAIL,
                       department=other,
                       clients=[new_person(clerk, first="Vera", last="Kvarić")])
    new_person(clerk, first="Mira", last="Kvarić")  # no case at all
    assign_case(actor=head, case=water, assignee=ana.user)
    for case, name in ((lamp, "lampa"), (water, "voda"), (road, "put")):
        _material(case, name)
    return {"head": head, "ana": ana, "lighting": lighting, "utilities": utilities,
            "other": other}


def _found(web, member, **filters) -> dict:
    response = web.get(url("search", member), {"q": "kvar", **filters})
    assert response.status_code == 200
    context = response.context
    return {
        "cases": {c.subject for c in context["cases"]},
        "clients": {c.first_name for c in context["clients"]},
        "messages": {m.subject.removeprefix("Poruka o kvaru ") for m in
                     context["messages_found"]},
        "documents": {d.filename.removeprefix("kvar-").removesuffix(".pdf")
                      for d in context["documents_found"]},
    }


def _only(cases, clients, material) -> dict:
    return {"cases": set(cases), "clients": set(clients), "messages": set(material),
            "documents": set(material)}


NOTHING = _only([], [], [])


def test_without_filters_everything_found_is_shown(web, clerk, team):
    assert _found(web, clerk) == {
        "cases": {"Kvar lampe", "Kvar vode", "Kvar puta"},
        "clients": {"Lana", "Boris", "Vera", "Mira"},
        "messages": {"lampa", "voda", "put"}, "documents": {"lampa", "voda", "put"}}


def test_each_filter_keeps_the_matching_cases_and_what_is_theirs(web, clerk, team):
    today = timezone.localdate()
    lamp = _only(["Kvar lampe"], ["Lana"], ["lampa"])
    water = _only(["Kvar vode"], ["Boris"], ["voda"])
    road = _only(["Kvar puta"], ["Vera"], ["put"])
    expected = [
        ({"status": "assigned"}, water),
        ({"status": "closed"}, NOTHING),
        ({"assignee": team["ana"].user.pk}, water),
        ({"assignee": "none"}, _only(["Kvar lampe", "Kvar puta"], ["Lana", "Vera"],
                                     ["lampa", "put"])),
        ({"procedure": team["lighting"].pk}, lamp),
        ({"channel": "phone"}, water),
        ({"department": team["other"].pk}, road),
        ({"received_to": today - datetime.timedelta(days=30)}, lamp),
        ({"received_from": today - datetime.timedelta(days=1)},
         _only(["Kvar vode", "Kvar puta"], ["Boris", "Vera"], ["voda", "put"])),
        ({"channel": "email", "department": team["utilities"].pk}, lamp),
    ]
    for filters, shown in expected:
        assert _found(web, clerk, **filters) == shown, filters


def test_a_head_filtering_by_another_department_finds_nothing_of_it(login, team):
    head = team["head"]
    web = login(head)
    assert _found(web, head)["cases"] == {"Kvar lampe", "Kvar vode"}
    assert _found(web, head, department=team["other"].pk) == NOTHING
    # A filter only narrows what the head may see: Vera's case stays out of the clients too.
    assert "Vera" not in _found(web, head, assignee="none")["clients"]


def test_another_municipalitys_ids_name_the_field_and_find_nothing(web, clerk, team):
    other = make_municipality("sombor", name="Sombor")
    theirs = {"procedure": make_procedure(other, "Tuđa", code="tudja").pk,
              "department": make_department(other, name="Tuđe").pk,
              "assignee": make_member(other, Role.OFFICER, username="tudji").user.pk}
    for field, value in [*theirs.items(), ("procedure", 987654), ("assignee", "x")]:
        response = web.get(url("search", clerk), {"q": "kvar", field: value})
        assert response.status_code == 200
        assert f'data-field="{field}"' in response.content.decode(), field
        assert _found(web, clerk, **{field: value}) == NOTHING, field


@pytest.mark.parametrize("filters, field", [
    ({"received_from": "2026-02-30"}, "received_from"),
    ({"received_to": "juče"}, "received_to"),
    ({"received_from": "2026-05-02", "received_to": "2026-05-01"}, "received_to"),
    ({"status": "lost"}, "status"),
    ({"channel": "fax"}, "channel"),
])
def test_a_filter_that_cannot_be_read_names_its_field_and_finds_nothing(
        web, clerk, team, filters, field):
    response = web.get(url("search", clerk), {"q": "kvar", **filters})
    assert f'data-field="{field}"' in response.content.decode()
    assert _found(web, clerk, **filters) == NOTHING
    partial = web.get(url("search", clerk), {"q": "kvar", **filters}, HTTP_HX_REQUEST="true")
    assert f'data-field="{field}"' in partial.content.decode()
