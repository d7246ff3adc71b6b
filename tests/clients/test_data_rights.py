"""A data subject's rights (ZZPL): everything held on a client exported as JSON and PDF,
corrections kept with their history, consents per channel and purpose, and
anonymisation once the retention period has passed."""

import json
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from salter.audit.models import AccessRecord
from salter.cases.actions import add_note, change_case_status
from salter.cases.models import Case, CaseEvent
from salter.channels.models import InboundMessage
from salter.clients import consent, retention
from salter.clients.actions import add_contact_point, update_client
from salter.clients.models import Anonymisation, Client, ContactPoint, RetentionRun
from salter.documents.models import Blob, Document
from salter.documents.storage import blob_path, store_bytes
from salter.tenancy.roles import Role
from tests.factories import make_member
from tests.workspace.conftest import new_case, new_person, url

JMBG = "0101990710008"
LATER = timedelta(days=365 * 11)


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


@pytest.fixture
def person(clerk):
    client = new_person(clerk, first="Ђорђе", last="Petrović-Szabó", jmbg=JMBG,
                        address="Korzo 5", place="Subotica")
    add_contact_point(actor=clerk, client=client, kind=ContactPoint.Kind.EMAIL,
                      value="djordje@example.rs")
    return client


def inbound(client, case, body, *, raw=b"From: djordje@example.rs\r\n\r\nRupa na putu"):
    blob = store_bytes(raw)
    return InboundMessage.objects.create(
        municipality=client.municipality, channel="email", idempotency_key=blob.sha256,
        sha256=blob.sha256, raw=blob, sender="djordje@example.rs", subject="Rupa",
        body_text=body, client=client, case=case, state=InboundMessage.State.PROCESSED)


@pytest.fixture
def history(clerk, person):
    case = new_case(clerk, subject="Rupa ispred kuće Korzo 5", clients=[person],
                    description="Petrović javlja rupu")
    add_note(actor=clerk, case=case, text="Stranka Ђорђе zove svaki dan")
    inbound(person, case, "Molim vas popravite rupu. Ђорђе")
    Document.objects.create(municipality=person.municipality, case=case, client=person,
                            blob=store_bytes(b"%PDF-1.4 skenirano " * 10000),
                            filename="zahtev-petrovic.pdf", content_type="application/pdf",
                            text="Zahtev Ђорђе Petrović")
    consent.record_consent(actor=clerk, client=person, channel="sms", given=False,
                           how="STOP by SMS")
    return case


def export(web, member, client, fmt, reason="Zahtev od 3. marta"):
    return web.post(url("client_export", member, client_id=client.pk),
                    {"reason": reason, "format": fmt})


class TestExport:
    def test_the_json_export_holds_everything_and_is_recorded_with_its_reason(
            self, login, admin, person, history):
        response = export(login(admin), admin, person, "json")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        data = json.loads(response.content)
        assert data["client"]["jmbg"] == JMBG and data["client"]["first_name"] == "Ђорђе"
        assert [p["value"] for p in data["contact_points"]] == ["djordje@example.rs"]
        [case] = data["cases"]
        assert case["subject"] == "Rupa ispred kuće Korzo 5"
        assert any(e["text"] == "Stranka Ђорђе zove svaki dan" for e in case["timeline"])
        assert data["messages_received"][0]["text"] == "Molim vas popravite rupu. Ђорђе"
        assert data["documents"][0]["filename"] == "zahtev-petrovic.pdf"
        assert data["consents"][0] == {**data["consents"][0], "channel": "sms",
                                       "given": False, "how": "STOP by SMS"}
        record = AccessRecord.objects.get(actor=admin, action="export")
        assert (record.target, record.target_id, record.reason) == (
            "client", person.pk, "Zahtev od 3. marta")

    def test_the_pdf_reads_back_in_every_script(self, login, admin, person, history):
        response = export(login(admin), admin, person, "pdf")
        assert response["Content-Type"] == "application/pdf"
        text = subprocess.run(["pdftotext", "-", "-"], input=response.content,
                              capture_output=True, check=True).stdout.decode()
        for expected in ("Ђорђе", "Petrović-Szabó", JMBG, "Rupa ispred kuće Korzo 5",
                         "Stranka Ђорђе zove svaki dan", "djordje@example.rs"):
            assert expected in text

    def test_an_export_needs_a_reason(self, login, admin, person):
        response = export(login(admin), admin, person, "json", reason="")
        assert response.status_code == 400
        assert not AccessRecord.objects.filter(action="export").exists()

    def test_an_officer_may_not_export(self, login, officer, person):
        assert export(login(officer), officer, person, "json").status_code == 403

    def test_another_municipalitys_client_is_a_404(self, login, other_municipality, person):
        stranger = make_member(other_municipality, Role.ADMIN, username="stranger")
        assert export(login(stranger), stranger, person, "json").status_code == 404


