import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salter.cases import actions as case_actions
from salter.cases.models import CaseEvent, Channel
from salter.clients import actions
from salter.clients.matching import find_client_by_contact, suggest_duplicates
from salter.clients.models import Client, ClientMerge, ContactPoint
from salter.tenancy.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db
EMAIL, PHONE = ContactPoint.Kind.EMAIL, ContactPoint.Kind.PHONE


def test_create_person_normalises_contacts_and_indexes_search(clerk):
    client = actions.create_client(
        actor=clerk, first_name="Jelena", last_name="Đorđević",
        contacts=[(EMAIL, "Jelena.D@Example.RS"), (PHONE, "064 123 4567")])
    assert sorted(client.contact_points.values_list("value", flat=True)) == [
        "+381641234567", "jelena.d@example.rs"]
    assert "djordjevic" in client.search_text
    assert find_client_by_contact(clerk.municipality, EMAIL, "jelena.d@example.rs") == client


@pytest.mark.parametrize(("field", "value"), [
    ("jmbg", "0101990710007"), ("jmbg", "12345"),
])
def test_invalid_identifier_names_the_field_and_saves_nothing(clerk, field, value):
    with pytest.raises(ValidationError) as error:
        actions.create_client(actor=clerk, first_name="A", last_name="B", **{field: value})
    assert field in error.value.message_dict
    assert not Client.objects.exists()


def test_invalid_business_ids_and_contacts_are_reported_together(clerk):
    with pytest.raises(ValidationError) as error:
        actions.create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="X",
                              pib="123456789", mb="11111111",
                              contacts=[(EMAIL, "not-an-address"), (PHONE, "99")])
    assert set(error.value.message_dict) == {"pib", "mb", "email", "phone"}
    assert not Client.objects.exists()


def test_contact_point_belongs_to_one_client_per_municipality(clerk, other_clerk):
    actions.create_client(actor=clerk, first_name="A", last_name="B",
                          contacts=[(EMAIL, "a@example.rs")])
    with pytest.raises(ValidationError) as error:
        actions.create_client(actor=clerk, first_name="C", last_name="D",
                              contacts=[(EMAIL, "A@example.rs")])
    assert "email" in error.value.message_dict
    # Another municipality keeps its own client with the same address.
    other = actions.create_client(actor=other_clerk, first_name="A", last_name="B",
                                  contacts=[(EMAIL, "a@example.rs")])
    assert find_client_by_contact(other_clerk.municipality, EMAIL, "a@example.rs") == other


def test_duplicates_are_suggested_across_scripts(clerk):
    latin = actions.create_client(actor=clerk, first_name="Marko", last_name="Petrović")
    cyrillic = actions.create_client(actor=clerk, first_name="Марко", last_name="Петровић")
    assert latin in suggest_duplicates(cyrillic)


def test_merge_moves_cases_and_contacts_and_is_recorded(clerk, municipality):
    head = make_member(municipality, Role.HEAD)
    keep = actions.create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                                 contacts=[(EMAIL, "marko@example.rs")])
    dupe = actions.create_client(actor=clerk, first_name="Marko", last_name="Petrovic",
                                 jmbg="0101990710008", contacts=[(PHONE, "0641234567")])
    case = case_actions.create_case(actor=clerk, subject="Ulica", channel=Channel.PHONE,
                                    clients=[dupe])

    merge = actions.merge_clients(actor=head, source=dupe, target=keep)

    dupe.refresh_from_db()
    keep.refresh_from_db()
    assert dupe.merged_into == keep
    assert list(case.clients.all()) == [keep]
    assert keep.jmbg == "0101990710008"
    assert find_client_by_contact(municipality, PHONE, "+381641234567") == keep
    assert merge.moved["cases"] == [case.pk]
    assert case.events.filter(kind=CaseEvent.Kind.CLIENT_MERGED).count() == 1
    assert ClientMerge.objects.count() == 1


def test_merge_needs_permission(clerk):
    a = actions.create_client(actor=clerk, first_name="A", last_name="B")
    b = actions.create_client(actor=clerk, first_name="A", last_name="B")
    with pytest.raises(PermissionDenied):
        actions.merge_clients(actor=clerk, source=a, target=b)
