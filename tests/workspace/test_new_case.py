"""Opening a case from the workspace, with a new or an existing client."""

import pytest

from salter.cases.models import Case, CaseEvent, Priority
from salter.clients.models import Client, ContactPoint
from tests.factories import make_department, make_procedure
from tests.workspace.conftest import JMBG, MB, PIB, new_person, url

pytestmark = pytest.mark.django_db


def _post(web, actor, **data):
    payload = {"subject": "Rupa na putu", "description": "Kod škole", "channel": "counter",
               "client_mode": "new", "kind": "person", "first_name": "Jelena",
               "last_name": "Đorđević"}
    payload.update(data)
    return web.post(url("case_new", actor), payload)


def _field_errors(response) -> dict:
    return response.context["form"].errors


def test_form_renders_with_labels(web, clerk):
    html = web.get(url("case_new", clerk)).content.decode()
    for field in ("subject", "channel", "case_type", "department", "priority", "first_name",
                  "jmbg", "business_name", "pib", "mb", "email", "phone", "address"):
        assert f'for="id_{field}"' in html, field


def test_new_person_client_and_case_are_created_together(web, clerk, department):
    response = _post(web, clerk, department=department.pk, jmbg=JMBG,
                     email="Jelena@Example.rs", phone="064 123 4567", address="Korzo 1")
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == url("case", clerk, case_id=case.pk)
    client = case.clients.get()
    assert (client.first_name, client.last_name, client.jmbg) == ("Jelena", "Đorđević", JMBG)
    assert set(client.contact_points.values_list("kind", "value")) == {
        (ContactPoint.Kind.EMAIL, "jelena@example.rs"),
        (ContactPoint.Kind.PHONE, "+381641234567")}
    assert case.department == department and case.priority == Priority.NORMAL
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CREATED and event.actor == clerk.user


def test_new_business_client_makes_the_case_high_priority(web, clerk):
    _post(web, clerk, kind="business", business_name="Agro d.o.o.", pib=PIB, mb=MB,
          first_name="", last_name="")
    case = Case.objects.get()
    assert case.priority == Priority.HIGH
    assert case.clients.get().pib == PIB


def test_chosen_priority_wins(web, clerk):
    _post(web, clerk, priority=str(Priority.URGENT))
    assert Case.objects.get().priority == Priority.URGENT


@pytest.mark.parametrize(("field", "data"), [
    ("jmbg", {"jmbg": "0101990710009"}),
    ("pib", {"kind": "business", "business_name": "Agro", "pib": "113460263"}),
    ("mb", {"kind": "business", "business_name": "Agro", "mb": "66841252"}),
    ("phone", {"phone": "12"}),
    ("email", {"email": "jelena@"}),
    ("last_name", {"first_name": "", "last_name": ""}),
    ("business_name", {"kind": "business", "business_name": ""}),
    ("subject", {"subject": "   "}),
])
def test_invalid_input_is_an_error_on_its_field_and_nothing_is_saved(web, clerk, field, data):
    response = _post(web, clerk, **data)
    assert response.status_code == 200
    assert field in _field_errors(response)
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Case.objects.exists()
    assert not Client.objects.exists()
    assert not CaseEvent.objects.exists()


def test_case_error_after_valid_client_rolls_the_client_back(web, clerk, other_municipality):
    """The client is valid; the case is not (its subject is only spaces)."""
    response = _post(web, clerk, subject=" ", jmbg=JMBG)
    assert "subject" in _field_errors(response)
    assert not Client.objects.exists()


def test_existing_client_is_linked(web, clerk):
    jelena = new_person(clerk)
    _post(web, clerk, client_mode="existing", client=jelena.pk, first_name="", last_name="")
    case = Case.objects.get()
    assert list(case.clients.all()) == [jelena]
    assert Client.objects.count() == 1


def test_existing_client_of_another_municipality_is_not_a_valid_choice(web, clerk, other_clerk):
    stranger = new_person(other_clerk)
    response = _post(web, clerk, client_mode="existing", client=stranger.pk)
    assert "client" in _field_errors(response)
    assert not Case.objects.exists()


def test_department_and_type_of_another_municipality_are_not_valid_choices(
        web, clerk, other_municipality):
    foreign_department = make_department(other_municipality)
    foreign_type = make_procedure(other_municipality, "X", classification="1")
    response = _post(web, clerk, department=foreign_department.pk, case_type=foreign_type.pk)
    assert {"department", "case_type"} <= set(_field_errors(response))
    assert not Case.objects.exists()


def test_case_without_client(web, clerk):
    _post(web, clerk, client_mode="none", first_name="", last_name="")
    assert Case.objects.get().clients.count() == 0


def test_search_without_javascript_shows_matches_and_keeps_the_input(web, clerk):
    jelena = new_person(clerk)
    response = _post(web, clerk, find_client="1", client_query="Ђорђевић", subject="Buka")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="client" id="pick-client-{jelena.pk}" value="{jelena.pk}"' in html
    assert 'value="Buka"' in html
    assert not response.context["form"].is_bound
    assert not Case.objects.exists()


def test_htmx_client_pick_lists_matches_of_this_municipality_only(web, clerk, other_clerk):
    jelena = new_person(clerk)
    foreign = new_person(other_clerk)
    response = web.get(url("client_pick", clerk), {"client_query": "djordjevic",
                                                   "field": "client"})
    assert [c.pk for c in response.context["matches"]] == [jelena.pk]
    assert f'value="{foreign.pk}"' not in response.content.decode()


def test_members_who_may_not_open_cases_get_403(login, auditor):
    assert login(auditor).get(url("case_new", auditor)).status_code == 403
    assert login(auditor).post(url("case_new", auditor), {"subject": "x"}).status_code == 403
    assert not Case.objects.exists()
