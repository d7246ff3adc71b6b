"""Everyday friction: "take it", "new case for this client", "use this client"."""

import pytest

from salter.cases.actions import create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.clients.actions import create_client
from salter.clients.models import Client, ContactPoint
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    municipality = make_municipality("subotica", name="Subotica")
    department = make_department(municipality)
    officer = make_member(municipality, Role.OFFICER, username="officer", department=department)
    return municipality, department, officer


def test_take_it_assigns_the_case_to_whoever_presses_it(client, town):
    municipality, department, officer = town
    case = create_case(actor=officer, subject="Rupa", channel=Channel.PHONE,
                       department=department)
    client.force_login(officer.user)
    page = client.get(f"/staff/{municipality.slug}/cases/{case.pk}/").content.decode()
    assert 'id="take-it"' in page
    response = client.post(f"/staff/{municipality.slug}/cases/{case.pk}/take/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == officer.user and case.status == "assigned"
    assert CaseEvent.objects.filter(case=case, kind="assigned").exists()
    page = client.get(f"/staff/{municipality.slug}/cases/{case.pk}/").content.decode()
    assert 'id="take-it"' not in page


def test_take_it_on_a_case_of_another_department_is_404(client, town):
    municipality, _department, officer = town
    other = make_department(municipality, name="Drugo odeljenje")
    admin = make_member(municipality, Role.ADMIN)
    case = create_case(actor=admin, subject="Tuđe", channel=Channel.PHONE, department=other)
    client.force_login(officer.user)
    assert client.post(f"/staff/{municipality.slug}/cases/{case.pk}/take/").status_code == 404
    case.refresh_from_db()
    assert case.assignee is None


def test_new_case_for_this_client_starts_with_the_client_chosen(client, town):
    municipality, _department, officer = town
    person = create_client(actor=officer, first_name="Mara", last_name="Horvat")
    client.force_login(officer.user)
    page = client.get(f"/staff/{municipality.slug}/clients/{person.pk}/").content.decode()
    assert f"cases/new/?client={person.pk}" in page
    response = client.get(f"/staff/{municipality.slug}/cases/new/", {"client": person.pk})
    assert response.context["form"].initial["client"] == person.pk
    assert "Mara Horvat" in response.content.decode()
    response = client.post(f"/staff/{municipality.slug}/cases/new/", {
        "subject": "Zahtev", "channel": "counter", "client_mode": "existing",
        "client": person.pk})
    assert response.status_code == 302
    assert list(Case.objects.get(subject="Zahtev").clients.all()) == [person]


def test_new_case_for_a_client_of_another_municipality_starts_empty(client, town):
    municipality, _department, officer = town
    other = make_municipality("sombor", name="Sombor")
    stranger = create_client(actor=make_member(other, Role.ADMIN), first_name="Tajna",
                             last_name="Tajnović")
    client.force_login(officer.user)
    response = client.get(f"/staff/{municipality.slug}/cases/new/", {"client": stranger.pk})
    assert "Tajnović" not in response.content.decode()
    assert "client" not in response.context["form"].initial


def test_a_known_phone_offers_use_this_client_and_nothing_is_saved(client, town):
    municipality, _department, officer = town
    known = create_client(actor=officer, first_name="Petar", last_name="Petrović",
                          contacts=[(ContactPoint.Kind.PHONE, "064 123 4567")])
    client.force_login(officer.user)
    body = {"subject": "Buka", "channel": "phone", "client_mode": "new", "kind": "person",
            "first_name": "Pera", "last_name": "Petrović", "phone": "0641234567"}
    response = client.post(f"/staff/{municipality.slug}/cases/new/", body)
    page = response.content.decode()
    assert 'data-field="phone"' in page and "already belongs" in page
    assert f'name="use_client" value="{known.pk}"' in page
    assert not Case.objects.filter(subject="Buka").exists()
    assert Client.objects.count() == 1
    response = client.post(f"/staff/{municipality.slug}/cases/new/",
                           {**body, "use_client": str(known.pk)})
    assert response.status_code == 302
    assert list(Case.objects.get(subject="Buka").clients.all()) == [known]
    assert Client.objects.count() == 1
