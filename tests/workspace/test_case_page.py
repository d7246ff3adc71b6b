"""The case page and the changes staff make on it; each change is a CaseEvent."""

import pytest
from django.utils import timezone

from salter.cases.actions import add_note, assign_case, link_cases, set_parent_case
from salter.cases.models import Case, CaseEvent, CaseLink, Channel
from salter.cases.workflow import Status, allowed_transitions
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import Client
from salter.documents.models import Blob, Document
from tests.workspace.conftest import JMBG, new_case, new_person, url

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind


@pytest.fixture
def case(clerk):
    return new_case(clerk, clients=[new_person(clerk)])


def _events(case, kind):
    return list(case.events.filter(kind=kind))


def _blob(n=1):
    return Blob.objects.create(sha256=f"{n:064x}", size=2048)


def test_header_shows_the_case_facts(web, clerk, officer, case):
    assign_case(actor=clerk, case=case, assignee=officer.user)
    html = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    for text in (case.registry_number, case.tracking_code, "Assigned", "Normal",
                 officer.department.name, "Officer Test", "In person", "Jelena Đorđević"):
        assert text in html, text


def test_timeline_shows_actor_belgrade_time_kind_and_changes(web, clerk, officer, case):
    add_note(actor=clerk, case=case, text="Pozvati stranku")
    assign_case(actor=clerk, case=case, assignee=officer.user)
    response = web.get(url("case", clerk, case_id=case.pk))
    entries = response.context["timeline"]
    assert [e.kind for e in entries] == [Kind.CREATED, Kind.NOTE, Kind.ASSIGNED]
    assigned = entries[-1]
    assert assigned.actor == "Clerk Test"
    labels = {c.label: (c.before, c.after) for c in assigned.changes}
    assert labels["Assignee"] == ("—", "Officer Test")
    assert labels["Status"] == ("New", "Assigned")
    belgrade = timezone.localtime(assigned.event.at).strftime("%H:%M")
    html = response.content.decode()
    assert belgrade in html and "Pozvati stranku" in html


def test_note_is_added(web, clerk, case):
    response = web.post(url("case_note", clerk, case_id=case.pk), {"note-text": "Zvao ponovo"})
    assert response.status_code == 302
    [note] = _events(case, Kind.NOTE)
    assert (note.text, note.actor) == ("Zvao ponovo", clerk.user)


def test_empty_note_is_a_field_error(web, clerk, case):
    response = web.post(url("case_note", clerk, case_id=case.pk), {"note-text": " "})
    assert response.status_code == 200
    assert "text" in response.context["forms"]["note"].errors
    assert 'id="id_note-text_error"' in response.content.decode()
    assert not _events(case, Kind.NOTE)


def test_assign_to_a_member_of_this_municipality(web, clerk, officer, case):
    web.post(url("case_assign", clerk, case_id=case.pk),
             {"assign-assignee": officer.user.pk, "assign-department": ""})
    case.refresh_from_db()
    assert case.assignee == officer.user and case.status == Status.ASSIGNED
    [event] = _events(case, Kind.ASSIGNED)
    assert event.after["assignee"] == officer.user.pk


def test_assignee_of_another_municipality_is_not_a_choice(web, clerk, other_clerk, case):
    response = web.post(url("case_assign", clerk, case_id=case.pk),
                        {"assign-assignee": other_clerk.user.pk})
    assert "assignee" in response.context["forms"]["assign"].errors
    assert not _events(case, Kind.ASSIGNED)


def test_status_buttons_are_the_allowed_transitions(web, clerk, case):
    html = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    for status in Status.values:
        button = f'name="status-status" value="{status}"'
        assert (button in html) == (status in allowed_transitions(case.status)), status


def test_status_change_is_recorded(web, clerk, case):
    web.post(url("case_status", clerk, case_id=case.pk),
             {"status-status": Status.IN_PROGRESS, "status-text": "Počinjem"})
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    [event] = _events(case, Kind.STATUS)
    assert event.before == {"status": Status.NEW} and event.text == "Počinjem"


