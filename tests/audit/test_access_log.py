"""The access log: every view, search, export and change of personal data by a member
of staff is one record naming the member and the clients, chained per municipality."""

import pytest
from django.db import connection, transaction
from django.urls import reverse

from salter.audit import log
from salter.audit.models import AccessRecord, AccessSubject
from salter.audit.seal import seal
from salter.audit.verify import verify_chain
from salter.cases.actions import add_note, link_client
from salter.clients.actions import update_client
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from tests.factories import make_member
from tests.workspace.conftest import new_case, new_person, url


@pytest.fixture
def person(clerk):
    return new_person(clerk, jmbg="0101990710008")


def records_of(member):
    return list(AccessRecord.objects.filter(actor=member).order_by("id"))


def views_of(member):
    return [r for r in records_of(member) if r.action != log.Action.CHANGE]


def test_viewing_a_client_page_writes_one_record_naming_the_officer_and_the_client(
        login, officer, person):
    # Given an officer, and a client made by a clerk
    web = login(officer)
    # When the officer opens the client's page
    response = web.get(url("client", officer, client_id=person.pk))
    # Then exactly one record names the officer and the client, from the officer's address
    assert response.status_code == 200
    [record] = records_of(officer)
    assert (record.action, record.target, record.target_id) == ("view", "client", person.pk)
    assert record.actor_name == "officer" and record.municipality_id == officer.municipality_id
    assert record.subjects == [person.pk]
    assert record.address == "127.0.0.1"
    assert record.path == url("client", officer, client_id=person.pk)
    # Sealed into the chain by the worker, it is indexed under the client.
    seal()
    assert list(AccessSubject.objects.filter(record=record).values_list("client_id", flat=True)
                ) == [person.pk]


def test_the_client_page_shows_who_accessed_the_clients_data(login, officer, clerk, person):
    login(officer).get(url("client", officer, client_id=person.pk))
    page = login(clerk).get(url("client", clerk, client_id=person.pk)).content.decode()
    assert 'data-actor="officer"' in page


def test_a_case_page_names_the_cases_clients(web, clerk, person):
    case = new_case(clerk, clients=[person])
    web.get(url("case", clerk, case_id=case.pk))
    [view] = [r for r in views_of(clerk) if r.target == "case"]
    assert view.target_id == case.pk and view.subjects == [person.pk]


def test_a_search_records_what_was_typed_and_whom_it_showed(web, clerk, person):
    web.get(url("search", clerk), {"q": "Đorđević"})
    searches = [r for r in views_of(clerk) if r.action == "search"]
    assert {(r.target, r.detail) for r in searches} == {("client", "Đorđević"),
                                                         ("case", "Đorđević")}
    by_target = {r.target: r for r in searches}
    assert by_target["client"].subjects == [person.pk] and by_target["client"].count == 1
    assert by_target["case"].count == 0


def test_a_client_list_page_records_the_clients_it_listed(web, clerk, person):
    web.get(url("clients", clerk))
    [listed] = [r for r in views_of(clerk) if r.action == "list"]
    assert listed.subjects == [person.pk] and listed.count == 1


def test_opening_a_document_and_a_message_is_recorded(web, clerk, person):
    case = new_case(clerk, clients=[person])
    document = Document.objects.create(municipality=clerk.municipality, case=case,
                                       blob=store_bytes(b"%PDF-1.4"), filename="a.pdf",
                                       content_type="application/pdf")
    web.get(url("document", clerk, document_id=document.pk))
    [view] = [r for r in views_of(clerk) if r.target == "document"]
    assert view.target_id == document.pk and view.subjects == [person.pk]


def test_a_change_is_recorded_in_the_actions_transaction(clerk, person):
    case = new_case(clerk, clients=[person])
    before = AccessRecord.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_note(actor=clerk, case=case, text="Pozvati stranku")
        assert AccessRecord.objects.filter(action="change", detail="note").exists()
        raise RuntimeError("the request failed after the change")
    # Rolled back together: no change without its record, no record without its change.
    assert AccessRecord.objects.count() == before


def test_a_posted_change_is_one_change_record_not_a_view_as_well(web, clerk, person):
    case = new_case(clerk, clients=[person])
    last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first()
    web.post(url("case_note", clerk, case_id=case.pk), {"note-text": "Pozvati stranku"})
    new = list(AccessRecord.objects.filter(id__gt=last).order_by("id"))
    assert [(r.action, r.target, r.detail) for r in new] == [("change", "case", "note")]


