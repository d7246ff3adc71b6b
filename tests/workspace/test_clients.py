"""Client list, client page with its whole history, edits, contacts and merging."""

import datetime

import pytest
from django.utils import timezone

from salter.cases.models import CaseEvent, Channel
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.actions import mark_contact_failing, update_client
from salter.clients.models import Client, ClientMerge, ContactPerson, ContactPoint
from salter.documents.models import Blob, Document
from tests.factories import make_department
from tests.workspace.conftest import JMBG, MB, PIB, new_case, new_person, url

pytestmark = pytest.mark.django_db

PHONE = (ContactPoint.Kind.PHONE, "064 123 4567")
EMAIL = (ContactPoint.Kind.EMAIL, "jelena@example.rs")


@pytest.fixture
def jelena(clerk):
    return new_person(clerk, contacts=[PHONE, EMAIL])


def _blob(n):
    return Blob.objects.create(sha256=f"{n:064x}", size=100)


def test_list_and_search_in_any_script(web, clerk, jelena):
    marko = new_person(clerk, first="Marko", last="Marković")
    everyone = web.get(url("clients", clerk))
    assert {c.pk for c in everyone.context["page"].object_list} == {jelena.pk, marko.pk}
    found = web.get(url("clients", clerk), {"q": "ЂОРЂЕВИЋ"})
    assert [c.pk for c in found.context["page"].object_list] == [jelena.pk]


