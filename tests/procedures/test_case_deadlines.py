"""A case's deadlines are rows the actions keep: counted from when the client's item was
received, paused while the case waits on the client and resumed with the time left,
met by the first reply and by the resolution, recomputed when the procedure is
corrected, extended with a reason — each change on the timeline, and `Case.due_at`
always the running resolution deadline."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from salter.cases.actions import (
    change_case_status,
    create_case,
    merge_cases,
    reply_to_client,
    update_case,
)
from salter.cases.models import Case, CaseEvent, Channel
from salter.cases.workflow import Status
from salter.channels.email.accept import accept_email
from salter.channels.models import InboundMessage
from salter.intake.pipeline import process_inbound
from salter.procedures.actions import extend_deadline
from salter.procedures.calendar import local_moment
from salter.procedures.models import Deadline
from tests.channels.email.corpus import build_message
from tests.factories import make_procedure
from tests.intake.conftest import CITIZEN

pytestmark = pytest.mark.django_db
Kind = Deadline.Kind
Event = CaseEvent.Kind


def at(text: str) -> datetime.datetime:
    return local_moment(datetime.datetime.fromisoformat(text))


@pytest.fixture
def pothole(municipality, department):
    return make_procedure(municipality, "Oštećenja kolovoza", department=department,
                          first_response_rule="1 working day",
                          resolution_rule="15 calendar days")


@pytest.fixture
def opened(clock, clerk, citizen, pothole):
    clock.set(at("2026-03-02 09:00"))  # a Monday
    return create_case(actor=clerk, subject="Rupa u Ulici Matije Gupca",
                       channel=Channel.EMAIL, clients=[citizen], case_type=pothole)


def moment(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso)


def deadline(case, kind=Kind.RESOLUTION) -> Deadline:
    return Deadline.objects.get(case=case, kind=kind)


def changes(case) -> list[str]:
    return [e.after["change"] for e in case.events.filter(kind=Event.DEADLINE).order_by("pk")]


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_a_new_case_has_both_deadlines_and_due_at_is_the_resolution(opened):
    first, resolution = deadline(opened, Kind.FIRST_RESPONSE), deadline(opened)

    assert first.due_at == at("2026-03-03 23:59:59")
    assert resolution.due_at == at("2026-03-17 23:59:59")
    assert fresh(opened).due_at == resolution.due_at
    created = opened.events.get(kind=Event.CREATED)
    assert moment(created.after["due"]) == resolution.due_at


def test_deadlines_count_from_when_the_message_was_received_not_processed(
        clock, municipality, pothole):
    pothole.keywords = "rupa"
    pothole.save()
    clock.set(at("2026-03-06 16:10"))  # Friday, after hours: received
    accepted = accept_email(municipality=municipality, source="test",
                            raw=build_message(subject="Rupa na putu"))
    clock.set(at("2026-03-09 08:00"))  # Monday: a worker gets to it
    process_inbound(accepted.inbound.pk)

    case = InboundMessage.objects.get(pk=accepted.inbound.pk).case
    assert deadline(case).started_at == at("2026-03-06 16:10")
    assert deadline(case, Kind.FIRST_RESPONSE).due_at == at("2026-03-09 23:59:59")
    assert deadline(case).due_at == at("2026-03-23 23:59:59")  # 21 March is a Saturday


def test_waiting_on_the_client_pauses_and_their_answer_resumes_with_the_time_left(
        clock, clerk, opened, deliver):
    clock.set(at("2026-03-05 10:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)
    change_case_status(actor=clerk, case=opened, status=Status.WAITING_CITIZEN,
                       text="Pošaljite fotografiju.")

    paused = deadline(opened)
    assert (paused.state, paused.due_at, paused.paused_at) == (
        Deadline.State.PAUSED, None, at("2026-03-05 10:00"))
    assert fresh(opened).due_at is None

    clock.set(at("2026-03-20 11:00"))  # the client answers: 12 days were left
    outcome, _inbound = deliver(build_message(
        subject=f"Re: [{opened.registry_number}] Rupa", body="Fotografija u prilogu."))

    resumed = deadline(opened)
    assert outcome == "appended"
    assert fresh(opened).status == Status.IN_PROGRESS
    assert (resumed.state, resumed.due_at) == (Deadline.State.RUNNING,
                                               at("2026-04-01 23:59:59"))
    assert fresh(opened).due_at == resumed.due_at
    # The first response was overdue already: it was not paused.
    assert changes(opened) == ["not_paused", "paused", "resumed"]
    event = opened.events.filter(kind=Event.DEADLINE, after__change="resumed").get()
    assert (event.actor_label, event.after["deadline"]) == ("intake:email", Kind.RESOLUTION)
    assert moment(event.after["due"]) == at("2026-04-01 23:59:59")


def test_the_deadline_resumes_from_when_the_answer_arrived_not_when_it_was_processed(
        clock, clerk, opened, municipality):
    clock.set(at("2026-03-05 10:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)
    change_case_status(actor=clerk, case=opened, status=Status.WAITING_CITIZEN)
    clock.set(at("2026-03-20 11:00"))  # the answer arrives: 12 days left
    accepted = accept_email(municipality=municipality, source="test", raw=build_message(
        subject=f"Re: [{opened.registry_number}] Rupa", message_id="<odgovor@example.net>",
        from_address=CITIZEN))
    clock.set(at("2026-03-23 08:00"))  # processed on Monday
    process_inbound(accepted.inbound.pk)

    assert deadline(opened).due_at == at("2026-04-01 23:59:59")


def test_a_case_already_overdue_gets_no_time_back_by_waiting(clock, clerk, opened):
    clock.set(at("2026-03-20 10:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)
    change_case_status(actor=clerk, case=opened, status=Status.WAITING_CITIZEN)

    assert deadline(opened).state == Deadline.State.RUNNING
    assert fresh(opened).due_at == at("2026-03-17 23:59:59")
    assert "not_paused" in changes(opened)


def test_the_first_reply_meets_the_first_response_deadline_once(clock, clerk, opened):
    clock.set(at("2026-03-03 10:00"))
    reply_to_client(actor=clerk, case=opened, body="Primili smo vašu prijavu.")
    clock.set(at("2026-03-04 10:00"))
    reply_to_client(actor=clerk, case=opened, body="Ekipa je na terenu.")

    first = deadline(opened, Kind.FIRST_RESPONSE)
    assert (first.state, first.met_at) == (Deadline.State.MET, at("2026-03-03 10:00"))
    assert not first.was_late
    assert changes(opened) == ["met"]


def test_a_late_first_reply_is_met_late(clock, clerk, opened):
    clock.set(at("2026-03-05 10:00"))
    reply_to_client(actor=clerk, case=opened, body="Izvinjavamo se zbog kašnjenja.")

    assert deadline(opened, Kind.FIRST_RESPONSE).was_late


def test_resolving_meets_and_reopening_restarts_the_resolution(clock, clerk, opened):
    clock.set(at("2026-03-10 12:00"))
    change_case_status(actor=clerk, case=opened, status=Status.RESOLVED)
    assert deadline(opened).state == Deadline.State.MET
    assert deadline(opened, Kind.FIRST_RESPONSE).state == Deadline.State.MET

    clock.set(at("2026-04-01 09:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS, text="Opet rupa.")

    again = deadline(opened)
    assert (again.state, again.due_at, again.met_at) == (
        Deadline.State.RUNNING, at("2026-04-16 23:59:59"), None)
    assert fresh(opened).due_at == again.due_at
    assert changes(opened)[-1] == "restarted"


def test_a_case_closed_unresolved_or_merged_stops_its_deadlines(clock, clerk, opened,
                                                                citizen, pothole):
    other = create_case(actor=clerk, subject="Ista rupa", channel=Channel.PHONE,
                        clients=[citizen], case_type=pothole)
    change_case_status(actor=clerk, case=opened, status=Status.CLOSED)
    merge_cases(actor=clerk, duplicate=other, into=opened)

    for case in (opened, other):
        assert set(Deadline.objects.filter(case=case).values_list("state", flat=True)) == {
            Deadline.State.STOPPED}


def test_correcting_the_procedure_recomputes_through_the_same_pause(
        clock, clerk, municipality, department, opened):
    examination = make_procedure(municipality, "Upravni postupak", classification="037",
                                 department=department, first_response_rule="1 working day",
                                 resolution_rule="30 calendar days")
    clock.set(at("2026-03-05 10:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)
    change_case_status(actor=clerk, case=opened, status=Status.WAITING_CITIZEN)
    clock.set(at("2026-03-20 11:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)

    update_case(actor=clerk, case=fresh(opened), case_type=examination)

    recomputed = deadline(opened)
    assert recomputed.rule == "30 calendar days"
    assert recomputed.due_at == at("2026-04-16 23:59:59")
    assert fresh(opened).due_at == recomputed.due_at
    event = opened.events.filter(kind=Event.DEADLINE, after__change="recomputed").last()
    assert moment(event.before["due"]) == at("2026-04-01 23:59:59")


def test_a_case_that_had_no_procedure_gets_its_deadlines_when_given_one(clock, clerk,
                                                                        pothole):
    clock.set(at("2026-03-02 09:00"))
    case = create_case(actor=clerk, subject="Nešto", channel=Channel.PHONE)
    assert case.case_type is None and not case.deadlines.exists()

    clock.set(at("2026-03-04 09:00"))
    update_case(actor=clerk, case=case, case_type=pothole)

    assert deadline(case).due_at == at("2026-03-17 23:59:59")  # from receipt
    assert changes(case) == ["started", "started"]


# --- extensions ---------------------------------------------------------------------------


def test_an_extension_by_a_rule_with_its_reason_on_the_timeline(clock, clerk, opened):
    clock.set(at("2026-03-10 09:00"))

    extend_deadline(actor=clerk, deadline=deadline(opened), by="15 kalendarskih dana",
                    reason="Potreban izlazak na teren sa JKP.")

    extended = deadline(opened)
    assert extended.due_at == at("2026-04-01 23:59:59")
    assert fresh(opened).due_at == extended.due_at
    event = opened.events.get(kind=Event.DEADLINE, after__change="extended")
    assert event.text == "Potreban izlazak na teren sa JKP."
    assert event.after["by"] == "15 calendar days"
    assert moment(event.before["due"]) == at("2026-03-17 23:59:59")


def test_an_extension_to_a_date(clock, clerk, opened):
    extend_deadline(actor=clerk, deadline=deadline(opened), until=at("2026-03-31 15:30"),
                    reason="Dogovoreno sa podnosiocem.")

    assert deadline(opened).due_at == at("2026-03-31 15:30")


@pytest.mark.parametrize("given, field", [
    ({"by": "15 calendar days", "reason": "  "}, "reason"),
    ({"by": "dve nedelje", "reason": "Teren"}, "by"),
    ({"by": "", "reason": "Teren"}, "by"),
    ({"by": "5 working days", "until": "2026-04-01 12:00", "reason": "Teren"}, "by"),
    ({"until": "2026-02-27 12:00", "reason": "Teren"}, "until"),  # before receipt
    ({"until": "2026-03-10 12:00", "reason": "Teren"}, "until"),  # before the deadline
])
def test_a_bad_extension_is_refused_naming_the_field_and_changes_nothing(
        clerk, opened, given, field):
    given = dict(given)
    if "until" in given:
        given["until"] = at(given["until"])

    with pytest.raises(ValidationError) as refused:
        extend_deadline(actor=clerk, deadline=deadline(opened), **given)

    assert list(refused.value.message_dict) == [field]
    assert deadline(opened).due_at == at("2026-03-17 23:59:59")
    assert changes(opened) == []


def test_the_receipt_date_is_named_when_an_extension_ends_before_it(clerk, opened):
    with pytest.raises(ValidationError) as refused:
        extend_deadline(actor=clerk, deadline=deadline(opened), until=at("2026-02-27 12:00"),
                        reason="Teren")

    assert "before the matter was received" in refused.value.message_dict["until"][0]


def test_a_paused_deadline_is_not_extended(clock, clerk, opened):
    clock.set(at("2026-03-05 10:00"))
    change_case_status(actor=clerk, case=opened, status=Status.IN_PROGRESS)
    change_case_status(actor=clerk, case=opened, status=Status.WAITING_CITIZEN)

    with pytest.raises(ValidationError, match="paused"):
        extend_deadline(actor=clerk, deadline=deadline(opened), by="5 working days",
                        reason="Teren")


def test_another_municipalitys_deadline_is_not_found(other_clerk, opened):
    with pytest.raises(ValidationError, match="Not found"):
        extend_deadline(actor=other_clerk, deadline=deadline(opened), by="5 working days",
                        reason="Teren")


def test_a_case_received_in_the_future_is_refused(clock, clerk, pothole):
    clock.set(at("2026-03-02 09:00"))

    with pytest.raises(ValidationError) as refused:
        create_case(actor=clerk, subject="Iz budućnosti", channel=Channel.PHONE,
                    case_type=pothole, received_at=at("2026-03-03 09:00"))

    assert "received_at" in refused.value.message_dict
    assert not Case.objects.filter(subject="Iz budućnosti").exists()