def test_a_correction_keeps_before_after_and_reason(clerk, person):
    update_client(actor=clerk, client=person, address="Korzo 2", reason="ID card shown")
    [revision] = person.revisions.all()
    assert revision.changes == {"address": ["", "Korzo 2"]}
    assert revision.reason == "ID card shown" and revision.actor == clerk.user
    change = AccessRecord.objects.get(action="change", target="client", detail="updated")
    assert change.reason == "ID card shown" and change.subjects == [person.pk]


def test_another_municipalitys_client_is_a_404_and_names_nobody(login, other_clerk, person):
    response = login(other_clerk).get(url("client", other_clerk, client_id=person.pk))
    assert response.status_code == 404
    assert AccessRecord.objects.filter(actor=other_clerk).count() == 0


def test_recording_under_another_municipality_is_refused(other_clerk, person):
    with pytest.raises(ValueError):
        log.record(other_clerk, log.Action.VIEW, log.Target.CLIENT, person.pk,
                   municipality_id=person.municipality_id)


def test_the_page_is_not_shown_when_its_record_cannot_be_written(login, officer, person,
                                                                 monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(log, "write", broken)
    client = login(officer)
    client.raise_request_exception = False
    response = client.get(url("client", officer, client_id=person.pk))
    assert response.status_code == 500
    assert person.display_name not in response.content.decode()


def test_system_work_is_not_a_persons_access(clerk, person):
    from tests.factories import system
    case = new_case(clerk, clients=[person])
    start = AccessRecord.objects.count()
    link_client(actor=system(clerk.municipality), case=case, client=new_person(clerk, "Ana"))
    assert AccessRecord.objects.count() == start + 1  # the clerk's new client only


def test_the_api_records_what_it_returns(clerk, person, client):
    from salter.api.models import ApiToken
    case = new_case(clerk, clients=[person])
    _token, raw = ApiToken.issue(clerk, "test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    base = f"/api/v1/{clerk.municipality.slug}"
    client.get(f"{base}/cases/{case.pk}", **headers)
    client.get(f"{base}/cases", {"q": "Đorđević"}, **headers)
    kinds = [(r.action, r.target) for r in views_of(clerk)]
    assert ("view", "case") in kinds and ("search", "case") in kinds


class TestChain:
    def test_records_are_sealed_in_the_order_they_were_written_without_gaps(
            self, web, clerk, person):
        web.get(url("client", clerk, client_id=person.pk))
        assert AccessRecord.objects.filter(seq__isnull=True).exists()
        first = seal()
        web.get(url("client", clerk, client_id=person.pk))
        second = seal()
        rows = list(AccessRecord.objects.filter(municipality=clerk.municipality)
                    .order_by("id").values_list("seq", flat=True))
        assert rows == list(range(1, first + second + 1)) and seal() == 0

    def test_an_intact_chain_verifies(self, web, clerk, person):
        for _ in range(3):
            web.get(url("client", clerk, client_id=person.pk))
        seal()
        verdict = verify_chain(clerk.municipality_id)
        assert verdict.ok and verdict.checked == AccessRecord.objects.count()

    def test_a_changed_record_is_named_as_the_first_broken_link(self, web, clerk, person):
        for _ in range(4):
            web.get(url("client", clerk, client_id=person.pk))
        seal()
        victim = AccessRecord.objects.filter(municipality=clerk.municipality).order_by("seq")[2]
        with connection.cursor() as cursor:  # what someone with database access could do
            cursor.execute("UPDATE audit_accessrecord SET actor_name = %s WHERE id = %s",
                           ["someone_else", victim.pk])
        verdict = verify_chain(clerk.municipality_id)
        assert not verdict.ok
        assert (verdict.broken.seq, verdict.broken.record_id) == (victim.seq, victim.pk)
        assert "content" in verdict.broken.why

    def test_a_removed_record_is_named(self, web, clerk, person):
        for _ in range(4):
            web.get(url("client", clerk, client_id=person.pk))
        seal()
        victim = AccessRecord.objects.filter(municipality=clerk.municipality).order_by("seq")[1]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accesssubject WHERE record_id = %s", [victim.pk])
            cursor.execute("DELETE FROM audit_accessrecord WHERE id = %s", [victim.pk])
        verdict = verify_chain(clerk.municipality_id)
        assert verdict.broken.seq == victim.seq and "missing" in verdict.broken.why

    def test_the_log_refuses_updates_and_deletes(self, web, clerk, person):
        web.get(url("client", clerk, client_id=person.pk))
        seal()
        record = AccessRecord.objects.first()
        with pytest.raises(TypeError):
            record.save()
        with pytest.raises(TypeError):
            AccessRecord.objects.all().delete()
        with pytest.raises(TypeError):
            AccessRecord.objects.update(reason="x")

    def test_each_municipality_has_its_own_chain(self, login, clerk, other_clerk, person):
        other_person = new_person(other_clerk, "Ana")
        login(clerk).get(url("client", clerk, client_id=person.pk))
        login(other_clerk).get(url("client", other_clerk, client_id=other_person.pk))
        seal()
        for member in (clerk, other_clerk):
            seqs = list(AccessRecord.objects.filter(municipality=member.municipality)
                        .order_by("seq").values_list("seq", flat=True))
            assert seqs == list(range(1, len(seqs) + 1))
            assert verify_chain(member.municipality_id).ok


class TestLogPage:
    def test_an_auditor_searches_and_exports_the_log(self, login, officer, person):
        auditor = make_member(officer.municipality, "auditor", username="auditor")
        login(officer).get(url("client", officer, client_id=person.pk))
        web = login(auditor)
        page = web.get(reverse("audit:log", args=[auditor.municipality.slug]),
                       {"actor": "officer"})
        assert page.status_code == 200 and "officer" in page.content.decode()
        csv = web.get(reverse("audit:log", args=[auditor.municipality.slug]),
                      {"client": person.pk, "format": "csv"})
        assert csv["Content-Type"].startswith("text/csv")
        lines = csv.content.decode().splitlines()
        assert lines[0].startswith("seq,at,actor") and any(",officer," in li for li in lines)
        exported = AccessRecord.objects.get(actor=auditor, action="export")
        assert exported.target == "access_log" and exported.subjects == [person.pk]

    def test_the_log_pages_newest_first_by_cursor_and_never_counts_it_all(
            self, login, officer, other_clerk):
        from django.test.utils import CaptureQueriesContext

        from salter.audit.views import PAGE_SIZE
        from tests.scale.plans import full_scans, plan_of, sorts

        auditor = make_member(officer.municipality, "auditor", username="auditor")
        for n in range(PAGE_SIZE + 5):
            log.record(officer, log.Action.VIEW, log.Target.CASE, target_id=n + 1)
        log.record(other_clerk, log.Action.VIEW, log.Target.CASE, target_id=999)
        web = login(auditor)
        address = reverse("audit:log", args=[auditor.municipality.slug])
        with CaptureQueriesContext(connection) as queries:
            first = web.get(address)
        # Kept now: the next request clears the connection's log of queries.
        statements = [q["sql"] for q in queries]
        assert not any("COUNT(" in sql.upper() for sql in statements)
        shown = [r.pk for r in first.context["page"].object_list]
        assert len(shown) == PAGE_SIZE and shown == sorted(shown, reverse=True)
        cursor = first.context["page"].next_cursor
        second = web.get(address, {"cursor": cursor})
        more = [r.pk for r in second.context["page"].object_list]
        assert more and max(more) < min(shown) and not set(more) & set(shown)
        mine = set(AccessRecord.objects.filter(municipality=officer.municipality)
                   .values_list("pk", flat=True))
        assert set(shown) | set(more) <= mine  # never the other municipality's records
        assert web.get(address, {"cursor": "not-a-cursor"}).status_code == 200
        listing = next(sql for sql in statements if "audit_accessrecord" in
                       sql.split("WHERE")[0] and "ORDER BY" in sql)
        text = plan_of(listing)
        assert full_scans(text, "audit_accessrecord") == [] and sorts(text) == [], text

    def test_an_officer_may_not_read_the_log(self, login, officer):
        response = login(officer).get(reverse("audit:log", args=[officer.municipality.slug]))
        assert response.status_code == 403

    def test_the_command_verifies_and_names_the_break(self, web, clerk, person, capsys):
        from django.core.management import call_command
        web.get(url("client", clerk, client_id=person.pk))
        call_command("audit", "verify")
        assert "chain intact" in capsys.readouterr().out
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_accessrecord SET reason = 'x' WHERE seq IS NOT NULL")
        with pytest.raises(SystemExit):
            call_command("audit", "verify", "--municipality", clerk.municipality.slug)
        assert "BROKEN at record #1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_worker_seals_new_records_into_the_chain(client, clerk, person):
    from django.core.management import call_command
    client.force_login(clerk.user)
    client.get(url("client", clerk, client_id=person.pk))
    assert AccessRecord.objects.filter(seq__isnull=True).exists()
    call_command("worker", "--batch")
    assert not AccessRecord.objects.filter(seq__isnull=True).exists()
    assert verify_chain(clerk.municipality_id).ok
