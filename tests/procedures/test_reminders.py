"""Reminders before a deadline to its owner, escalation at breach to the department
head, a daily digest per officer: each sent once however often the job runs, and on the
case's timeline."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from salter.cases.actions import assign_case, create_case
from salter.cases.models import CaseEvent, Channel
from salter.channels.models import OutboundMessage
from salter.procedures.actions import extend_deadline, set_reminder_policy
from salter.procedures.calendar import local_moment
from salter.procedures.models import Deadline, Notice
from salter.procedures.reminders import remind_and_escalate, send_digests
from salter.requests.actions import Ask, ask_departments
from salter.schedule.registry import run_due_jobs
from salter.tenancy.models import Department
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_procedure

pytestmark = pytest.mark.django_db
Event = CaseEvent.Kind
NOTICE = OutboundMessage.Purpose.NOTICE


def at(text: str) -> datetime.datetime:
    return local_moment(datetime.datetime.fromisoformat(text))


def notices_to(address: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(purpose=NOTICE, recipient=address)
                .order_by("pk"))


@pytest.fixture(autouse=True)
def _english_notices(municipality):
    """Staff notices go out in the municipality's language; these read English."""
    municipality.default_language = "en"
    municipality.save(update_fields=["default_language"])


@pytest.fixture
def head(municipality, department):
    return make_member(municipality, Role.HEAD, username="nacelnica", department=department)


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


@pytest.fixture
def procedure(municipality, department):
    return make_procedure(municipality, "Komunalni problemi", department=department,
                          first_response_rule="1 working day",
                          resolution_rule="5 working days")


@pytest.fixture
def assigned(clock, clerk, officer, procedure, department):
    clock.set(at("2026-03-02 09:00"))  # Monday; 5 working days: end of Monday 9 March
    case = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.PHONE,
                       case_type=procedure)
    return assign_case(actor=clerk, case=case, assignee=officer.user)


def test_the_assignee_is_reminded_once_when_the_office_time_left_runs_short(
        clock, assigned, officer):
    clock.set(at("2026-03-06 09:00"))  # Friday: 6.5 + 8 office hours to the deadline
    assert remind_and_escalate(now=clock()) == {"reminders": 0, "escalations": 0}
    clock.set(at("2026-03-09 08:00"))  # Monday: 7.5 office hours left

    first = remind_and_escalate(now=clock())
    again = remind_and_escalate(now=clock() + datetime.timedelta(minutes=5))

    assert (first, again) == ({"reminders": 1, "escalations": 0},
                              {"reminders": 0, "escalations": 0})
    resolution = assigned.deadlines.get(kind=Deadline.Kind.RESOLUTION)
    [reminder] = assigned.events.filter(kind=Event.REMINDER, after__deadline="resolution")
    assert reminder.text == "Officer Test" and reminder.actor_label == "reminders"
    assert Notice.objects.filter(deadline=resolution, kind="reminder").count() == 1
    [mail] = [m for m in notices_to(officer.user.email) if "Deadline soon" in m.subject]
    assert assigned.registry_number in mail.subject


def test_the_job_run_twice_on_two_workers_sends_nothing_twice(clock, assigned, officer):
    clock.set(at("2026-03-09 08:00"))

    run_due_jobs(now=clock(), worker="one")
    run_due_jobs(now=clock() + datetime.timedelta(minutes=5), worker="two")  # next slot
    run_due_jobs(now=clock() + datetime.timedelta(minutes=10), worker="one")

    [reminder] = assigned.events.filter(kind=Event.REMINDER)
    assert reminder.after["deadline"] == "resolution"  # the first response passed long ago
    assert {m.subject for m in notices_to(officer.user.email)} == {
        f"[{assigned.registry_number}] Deadline soon: Rupa na putu",
        "Your cases today: 1 open, 0 overdue"}  # the digest job ran too


def test_at_breach_the_department_head_is_told_once(clock, assigned, head):
    clock.set(at("2026-03-10 08:00"))  # the resolution passed at the end of 9 March

    remind_and_escalate(now=clock())
    remind_and_escalate(now=clock() + datetime.timedelta(hours=1))

    escalations = assigned.events.filter(kind=Event.ESCALATED)
    assert sorted(e.after["deadline"] for e in escalations) == ["first_response",
                                                                "resolution"]
    assert all(e.after["to"] == ["Nacelnica Test"] for e in escalations)
    assert len([m for m in notices_to(head.user.email) if "Deadline passed" in m.subject]) == 2


