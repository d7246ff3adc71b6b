"""No workspace URL lets a member reach another municipality's cases or clients, nor a
case they may not see: every such id answers 404, exactly like an id that does not exist.

The URLs are read from the URLconf, so a view added later is covered without listing it.
"""

import pytest
from django.urls import URLResolver, reverse

from salter.clients.models import ContactPoint
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from salter.requests.actions import Ask, ask_departments
from salter.workspace import urls as workspace_urls
from tests.factories import make_department
from tests.workspace.conftest import new_case, new_person

pytestmark = pytest.mark.django_db

MISSING = 10**9


def _routes(patterns, params=()):
    for pattern in patterns:
        names = (*params, *pattern.pattern.converters)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, names)
        else:
            yield pattern.name, names


ROUTES = sorted(set(_routes(workspace_urls.urlpatterns)))
OBJECT_ROUTES = [(n, p) for n, p in ROUTES
                 if {"case_id", "client_id", "document_id", "request_id"} & set(p)]
MUNICIPALITY_ROUTES = [(n, p) for n, p in ROUTES if p == ("municipality",)]


def test_every_route_is_classified():
    assert len(OBJECT_ROUTES) + len(MUNICIPALITY_ROUTES) + 1 == len(ROUTES)  # + home


@pytest.fixture
def foreign(other_clerk):
    client = new_person(other_clerk, contacts=[(ContactPoint.Kind.PHONE, "0641234567")])
    case = new_case(other_clerk, clients=[client])
    document = Document.objects.create(municipality=case.municipality, case=case,
                                       client=client, blob=store_bytes(b"%PDF-1.4"),
                                       filename="zahtev.pdf")
    [asked] = ask_departments(actor=other_clerk, case=case, asks=[
        Ask(make_department(other_clerk.municipality, "Urbanizam"), "Pitanje?")])
    return {"case_id": case.pk, "client_id": client.pk,
            "point_id": client.contact_points.get().pk, "document_id": document.pk,
            "request_id": asked.pk}


def _url(name, params, slug, ids):
    return reverse(f"workspace:{name}",
                   kwargs={"municipality": slug, **{k: ids[k] for k in params[1:]}})


def _assert_not_found(web, target):
    got = web.get(target).status_code
    assert got in (404, 405), (target, got)  # 405: the view only takes POST
    assert web.post(target, {}).status_code == 404, target


@pytest.mark.parametrize(("name", "params"), OBJECT_ROUTES)
def test_ids_of_another_municipality_are_not_found(web, clerk, foreign, name, params):
    _assert_not_found(web, _url(name, params, clerk.municipality.slug, foreign))


@pytest.mark.parametrize(("name", "params"), OBJECT_ROUTES)
def test_missing_ids_are_not_found(web, clerk, name, params):
    ids = {"case_id": MISSING, "client_id": MISSING, "point_id": MISSING,
           "document_id": MISSING, "request_id": MISSING}
    _assert_not_found(web, _url(name, params, clerk.municipality.slug, ids))


@pytest.mark.parametrize(("name", "params"), OBJECT_ROUTES + MUNICIPALITY_ROUTES)
def test_municipality_of_someone_else_is_not_found(web, other_municipality, foreign, name,
                                                   params):
    _assert_not_found(web, _url(name, params, other_municipality.slug, foreign))


@pytest.mark.parametrize(("name", "params"),
                         [(n, p) for n, p in OBJECT_ROUTES if "case_id" in p])
def test_case_of_another_department_is_not_found_for_an_officer(
        login, clerk, officer, municipality, name, params):
    elsewhere = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    hidden = new_case(clerk, department=elsewhere)
    _assert_not_found(login(officer), _url(name, params, municipality.slug,
                                           {"case_id": hidden.pk}))


def test_contact_point_of_another_client_is_not_found(web, clerk):
    jelena = new_person(clerk)
    marko = new_person(clerk, first="Marko", last="Marković",
                       contacts=[(ContactPoint.Kind.PHONE, "0641234567")])
    point = marko.contact_points.get()
    target = reverse("workspace:client_remove_contact", kwargs={
        "municipality": clerk.municipality.slug, "client_id": jelena.pk, "point_id": point.pk})
    assert web.post(target).status_code == 404
    assert marko.contact_points.exists()


def test_foreign_case_page_and_visible_case_page_differ_only_by_status(web, clerk, foreign):
    own = new_case(clerk)
    slug = clerk.municipality.slug
    assert web.get(reverse("workspace:case", kwargs={
        "municipality": slug, "case_id": own.pk})).status_code == 200
    assert web.get(reverse("workspace:case", kwargs={
        "municipality": slug, "case_id": foreign["case_id"]})).status_code == 404


def test_a_request_is_seen_by_the_asked_department_and_not_by_another(
        login, clerk, officer, municipality):
    from salter.tenancy.roles import Role
    from tests.factories import make_member

    urbanism = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    traffic = make_department(municipality, name="Saobraćaj", registry_unit="IV-06")
    hidden = new_case(clerk, department=make_department(municipality, name="Finansije",
                                                        registry_unit="IV-07"))
    [asked] = ask_departments(actor=clerk, case=hidden, asks=[Ask(urbanism, "Pitanje?")])
    urbanist = make_member(municipality, Role.OFFICER, username="urbanista",
                           department=urbanism)
    stranger = make_member(municipality, Role.OFFICER, username="saobracaj",
                           department=traffic)
    target = reverse("workspace:request", kwargs={"municipality": municipality.slug,
                                                  "request_id": asked.pk})
    case_page = reverse("workspace:case", kwargs={"municipality": municipality.slug,
                                                  "case_id": hidden.pk})

    assert login(urbanist).get(target).status_code == 200
    assert login(urbanist).get(case_page).status_code == 404  # the request, not the case
    _assert_not_found(login(stranger), target)