def test_client_list_goes_through_the_names_a_page_at_a_time_without_counting(
        web, clerk, other_clerk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from salter.workspace.views.clients import PAGE_SIZE

    for n in range(PAGE_SIZE + 5):  # businesses (no last name) come first, by name
        new_person(clerk, first=f"Ime{n % 3}", last=f"Prezime{n:02d}")
    business = Client.objects.create(municipality=clerk.municipality, kind="business",
                                     business_name="Zora d.o.o.")
    new_person(other_clerk, first="Ime", last="Prezime00")  # another municipality's
    merged = new_person(clerk, first="Stari", last="Prezime01")
    Client.objects.filter(pk=merged.pk).update(merged_into=business)
    with CaptureQueriesContext(connection) as queries:
        first = web.get(url("clients", clerk)).context["page"]
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert [c.display_name for c in first.object_list[:2]] == [
        "Zora d.o.o.", "Ime0 Prezime00"]
    assert len(first.object_list) == PAGE_SIZE and first.previous_cursor is None
    second = web.get(url("clients", clerk), {"cursor": first.next_cursor}).context["page"]
    assert [c.last_name for c in second.object_list] == [
        f"Prezime{n:02d}" for n in range(PAGE_SIZE - 1, PAGE_SIZE + 5)]
    assert second.next_cursor is None
    back = web.get(url("clients", clerk), {"cursor": second.previous_cursor})
    assert [c.pk for c in back.context["page"].object_list] == [
        c.pk for c in first.object_list]
    # An old "?page=" link, or a cursor that cannot be read: the first page.
    for params in ({"page": "3"}, {"cursor": "not-a-cursor"}):
        page = web.get(url("clients", clerk), params).context["page"]
        assert [c.pk for c in page.object_list] == [c.pk for c in first.object_list]


def test_client_page_shows_contacts_with_failing_flag_and_persons(web, clerk, jelena):
    phone = jelena.contact_points.get(kind=ContactPoint.Kind.PHONE)
    mark_contact_failing(actor=clerk, point=phone, reason="SMS not delivered")
    ContactPerson.objects.create(municipality=clerk.municipality, client=jelena,
                                 name="Petar Petrović", function="Punomoćnik")
    html = web.get(url("client", clerk, client_id=jelena.pk)).content.decode()
    assert "064 1234567" in html  # national format
    assert "failing" in html and "SMS not delivered" in html
    assert "jelena@example.rs" in html and "Petar Petrović" in html


def test_history_has_all_cases_messages_and_documents_newest_first(web, clerk, municipality,
                                                                   jelena):
    now = timezone.now()
    older = new_case(clerk, subject="Stari", clients=[jelena],
                     received_at=now - datetime.timedelta(days=30))
    newer = new_case(clerk, subject="Novi", clients=[jelena])
    InboundMessage.objects.create(
        municipality=municipality, channel=Channel.EMAIL, idempotency_key="x", sha256="b" * 64,
        raw=_blob(1), sender="jelena@example.rs", subject="Pitanje", body_text="Kada?",
        client=jelena, received_at=now - datetime.timedelta(days=10))
    OutboundMessage.objects.create(
        municipality=municipality, channel=Channel.EMAIL, client=jelena, case=older,
        recipient="jelena@example.rs", subject="Odgovor", body_text="Sutra",
        created_at=now - datetime.timedelta(days=5))
    Document.objects.create(municipality=municipality, blob=_blob(2), filename="resenje.pdf",
                            client=jelena, case=newer)
    history = web.get(url("client", clerk, client_id=jelena.pk)).context["history"]
    assert [item.kind for item in history] == [
        "document", "case", "outbound", "inbound", "case"]
    assert [h.item for h in history if h.kind == "case"] == [newer, older]
    assert [h.at for h in history] == sorted((h.at for h in history), reverse=True)


def test_history_leaves_out_cases_the_officer_may_not_see(login, clerk, officer, municipality,
                                                          jelena):
    elsewhere = make_department(municipality, name="Urbanizam", registry_unit="IV-05")
    hidden = new_case(clerk, subject="Tuđe", clients=[jelena], department=elsewhere)
    Document.objects.create(municipality=municipality, blob=_blob(3), filename="tajno.pdf",
                            client=jelena, case=hidden)
    shown = new_case(clerk, subject="Naše", clients=[jelena], department=officer.department)
    response = login(officer).get(url("client", officer, client_id=jelena.pk))
    assert [h.item for h in response.context["history"]] == [shown]
    assert "tajno.pdf" not in response.content.decode()


def test_edit_client(web, clerk, jelena):
    response = web.post(url("client_edit", clerk, client_id=jelena.pk), {
        "kind": "person", "first_name": "Jelena", "last_name": "Đorđević-Kiš", "jmbg": JMBG,
        "address": "Korzo 2", "place": "Subotica"})
    assert response.status_code == 302
    jelena.refresh_from_db()
    assert (jelena.last_name, jelena.jmbg, jelena.place) == ("Đorđević-Kiš", JMBG, "Subotica")
    assert "djordjevic-kis" in jelena.search_text


@pytest.mark.parametrize(("field", "data"), [
    ("jmbg", {"kind": "person", "last_name": "X", "jmbg": "1234567890123"}),
    ("pib", {"kind": "business", "business_name": "Agro", "pib": "123"}),
    ("mb", {"kind": "business", "business_name": "Agro", "pib": PIB, "mb": "12345678"}),
])
def test_edit_with_invalid_identifier_is_a_field_error(web, clerk, jelena, field, data):
    response = web.post(url("client_edit", clerk, client_id=jelena.pk), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    jelena.refresh_from_db()
    assert (jelena.kind, jelena.last_name, jelena.jmbg) == ("person", "Đorđević", "")


def test_edit_form_starts_from_the_client(web, clerk, jelena):
    form = web.get(url("client_edit", clerk, client_id=jelena.pk)).context["form"]
    assert form["last_name"].value() == "Đorđević"


def test_add_and_remove_contact_point(web, clerk, jelena):
    web.post(url("client_add_contact", clerk, client_id=jelena.pk),
             {"contact-kind": "phone", "contact-value": "024 555 111", "contact-label": "posao"})
    point = jelena.contact_points.get(value="+38124555111")
    assert point.label == "posao"
    web.post(url("client_remove_contact", clerk, client_id=jelena.pk, point_id=point.pk))
    assert not jelena.contact_points.filter(pk=point.pk).exists()


@pytest.mark.parametrize(("kind", "value"), [("phone", "12"), ("email", "nije-adresa")])
def test_invalid_contact_point_is_an_error_on_the_value(web, clerk, jelena, kind, value):
    response = web.post(url("client_add_contact", clerk, client_id=jelena.pk),
                        {"contact-kind": kind, "contact-value": value})
    assert response.status_code == 200
    assert "value" in response.context["forms"]["contact"].errors
    assert jelena.contact_points.count() == 2


def test_contact_point_of_another_client_is_refused(web, clerk, jelena):
    marko = new_person(clerk, first="Marko", last="Marković")
    response = web.post(url("client_add_contact", clerk, client_id=marko.pk),
                        {"contact-kind": "email", "contact-value": "JELENA@example.rs"})
    assert "Jelena Đorđević" in str(response.context["forms"]["contact"].errors["value"])


def test_add_contact_person_and_invalid_email(web, clerk):
    firm = new_person(clerk)
    web.post(url("client_add_person", clerk, client_id=firm.pk),
             {"person-name": "Ana Kiš", "person-phone": "0641112222"})
    assert firm.contact_persons.get().phone == "+381641112222"
    response = web.post(url("client_add_person", clerk, client_id=firm.pk),
                        {"person-name": "Bob", "person-email": "bob@"})
    assert "email" in response.context["forms"]["person"].errors
    assert firm.contact_persons.count() == 1


def test_duplicates_are_suggested_and_merged_by_a_head(login, clerk, head, jelena):
    twin = new_person(clerk, first="Jelena", last="Djordjevic")
    case = new_case(clerk, clients=[twin])
    response = login(clerk).get(url("client_duplicates", clerk, client_id=jelena.pk))
    assert list(response.context["suggestions"]) == [twin]
    assert b'name="merge-source"' not in response.content  # clerks may not merge clients

    response = login(head).post(url("client_merge", head, client_id=jelena.pk),
                                {"merge-source": twin.pk})
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into == jelena
    assert list(case.clients.all()) == [jelena]
    assert case.events.filter(kind=CaseEvent.Kind.CLIENT_MERGED).count() == 1
    assert ClientMerge.objects.get().actor == head.user


def test_merging_clients_needs_permission(login, clerk, jelena):
    twin = new_person(clerk, first="Jelena", last="Djordjevic")
    response = login(clerk).post(url("client_merge", clerk, client_id=jelena.pk),
                                 {"merge-source": twin.pk})
    assert response.status_code == 403
    assert not ClientMerge.objects.exists()


def test_person_cannot_be_merged_with_business(login, clerk, head, jelena):
    firm = new_person(clerk)  # same name, then made a business
    update_client(actor=clerk, client=firm, kind="business", business_name="Jelena Đorđević",
                  first_name="", last_name="", pib=PIB, mb=MB)
    response = login(head).post(url("client_merge", head, client_id=jelena.pk),
                                {"merge-source": firm.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ClientMerge.objects.exists()


def test_auditor_reads_clients_but_cannot_change_them(login, auditor, jelena):
    web = login(auditor)
    assert web.get(url("client", auditor, client_id=jelena.pk)).status_code == 200
    point = jelena.contact_points.first()
    for name, kwargs in [("client_edit", {}), ("client_add_contact", {}),
                         ("client_add_person", {}), ("client_merge", {}),
                         ("client_remove_contact", {"point_id": point.pk})]:
        response = web.post(url(name, auditor, client_id=jelena.pk, **kwargs), {})
        assert response.status_code == 403, name
    assert Client.objects.get(pk=jelena.pk).contact_points.count() == 2