class TestConsent:
    def test_stop_withdraws_every_purpose_on_that_channel_only(self, clerk, person):
        consent.record_consent(actor=clerk, client=person, channel="sms", given=False,
                               how="STOP")
        assert consent.consent_given(person, "sms", consent.Purpose.CASE_UPDATES) is False
        assert consent.consent_given(person, "email", consent.Purpose.CASE_UPDATES) is None
        assert consent.may_contact(person, "email", consent.Purpose.CASE_UPDATES, default=True)

    def test_a_later_statement_replaces_an_earlier_one(self, clerk, person):
        consent.record_consent(actor=clerk, client=person, channel="sms", given=False)
        consent.record_consent(actor=clerk, client=person, channel="sms", given=True,
                               purpose=consent.Purpose.REMINDERS, how="signed at the counter")
        assert consent.consent_given(person, "sms", consent.Purpose.REMINDERS) is True
        assert consent.consent_given(person, "sms", consent.Purpose.INFORMATION) is False
        [*_, latest] = consent.current_consents(person)
        assert latest.purpose == consent.Purpose.REMINDERS

    def test_staff_record_a_statement_on_the_data_page(self, login, clerk, person):
        web = login(clerk)
        response = web.post(url("client_consent", clerk, client_id=person.pk), {
            "channel": "email", "purpose": "information", "given": "1",
            "how": "potpisan obrazac na šalteru"})
        assert response.status_code == 302
        page = web.get(url("client_data", clerk, client_id=person.pk)).content.decode()
        assert 'data-channel="email" data-given="yes"' in page


def test_a_correction_shows_on_the_client_page_with_before_after_and_reason(
        login, clerk, person):
    update_client(actor=clerk, client=person, address="Korzo 7", reason="lična karta")
    page = login(clerk).get(url("client", clerk, client_id=person.pk)).content.decode()
    assert "<del>Korzo 5</del>" in page and "<ins>Korzo 7</ins>" in page
    assert "lična karta" in page


class TestAnonymisation:
    @pytest.fixture
    def closed(self, clerk, history):
        change_case_status(actor=clerk, case=history, status="closed")
        return history

    def test_a_dry_run_lists_what_would_change_and_changes_nothing(
            self, clerk, person, closed, capsys):
        call_command("anonymise", "--dry-run", "--years", "1")
        assert "0 client(s) would be anonymised" in capsys.readouterr().out  # too recent
        [plan] = retention.run(dry_run=True, now=timezone.now() + LATER)
        assert plan.client == person
        assert plan.summary() == {**plan.summary(), "cases": 1, "contact_points": 1,
                                  "messages_received": 1, "documents": 1}
        person.refresh_from_db()
        assert person.jmbg == JMBG and person.anonymised_at is None

    def test_anonymisation_replaces_identifiers_contacts_and_free_text_and_keeps_statistics(
            self, clerk, person, closed, django_capture_on_commit_callbacks):
        document = Document.objects.get(client=person)
        old_blob, old_file = document.blob, blob_path(document.blob.sha256)
        assert old_file.exists()
        with django_capture_on_commit_callbacks(execute=True):
            [plan] = retention.run(now=timezone.now() + LATER)
        assert plan.client == person
        person.refresh_from_db()
        assert person.anonymised_at is not None
        assert (person.jmbg, person.first_name, person.last_name, person.address) == ("",) * 4
        assert person.display_name == f"Anonymised client {person.pk}"
        assert not ContactPoint.objects.filter(client=person).exists()
        case = Case.objects.get(pk=closed.pk)
        assert (case.subject, case.description) == ("", "")
        # Statistics stay: the case, its number, channel, status, dates, timeline kinds.
        assert case.registry_number == closed.registry_number and case.status == "closed"
        kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", "text"))
        assert ("note", "") in kinds and all(text == "" for _kind, text in kinds)
        message = InboundMessage.objects.get(client=person)
        assert (message.sender, message.body_text) == ("", "")
        assert bytes(message.raw.data) == retention.PLACEHOLDER
        document.refresh_from_db()
        assert document.filename == f"document-{document.pk}" and document.text == ""
        assert not old_file.exists()
        assert not Blob.objects.filter(pk=old_blob.pk).exists()
        assert Anonymisation.objects.get(client=person).changed["cases"] == 1
        # A second run finds nothing more to do.
        assert retention.run(now=timezone.now() + LATER) == []

    def test_an_open_case_or_recent_activity_keeps_the_client(self, clerk, person, history):
        assert retention.run(now=timezone.now() + LATER) == []  # the case is still open
        other = new_person(clerk, "Ana", "Kiš")
        assert retention.run(now=timezone.now() + timedelta(days=30)) == []
        assert Client.objects.get(pk=other.pk).anonymised_at is None

    def test_the_scheduled_job_runs_once_a_day(self, clerk, person, closed):
        later = timezone.now() + LATER
        assert retention.run_if_due(now=later) == 1
        assert retention.run_if_due(now=later + timedelta(hours=2)) is None
        assert retention.run_if_due(now=later + timedelta(days=1, minutes=1)) == 0
        assert RetentionRun.objects.count() == 2