def test_status_not_allowed_from_here_is_refused(web, clerk, case):
    response = web.post(url("case_status", clerk, case_id=case.pk),
                        {"status-status": Status.WAITING_CITIZEN})
    assert "status" in response.context["forms"]["status"].errors
    case.refresh_from_db()
    assert case.status == Status.NEW and not _events(case, Kind.STATUS)


def test_link_existing_client_and_unlink(web, clerk, case):
    marko = new_person(clerk, first="Marko", last="Marković")
    web.post(url("case_link_client", clerk, case_id=case.pk),
             {"party-client_mode": "existing", "party-client": marko.pk})
    assert marko in case.clients.all()
    assert _events(case, Kind.CLIENT_LINKED)[0].after["client"] == marko.pk
    web.post(url("case_unlink_client", clerk, case_id=case.pk), {"unlink-client": marko.pk})
    assert marko not in case.clients.all()
    assert _events(case, Kind.CLIENT_UNLINKED)[0].before == {"client": marko.pk}


def test_link_new_client_with_invalid_jmbg_saves_nothing(web, clerk, case):
    response = web.post(url("case_link_client", clerk, case_id=case.pk), {
        "party-client_mode": "new", "party-kind": "person", "party-first_name": "Ana",
        "party-last_name": "Kiš", "party-jmbg": "123"})
    assert "jmbg" in response.context["forms"]["party"].errors
    assert Client.objects.count() == 1 and not _events(case, Kind.CLIENT_LINKED)


def test_link_new_client(web, clerk, case):
    web.post(url("case_link_client", clerk, case_id=case.pk), {
        "party-client_mode": "new", "party-kind": "person", "party-first_name": "Ana",
        "party-last_name": "Kiš", "party-jmbg": JMBG})
    assert case.clients.filter(jmbg=JMBG).exists()


def test_link_related_case_by_registry_number(web, clerk, case):
    other = new_case(clerk, subject="Isti problem")
    web.post(url("case_link", clerk, case_id=case.pk),
             {"link-registry_number": other.registry_number})
    assert CaseLink.objects.count() == 1
    assert _events(other, Kind.CASE_LINKED)[0].text == case.registry_number
    page = web.get(url("case", clerk, case_id=case.pk))
    assert list(page.context["related"]) == [other]


def test_registry_number_of_another_municipality_is_unknown(web, clerk, other_clerk, case):
    new_case(other_clerk)
    foreign = new_case(other_clerk)  # its number exists only in the other municipality
    assert not Case.objects.filter(municipality=clerk.municipality,
                                   registry_number=foreign.registry_number).exists()
    response = web.post(url("case_link", clerk, case_id=case.pk),
                        {"link-registry_number": foreign.registry_number})
    assert response.context["forms"]["link"].errors["registry_number"] == [
        "No case with this registry number."]
    assert not CaseLink.objects.exists()


def test_set_and_clear_parent(web, clerk, case):
    parent = new_case(clerk, subject="Glavni")
    web.post(url("case_parent", clerk, case_id=case.pk),
             {"parent-registry_number": parent.registry_number})
    case.refresh_from_db()
    assert case.parent == parent
    page = web.get(url("case", clerk, case_id=parent.pk))
    assert list(page.context["children"]) == [case]
    web.post(url("case_parent", clerk, case_id=case.pk), {"parent-registry_number": ""})
    case.refresh_from_db()
    assert case.parent is None
    assert [e.after["parent"] for e in _events(case, Kind.PARENT_SET)] == [parent.pk, None]


def test_parent_cycle_is_a_field_error(web, clerk, case):
    child = new_case(clerk, subject="Dete")
    set_parent_case(actor=clerk, case=child, parent=case)
    response = web.post(url("case_parent", clerk, case_id=case.pk),
                        {"parent-registry_number": child.registry_number})
    assert "registry_number" in response.context["forms"]["parent"].errors