def test_an_extended_deadline_is_reminded_again(clock, clerk, assigned, officer):
    clock.set(at("2026-03-09 08:00"))
    remind_and_escalate(now=clock())
    extend_deadline(actor=clerk, deadline=assigned.deadlines.get(kind="resolution"),
                    by="2 working days", reason="Čeka se izveštaj.")
    clock.set(at("2026-03-11 08:00"))

    remind_and_escalate(now=clock())

    assert assigned.events.filter(kind=Event.REMINDER, after__deadline="resolution").count() == 2


def test_without_an_assignee_the_heads_are_reminded_and_without_heads_the_administrators(
        clock, clerk, procedure, head, admin, other_municipality):
    clock.set(at("2026-03-02 09:00"))
    with_head = create_case(actor=clerk, subject="Nema zaduženog", channel=Channel.PHONE,
                            case_type=procedure)
    lonely = make_department(clerk.municipality, "Služba bez načelnika")
    without = create_case(actor=clerk, subject="Nema ni načelnika", channel=Channel.PHONE,
                          case_type=procedure, department=lonely)
    clock.set(at("2026-03-09 08:00"))

    remind_and_escalate(now=clock())

    assert with_head.events.filter(kind=Event.REMINDER).last().after["to"] == ["Nacelnica Test"]
    assert without.events.filter(kind=Event.REMINDER).last().after["to"] == ["Admin Test"]


def test_an_outside_body_is_reminded_in_the_thread_of_its_request(clock, officer, assigned,
                                                                 municipality):
    body = make_department(municipality, "JKP Vodovod", kind=Department.Kind.OUTSIDE_BODY,
                           email="pisarnica@vodovod-su.rs", registry_unit="")
    clock.set(at("2026-03-03 09:00"))
    [request] = ask_departments(actor=officer, case=assigned,
                                asks=[Ask(body, "Kada sanirate?", "2 working days")])
    clock.set(at("2026-03-05 10:00"))  # due at the end of Thursday 5 March

    remind_and_escalate(now=clock())

    [mail] = notices_to("pisarnica@vodovod-su.rs")
    assert request.reference in mail.subject
    assert mail.in_reply_to == f"<{request.external_id}>"
    assert "Kada sanirate?" in mail.body_text
    event = assigned.events.get(kind=Event.REMINDER, after__deadline="request")
    assert event.after["reference"] == request.reference


def test_the_policy_turns_reminders_and_escalations_off(clock, admin, assigned, head):
    set_reminder_policy(actor=admin, remind_before_hours=0, escalate_on_breach=False)
    clock.set(at("2026-03-09 08:00"))
    remind_and_escalate(now=clock())
    clock.set(at("2026-03-10 08:00"))
    remind_and_escalate(now=clock())

    assert not assigned.events.filter(kind__in=[Event.REMINDER, Event.ESCALATED]).exists()


def test_a_bad_policy_is_refused_naming_the_field(admin):
    with pytest.raises(ValidationError) as refused:
        set_reminder_policy(actor=admin, remind_before_hours=500)

    assert "remind_before_hours" in refused.value.message_dict


# --- the daily digest ---------------------------------------------------------------------------


def test_each_officer_gets_one_digest_a_working_day_after_its_time(clock, assigned, officer):
    clock.set(at("2026-03-09 06:30"))  # Monday, before 07:00
    assert send_digests(now=clock()) == {"digests": 0}

    clock.set(at("2026-03-09 07:05"))
    first = send_digests(now=clock())
    again = send_digests(now=clock() + datetime.timedelta(minutes=15))

    assert (first, again) == ({"digests": 1}, {"digests": 0})
    [digest] = [m for m in notices_to(officer.user.email) if "Your cases today" in m.subject]
    assert assigned.registry_number in digest.body_text
    assert "left" in digest.body_text


def test_no_digest_on_a_day_off(clock, assigned, officer):
    clock.set(at("2026-03-07 09:00"))  # Saturday

    assert send_digests(now=clock()) == {"digests": 0}
    clock.set(at("2026-04-13 09:00"))  # Orthodox Easter Monday
    assert send_digests(now=clock()) == {"digests": 0}


def test_a_head_s_digest_holds_the_department_s_overdue_cases(clock, assigned, head):
    clock.set(at("2026-03-10 07:30"))

    send_digests(now=clock())

    [digest] = notices_to(head.user.email)
    assert assigned.registry_number in digest.body_text and "overdue" in digest.body_text
