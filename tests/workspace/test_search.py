"""Search folds scripts and diacritics, and reads phone numbers and e-mail addresses."""

import pytest

from salter.cases.actions import assign_case
from salter.clients.actions import merge_clients
from salter.clients.models import ContactPoint
from salter.search import parse_query, search_cases, search_clients
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member
from tests.workspace.conftest import new_case, new_person

pytestmark = pytest.mark.django_db

PHONE = (ContactPoint.Kind.PHONE, "064 123 4567")
EMAIL = (ContactPoint.Kind.EMAIL, "Jelena.Djordjevic@Example.rs")


def test_query_is_folded_into_terms():
    assert parse_query("  Ђорђевић Jelena ").terms == ("djordjevic", "jelena")


def test_query_that_is_a_phone_number_reads_as_e164():
    query = parse_query("064/123-4567")
    assert query.phone == "+381641234567"
    assert query.email == ""


def test_names_are_never_read_as_phone_numbers():
    assert parse_query("Đorđević").phone == ""


def test_query_that_is_an_email_is_lower_cased():
    assert parse_query("Jelena@Example.RS").email == "jelena@example.rs"


def test_blank_query_finds_nothing(clerk):
    new_person(clerk)
    assert not parse_query("   ")
    assert list(search_clients(clerk, "")) == []
    assert list(search_cases(clerk, "  ")) == []


@pytest.mark.parametrize("text", ["Đorđević", "Djordjevic", "Ђорђевић", "ĐORĐEVIĆ",
                                  "djordj", "jelena đorđević", "Јелена Djordjević"])
def test_client_name_matches_in_any_script_and_spelling(clerk, text):
    jelena = new_person(clerk)
    new_person(clerk, first="Marko", last="Petrović")
    assert list(search_clients(clerk, text)) == [jelena]


def test_every_term_must_match(clerk):
    new_person(clerk)
    assert list(search_clients(clerk, "Jelena Petrović")) == []


def test_phone_in_any_notation_finds_client_and_their_cases(clerk):
    jelena = new_person(clerk, contacts=[PHONE])
    case = new_case(clerk, clients=[jelena])
    new_case(clerk, subject="Drugi predmet")
    for text in ("0641234567", "+381 64 123 4567", "064/123-45-67"):
        assert list(search_clients(clerk, text)) == [jelena]
        assert list(search_cases(clerk, text)) == [case]


def test_email_in_any_case_finds_the_client(clerk):
    jelena = new_person(clerk, contacts=[EMAIL])
    assert list(search_clients(clerk, "JELENA.DJORDJEVIC@EXAMPLE.RS")) == [jelena]


def test_case_found_by_registry_number_tracking_code_and_client_name(clerk):
    jelena = new_person(clerk)
    case = new_case(clerk, clients=[jelena])
    other = new_case(clerk, subject="Buka")
    assert list(search_cases(clerk, case.registry_number)) == [case]
    assert list(search_cases(clerk, case.tracking_code.lower())) == [case]
    assert list(search_cases(clerk, "Ђорђевић")) == [case]
    assert list(search_cases(clerk, "rupa đorđević")) == [case]
    assert list(search_cases(clerk, "buka")) == [other]


def test_case_matches_when_terms_are_split_between_case_and_client(clerk):
    """'rupa' is in the subject, 'jelena' only in the client's name."""
    case = new_case(clerk, clients=[new_person(clerk)])
    assert list(search_cases(clerk, "rupa jelena")) == [case]


def test_search_never_crosses_municipalities(clerk, other_clerk):
    new_case(other_clerk, clients=[new_person(other_clerk, contacts=[PHONE])])
    assert list(search_clients(clerk, "Đorđević")) == []
    assert list(search_cases(clerk, "Đorđević")) == []
    assert list(search_cases(clerk, "0641234567")) == []


def test_officer_finds_only_cases_they_may_see(municipality, clerk, officer):
    other_department = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    jelena = new_person(clerk)
    theirs = new_case(clerk, clients=[jelena], department=officer.department)
    new_case(clerk, subject="Rupa", clients=[jelena], department=other_department)
    assert list(search_cases(officer, "Đorđević")) == [theirs]


def test_merged_clients_are_not_offered(municipality, clerk):
    head = make_member(municipality, Role.HEAD)
    keep, duplicate = new_person(clerk), new_person(clerk)
    merge_clients(actor=head, source=duplicate, target=keep)
    assert list(search_clients(clerk, "Đorđević")) == [keep]


def test_assignee_change_keeps_case_findable(clerk, officer):
    case = new_case(clerk, clients=[new_person(clerk)])
    assign_case(actor=clerk, case=case, assignee=officer.user)
    assert list(search_cases(clerk, "djordjevic")) == [case]