def test_merge_needs_merge_permission(login, clerk, officer, case):
    """Clerks may merge; an officer may see the case but gets 403 for merging it."""
    into = new_case(clerk, subject="Original", department=officer.department)
    case_of_officer = new_case(clerk, subject="Duplikat", department=officer.department)
    response = login(officer).post(url("case_merge", officer, case_id=case_of_officer.pk),
                                   {"merge-registry_number": into.registry_number})
    assert response.status_code == 403
    html = login(officer).get(url("case", officer, case_id=case_of_officer.pk)).content
    assert b'name="merge-registry_number"' not in html

    login(clerk).post(url("case_merge", clerk, case_id=case.pk),
                      {"merge-registry_number": into.registry_number})
    case.refresh_from_db()
    assert case.merged_into == into and case.status == Status.CLOSED
    assert _events(into, Kind.MERGED)[0].after == {"merged": case.pk}


def test_auditor_reads_but_every_change_is_403(login, auditor, clerk, case):
    web = login(auditor)
    html = web.get(url("case", auditor, case_id=case.pk)).content.decode()
    assert 'name="note-text"' not in html and 'name="status-status"' not in html
    posts = {"case_note": {"note-text": "x"}, "case_assign": {},
             "case_status": {"status-status": Status.IN_PROGRESS},
             "case_link_client": {}, "case_unlink_client": {}, "case_link": {},
             "case_parent": {}, "case_merge": {}}
    for name, data in posts.items():
        assert web.post(url(name, auditor, case_id=case.pk), data).status_code == 403, name
    assert case.events.count() == 1


def test_children_documents_and_messages_are_shown(web, clerk, municipality, case):
    child = new_case(clerk, subject="Podpredmet")
    set_parent_case(actor=clerk, case=child, parent=case)
    other = new_case(clerk, subject="Vezan")
    link_cases(actor=clerk, case=case, other=other)
    Document.objects.create(municipality=municipality, blob=_blob(), filename="zahtev.pdf",
                            case=case)
    InboundMessage.objects.create(municipality=municipality, channel=Channel.EMAIL,
                                  idempotency_key="m1", sha256="a" * 64, raw=_blob(2),
                                  sender="jelena@example.rs", subject="Rupa",
                                  body_text="Molim vas popravite", case=case)
    OutboundMessage.objects.create(municipality=municipality, channel=Channel.EMAIL,
                                   case=case, recipient="jelena@example.rs",
                                   subject="Re: Rupa", body_text="Primljeno")
    html = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    for text in (child.registry_number, other.registry_number, "zahtev.pdf",
                 "Molim vas popravite", "Re: Rupa"):
        assert text in html, text


def test_case_page_holds_the_reply_panel(web, clerk, case):
    html = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    assert 'id="case-reply"' in html
    assert "Reply to the client" in html


def test_htmx_post_answers_with_the_page_region(web, clerk, case):
    response = web.post(url("case_note", clerk, case_id=case.pk), {"note-text": "Preko HTMX"},
                        headers={"HX-Request": "true"}, follow=True)
    html = response.content.decode()
    assert 'id="case-page"' in html and "Preko HTMX" in html and "Note added." in html
    assert Case.objects.get(pk=case.pk).events.filter(kind=Kind.NOTE).count() == 1


def test_timeline_tells_each_outgoing_message_state_and_why_in_the_readers_language(
        web, clerk, case, settings):
    """Queued, deferred with the reason (never the exception text), then sent."""
    from salter.channels import outbox
    from salter.channels.email.devservices import free_port

    settings.EMAIL_PORT = free_port()  # nothing listens: the first attempt is deferred
    client = case.clients.get()
    message = outbox.queue_message(actor=clerk, case=case, client=client,
                                   recipient="jelena@example.rs", subject="Odgovor",
                                   body="Rešeno.", purpose="reply")
    page = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    assert 'data-state="queued"' in page

    assert outbox.send_outbound.call(message.pk) == OutboundMessage.State.RETRYING

    page = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    timeline = page[page.index('id="timeline-heading"'):]
    timeline = timeline[:timeline.index("</section>")]
    assert timeline.count('data-state="retrying"') == 2  # the message's and the attempt's
    assert "The mail server could not be reached." in timeline
    assert "ConnectionRefusedError" not in page and "Errno" not in page
    web.cookies["django_language"] = "sr-latn"
    page = web.get(url("case", clerk, case_id=case.pk),
                   headers={"accept-language": "sr-latn"}).content.decode()
    assert "Server za poštu nije dostupan." in page
