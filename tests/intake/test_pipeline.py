"""The intake pipeline for e-mail, as specifications: given a message, when the pipeline
runs, then this case, timeline, client and acknowledgement."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from salter.cases.actions import change_case_status, create_case
from salter.cases.models import Case, CaseEvent, Channel
from salter.cases.workflow import Status
from salter.channels.email.accept import accept_email
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import Client, ContactPoint
from salter.intake.pipeline import process_inbound
from salter.procedures.calendar import forget_calendar
from salter.tenancy.models import WorkingHours
from tests.channels.email.corpus import (
    HUNGARIAN,
    SERBIAN_CYRILLIC,
    SERBIAN_LATIN,
    Part,
    build_bounce,
    build_message,
)
from tests.factories import make_mailbox
from tests.intake.conftest import CITIZEN

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind
State = InboundMessage.State


@pytest.fixture
def always_open(municipality, clock):
    """Open all day every day, and a working Wednesday noon (a public holiday closes
    even a municipality open around the clock)."""
    clock.set(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Europe/Belgrade")))
    WorkingHours.objects.filter(municipality=municipality).delete()
    for weekday in range(7):
        WorkingHours.objects.create(municipality=municipality, weekday=weekday,
                                    opens=datetime.time(0, 0), closes=datetime.time(23, 59, 59))
    # Written behind the actions' back: the calendar read before (when the municipality
    # was set up) must not be used, or the test would depend on the time of day it runs.
    forget_calendar(municipality.pk)


@pytest.fixture
def after_hours(municipality, clock):
    """A Wednesday evening. A municipality without hours of its own works the standard
    ones (Monday to Friday, 7:30–15:30), so deleting its hours alone left the test
    passing only when it ran outside them."""
    WorkingHours.objects.filter(municipality=municipality).delete()
    forget_calendar(municipality.pk)
    clock.set(datetime.datetime(2026, 12, 2, 20, 0, tzinfo=ZoneInfo("Europe/Belgrade")))


def ack_of(case) -> OutboundMessage:
    return OutboundMessage.objects.get(case=case, purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)


# --- new conversations ---------------------------------------------------------------------


def test_new_message_from_unknown_sender_opens_case_with_client_and_documents(deliver):
    raw = build_message(subject="Rupa na putu", attachments=[
        Part("fotografija.jpg", "image/jpeg", b"\xff\xd8\xff jpeg")])

    outcome, inbound = deliver(raw)

    assert outcome == "created"
    assert inbound.state == State.PROCESSED
    case = inbound.case
    client = case.clients.get()
    assert (client.first_name, client.last_name) == ("Marko", "Petrović")
    assert client.contact_points.get().value == CITIZEN
    assert client.language == "sr-latn"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [Kind.CREATED, Kind.MESSAGE_IN, Kind.MESSAGE_OUT]
    message_in = case.events.get(kind=Kind.MESSAGE_IN)
    assert message_in.ref["inbound"] == inbound.pk
    assert message_in.actor_label == "intake:email"
    assert "đubre" in message_in.text
    document = case.documents.get()
    assert document.filename == "fotografija.jpg"
    assert document.client == client
    assert message_in.ref["documents"] == [document.pk]
    ack = ack_of(case)
    assert case.registry_number in ack.subject
    assert case.tracking_code in ack.body_text
    assert ack.in_reply_to == "<20240205101500.1234@example.net>"
    assert ack.recipient == CITIZEN
    assert Case.objects.count() == 1 and Client.objects.count() == 1
    assert SERBIAN_LATIN[:20] in inbound.body_text


def test_known_sender_is_matched_to_their_client(deliver, citizen):
    outcome, inbound = deliver(build_message(subject="Nova prijava"))

    assert outcome == "created"
    assert inbound.client == citizen
    assert list(inbound.case.clients.all()) == [citizen]
    assert Client.objects.count() == 1


def test_cyrillic_message_is_acknowledged_in_cyrillic(deliver, always_open, municipality):
    _outcome, inbound = deliver(build_message(subject="Жалба на комуналну службу",
                                             body=SERBIAN_CYRILLIC))

    ack = ack_of(inbound.case)
    assert ack.language == "sr"
    assert ack.body_text.startswith("Поштовани,")
    assert "примили смо Вашу поруку „Жалба на комуналну службу“" in ack.body_text
    assert inbound.case.registry_number in ack.body_text  # numbers stay Latin
    assert f"/portal/{municipality.slug}/track/?code={inbound.case.tracking_code}" in ack.body_text
    assert "ван радног времена" not in ack.body_text
    assert inbound.case.language == "sr"
    assert inbound.client.language == "sr"


def test_hungarian_message_is_acknowledged_in_hungarian(deliver, always_open):
    _outcome, inbound = deliver(build_message(subject="Kérelem – közvilágítás", body=HUNGARIAN))

    ack = ack_of(inbound.case)
    assert ack.language == "hu"
    assert ack.body_text.startswith("Tisztelt Ügyfelünk!")
    assert "iktatószámon nyilvántartásba vettük" in ack.body_text
    assert "munkaidőn kívül" not in ack.body_text


def test_message_after_hours_gets_the_after_hours_acknowledgement(deliver, after_hours):
    _outcome, inbound = deliver(build_message())

    ack = ack_of(inbound.case)
    assert "van radnog vremena" in ack.body_text
    assert "prvog narednog radnog dana" in ack.body_text


def test_message_without_subject_takes_its_first_line(deliver):
    _outcome, inbound = deliver(build_message(subject="", body="Ulična svetiljka ne radi.\nHvala"))

    assert inbound.case.subject == "Ulična svetiljka ne radi."


# --- replies -------------------------------------------------------------------------------


def test_reply_with_registry_number_in_subject_is_appended(deliver, case, citizen):
    outcome, inbound = deliver(build_message(subject=f"Re: [{case.registry_number}] Rupa",
                                             body="Rupa je i dalje tu."))

    assert outcome == "appended"
    assert inbound.case == case
    event = case.events.get(kind=Kind.MESSAGE_IN)
    assert event.ref == {"inbound": inbound.pk, "documents": []}
    assert event.text == "Rupa je i dalje tu."
    assert Case.objects.count() == 1
    assert not OutboundMessage.objects.exists()  # a reply is not acknowledged again


def test_reply_with_tracking_code_in_subject_is_appended(deliver, case):
    outcome, inbound = deliver(build_message(subject=f"Predmet {case.tracking_code}"))

    assert outcome == "appended"
    assert inbound.case == case


def test_reply_to_our_message_is_appended_by_in_reply_to(deliver, clerk, case, citizen):
    from salter.channels.outbox import queue_message

    ours = queue_message(actor=clerk, case=case, client=citizen, recipient=CITIZEN,
                         subject="Odgovor", body="Molimo dopunu.", purpose="reply")

    outcome, inbound = deliver(build_message(subject="Dopuna", in_reply_to=ours.external_id,
                                             references=[ours.external_id]))

    assert outcome == "appended"
    assert inbound.case == case


def test_reply_from_unknown_address_goes_to_review(deliver, case):
    outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}",
                                             from_address="stranac@example.org"))

    assert outcome == "review"
    assert inbound.state == State.REVIEW
    assert inbound.review_case == case and inbound.case is None
    assert "stranac@example.org" in inbound.reason and case.registry_number in inbound.reason
    assert not case.events.filter(kind=Kind.MESSAGE_IN).exists()
    assert Case.objects.count() == 1
    assert not OutboundMessage.objects.exists()


def test_reply_from_a_known_client_who_is_not_a_party_goes_to_review(deliver, clerk, case):
    create_client(actor=clerk, first_name="Ana", last_name="Kovač",
                  contacts=[(ContactPoint.Kind.EMAIL, "ana@example.org")])

    outcome, _inbound = deliver(build_message(subject=f"Re: {case.tracking_code}",
                                             from_address="ana@example.org"))

    assert outcome == "review"
    assert not case.events.filter(kind=Kind.MESSAGE_IN).exists()


def test_reply_to_resolved_case_puts_it_back_in_progress(deliver, clerk, case):
    change_case_status(actor=clerk, case=case, status=Status.RESOLVED)

    outcome, _inbound = deliver(build_message(subject=f"Re: {case.registry_number}"))

    case.refresh_from_db()
    assert outcome == "appended"
    assert case.status == Status.IN_PROGRESS
    reopened = case.events.filter(kind=Kind.STATUS).last()
    assert reopened.before == {"status": Status.RESOLVED}
    assert reopened.after["reopened"] is True
    assert reopened.actor_label == "intake:email"


def test_reply_to_closed_case_opens_a_new_linked_case(deliver, clerk, case):
    change_case_status(actor=clerk, case=case, status=Status.CLOSED)

    outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}"))

    assert outcome == "created"
    new = inbound.case
    assert new != case
    assert new.events.filter(kind=Kind.CASE_LINKED, after={"case": case.pk}).exists()
    assert case.events.filter(kind=Kind.CASE_LINKED, after={"case": new.pk}).exists()
    assert not case.events.filter(kind=Kind.MESSAGE_IN).exists()
    assert ack_of(new).recipient == CITIZEN


def test_reply_to_merged_case_lands_on_the_surviving_case(deliver, clerk, case, citizen,
                                                          municipality):
    from salter.cases.actions import merge_cases
    from salter.tenancy.roles import Role
    from tests.factories import make_member

    survivor = create_case(actor=clerk, subject="Isto", channel=Channel.EMAIL, clients=[citizen])
    merge_cases(actor=make_member(municipality, Role.HEAD), duplicate=case, into=survivor)

    outcome, inbound = deliver(build_message(subject=f"Re: {case.registry_number}"))

    assert outcome == "appended" and inbound.case == survivor


# --- machines ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [
    [("Auto-Submitted", "auto-replied")],
    [("Precedence", "bulk")],
    [("List-Id", "<vesti.example.org>")],
    [("X-Salter-Case", "IV-1/2026")],
])
def test_automatic_mail_is_ignored_without_case_or_acknowledgement(deliver, headers):
    outcome, inbound = deliver(build_message(headers=headers))

    assert outcome == "ignored"
    assert inbound.state == State.IGNORED and inbound.reason
    assert not Case.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not Client.objects.exists()


def test_mail_from_our_own_mailbox_is_ignored_as_a_loop(deliver, municipality):
    make_mailbox(municipality, "pisarnica@subotica.rs")

    outcome, _inbound = deliver(build_message(from_address="pisarnica@subotica.rs"))

    assert outcome == "ignored"
    assert not Case.objects.exists()


def test_mail_with_our_own_message_id_is_ignored_as_a_loop(deliver, settings):
    settings.SALTER_MAIL_DOMAIN = "salter.subotica.rs"

    outcome, _inbound = deliver(build_message(message_id="<abc@salter.subotica.rs>"))

    assert outcome == "ignored"


def test_bounce_marks_contact_failing_and_our_message_bounced(deliver, clerk, case, citizen):
    from salter.channels.outbox import queue_message

    ours = queue_message(actor=clerk, case=case, client=citizen, recipient=CITIZEN,
                         subject="Odgovor", body="Rešeno.", purpose="reply")
    original = build_message(from_address="pisarnica@subotica.rs", to=[CITIZEN],
                             message_id=ours.external_id)

    outcome, _inbound = deliver(build_bounce(CITIZEN, original=original))

    assert outcome == "ignored"
    point = citizen.contact_points.get()
    assert point.is_failing
    ours.refresh_from_db()
    assert ours.state == OutboundMessage.State.BOUNCED
    delivery = case.events.get(kind=Kind.DELIVERY)
    assert delivery.after["state"] == OutboundMessage.State.BOUNCED
    assert delivery.ref == {"outbound": ours.pk}
    assert Case.objects.count() == 1


# --- exactly once --------------------------------------------------------------------------


def test_same_message_twice_is_stored_once_with_one_case(deliver, municipality):
    raw = build_message()
    first, inbound = deliver(raw)

    again = accept_email(municipality=municipality, raw=raw, source="test")

    assert first == "created"
    assert not again.created and again.inbound.pk == inbound.pk
    assert process_inbound(again.inbound.pk) == "created"  # what it was decided then
    assert Case.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_same_message_id_by_another_path_is_a_duplicate(deliver):
    raw = build_message()
    first, inbound = deliver(raw)
    second, copy = deliver(b"Received: from relay.example.net\r\n" + raw)

    assert (first, second) == ("created", "duplicate")
    assert copy.state == State.DUPLICATE and copy.case == inbound.case
    assert Case.objects.count() == 1


def test_processing_a_settled_message_again_changes_nothing(deliver):
    _outcome, inbound = deliver(build_message())

    assert process_inbound(inbound.pk) == "created"
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(kind=Kind.MESSAGE_IN).count() == 1


def test_accept_stores_raw_and_queues_processing_in_one_transaction(municipality):
    from django_tasks_db.models import DBTaskResult

    raw = build_message()
    inbound, created = accept_email(municipality=municipality, raw=raw, source="test")

    assert created and inbound.state == State.RECEIVED
    assert inbound.external_id == "20240205101500.1234@example.net"
    task = DBTaskResult.objects.get()
    assert task.task_path.endswith("process_inbound_task")
    assert task.args_kwargs["args"] == [inbound.pk]
