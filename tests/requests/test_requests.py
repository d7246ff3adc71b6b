"""Requests from a case to departments and outside bodies: each with its own question and
deadline; internal departments answer in Šalter, outside bodies by e-mail through the
intake (or the link); the case cannot be resolved while a request is open, unless a head
overrides with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salter.cases.actions import change_case_status
from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import Status
from salter.channels.models import InboundMessage, OutboundMessage
from salter.procedures.models import Deadline
from salter.requests.actions import Ask, answer_request, ask_departments, withdraw_request
from salter.requests.models import DepartmentRequest
from tests.channels.email.corpus import build_message
from tests.factories import make_department
from tests.requests.conftest import WASTE, WATER

pytestmark = pytest.mark.django_db
Event = CaseEvent.Kind
State = DepartmentRequest.State


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def reply_from(address: str, request: DepartmentRequest, body: str, *, n: int = 1,
               subject: str | None = None, thread: bool = True) -> bytes:
    outbound = request.outbound
    return build_message(
        from_address=address, from_name="Služba", to=["pisarnica@subotica.rs"],
        subject=subject if subject is not None else f"Re: {outbound.subject}", body=body,
        message_id=f"<odgovor-{request.pk}-{n}@{address.partition('@')[2]}>",
        in_reply_to=outbound.external_id if thread else None,
        references=[outbound.external_id] if thread else ())


@pytest.fixture
def fanned_out(officer, worked_case, urbanism, water, waste):
    return ask_departments(actor=officer, case=worked_case, asks=[
        Ask(urbanism, "Da li je na toj parceli planirana gradnja?", "5 working days"),
        Ask(water, "Kada možete sanirati izliv?", "2 working days"),
        Ask(waste, "Da li je kontejner uklonjen?", "1 working day"),
    ])


def test_asking_three_bodies_gives_each_its_question_deadline_and_email(
        fanned_out, worked_case, urbanism, water, waste):
    internal, jkp_water, jkp_waste = fanned_out

    assert [r.department for r in fanned_out] == [urbanism, water, waste]
    assert [r.deadline.rule for r in fanned_out] == ["5 working days", "2 working days",
                                                      "1 working day"]
    assert all(r.deadline.kind == Deadline.Kind.REQUEST for r in fanned_out)
    assert internal.outbound is None  # answers in Šalter
    for request, address in ((jkp_water, WATER), (jkp_waste, WASTE)):
        message = request.outbound
        assert (message.recipient, message.purpose) == (address, OutboundMessage.Purpose.REQUEST)
        assert request.reference in message.subject
        assert request.question in message.body_text
        assert "/requests/" in message.body_text  # the link without login
        assert request.external_id == message.external_id.strip("<>")
    sent = worked_case.events.filter(kind=Event.REQUEST_SENT)
    assert [e.after["department"] for e in sent] == [urbanism.pk, water.pk, waste.pk]
    assert fresh(worked_case).status == Status.WAITING_DEPARTMENT


def test_fan_out_where_one_answers_in_salter_one_by_email_and_one_is_overdue(
        clock, fanned_out, worked_case, urbanist, deliver):
    internal, jkp_water, jkp_waste = fanned_out

    answer_request(actor=urbanist, request=internal, text="Nije planirana gradnja.")
    outcome, inbound = deliver(reply_from(WATER, jkp_water, "Ekipa izlazi sutra u 8."))
    clock.advance(days=10)

    water_answer = DepartmentRequest.objects.get(pk=jkp_water.pk)
    assert outcome == "answered"
    assert (inbound.state, inbound.case, inbound.client) == (
        InboundMessage.State.PROCESSED, worked_case, None)
    assert (water_answer.state, water_answer.answer, water_answer.answered_way) == (
        State.ANSWERED, "Ekipa izlazi sutra u 8.", DepartmentRequest.Way.EMAIL)
    assert water_answer.answered_by_label == WATER
    assert water_answer.deadline.state == Deadline.State.MET
    assert DepartmentRequest.objects.get(pk=internal.pk).answered_by == urbanist.user
    # The third is overdue, and the case waits for it.
    late = DepartmentRequest.objects.get(pk=jkp_waste.pk)
    assert late.is_open and late.deadline.due_at < clock()
    assert fresh(worked_case).status == Status.WAITING_DEPARTMENT
    answers = worked_case.events.filter(kind=Event.REQUEST_ANSWERED).order_by("pk")
    assert [(e.after["department_name"], e.after["way"]) for e in answers] == [
        ("Odeljenje za urbanizam", "workspace"), ("JKP Vodovod", "email")]
    assert answers[1].actor_label == "intake:email"
    assert not worked_case.events.filter(kind=Event.MESSAGE_IN).exists()


def test_the_last_answer_puts_the_case_back_in_progress(fanned_out, worked_case, urbanist,
                                                         deliver):
    internal, jkp_water, jkp_waste = fanned_out
    answer_request(actor=urbanist, request=internal, text="Nije planirana gradnja.")
    deliver(reply_from(WATER, jkp_water, "Sanirano."))

    deliver(reply_from(WASTE, jkp_waste, "Kontejner je uklonjen.", thread=False,
                       subject=f"RE: {jkp_waste.reference} kontejner"))

    assert DepartmentRequest.objects.get(pk=jkp_waste.pk).state == State.ANSWERED
    assert fresh(worked_case).status == Status.IN_PROGRESS
    assert worked_case.events.filter(kind=Event.STATUS).last().text == (
        "Every requested response is in.")


def test_an_answer_from_another_address_waits_for_staff(fanned_out, worked_case, deliver):
    _internal, jkp_water, _waste = fanned_out

    outcome, inbound = deliver(reply_from("neko@example.org", jkp_water, "Ja znam rešenje."))

    assert outcome == "review"
    assert inbound.review_case == worked_case and inbound.case is None
    assert jkp_water.reference in inbound.reason_shown
    assert DepartmentRequest.objects.get(pk=jkp_water.pk).is_open


def test_a_second_message_from_the_body_goes_on_the_timeline_as_a_further_one(
        fanned_out, worked_case, deliver):
    _internal, jkp_water, _waste = fanned_out
    deliver(reply_from(WATER, jkp_water, "Izlazimo sutra."))

    outcome, _inbound = deliver(reply_from(WATER, jkp_water, "Sanirano je.", n=2))

    request = DepartmentRequest.objects.get(pk=jkp_water.pk)
    assert outcome == "answered"
    assert request.answer == "Izlazimo sutra."
    further = worked_case.events.filter(kind=Event.REQUEST_ANSWERED).last()
    assert (further.text, further.after["further"]) == ("Sanirano je.", True)


def test_the_citizens_reply_to_the_case_is_not_taken_for_a_body_s_answer(
        clerk, fanned_out, worked_case, deliver, citizen):
    from salter.cases.actions import reply_to_client

    reply_to_client(actor=clerk, case=worked_case, body="Prosledili smo JKP.")
    ours = OutboundMessage.objects.filter(case=worked_case,
                                          purpose=OutboundMessage.Purpose.REPLY).get()
    assert all(r.outbound.external_id not in ours.references for r in fanned_out[1:])

    outcome, inbound = deliver(build_message(
        subject=f"Re: {ours.subject}", body="Hvala.", message_id="<hvala@example.net>",
        in_reply_to=ours.external_id, references=ours.references.split()))

    assert (outcome, inbound.case) == ("appended", worked_case)


# --- resolving while requests are open ------------------------------------------------------


def test_a_case_is_not_resolved_while_a_request_is_open(officer, fanned_out, worked_case):
    with pytest.raises(ValidationError) as refused:
        change_case_status(actor=officer, case=worked_case, status=Status.RESOLVED)

    assert "JKP Vodovod" in refused.value.message_dict["status"][0]
    assert fresh(worked_case).status == Status.WAITING_DEPARTMENT


def test_an_officer_cannot_override_open_requests(officer, fanned_out, worked_case):
    with pytest.raises(PermissionDenied):
        change_case_status(actor=officer, case=worked_case, status=Status.RESOLVED,
                           override_reason="Hitno.")

    assert all(DepartmentRequest.objects.get(pk=r.pk).is_open for r in fanned_out)


def test_a_head_resolves_over_open_requests_with_a_reason(head, fanned_out, worked_case):
    change_case_status(actor=head, case=worked_case, status=Status.RESOLVED,
                       override_reason="Kvar je otklonjen, potvrdio građanin telefonom.")

    assert fresh(worked_case).status == Status.RESOLVED
    status = worked_case.events.filter(kind=Event.STATUS).last()
    assert status.after["override"] == "Kvar je otklonjen, potvrdio građanin telefonom."
    assert sorted(status.after["withdrawn_requests"]) == sorted(r.pk for r in fanned_out)
    for request in DepartmentRequest.objects.filter(case=worked_case):
        assert request.state == State.WITHDRAWN
        assert request.deadline.state == Deadline.State.STOPPED
    assert worked_case.events.filter(kind=Event.REQUEST_WITHDRAWN).count() == 3


# --- bad input --------------------------------------------------------------------------------


def test_a_request_to_another_municipalitys_department_is_refused(officer, worked_case,
                                                                  other_municipality):
    foreign = make_department(other_municipality, "JKP Sombor", email="jkp@sombor.rs")

    with pytest.raises(ValidationError) as refused:
        ask_departments(actor=officer, case=worked_case,
                        asks=[Ask(foreign, "Pitanje?", "2 working days")])

    assert refused.value.message_dict == {"department": ["Not found."]}
    assert not DepartmentRequest.objects.exists()


@pytest.mark.parametrize("question, rule, field", [
    ("", "2 working days", "question"),
    ("Pitanje?", "ubrzo", "rule"),
])
def test_a_bad_ask_is_refused_and_nothing_is_half_saved(officer, worked_case, urbanism,
                                                        water, question, rule, field):
    with pytest.raises(ValidationError) as refused:
        ask_departments(actor=officer, case=worked_case, asks=[
            Ask(urbanism, "Prvo pitanje?", "5 working days"), Ask(water, question, rule)])

    assert list(refused.value.message_dict) == [field]
    assert not DepartmentRequest.objects.exists()
    assert not Deadline.objects.filter(kind=Deadline.Kind.REQUEST).exists()
    assert not OutboundMessage.objects.filter(purpose=OutboundMessage.Purpose.REQUEST).exists()


def test_an_outside_body_without_an_address_cannot_be_asked(officer, worked_case,
                                                            municipality):
    from salter.tenancy.models import Department

    silent = make_department(municipality, "JKP Toplana", kind=Department.Kind.OUTSIDE_BODY)

    with pytest.raises(ValidationError, match="no e-mail address"):
        ask_departments(actor=officer, case=worked_case,
                        asks=[Ask(silent, "Pitanje?", "2 working days")])


def test_a_body_asked_already_is_not_asked_again_while_it_owes_an_answer(
        officer, fanned_out, worked_case, water):
    with pytest.raises(ValidationError, match="asked already"):
        ask_departments(actor=officer, case=worked_case,
                        asks=[Ask(water, "Još jednom?", "2 working days")])


def test_an_answer_comes_once(urbanist, fanned_out):
    internal = fanned_out[0]
    answer_request(actor=urbanist, request=internal, text="Prvi odgovor.")

    with pytest.raises(ValidationError) as refused:
        answer_request(actor=urbanist, request=internal, text="Drugi odgovor.")

    assert "answer" in refused.value.message_dict
    assert DepartmentRequest.objects.get(pk=internal.pk).answer == "Prvi odgovor."


def test_withdrawing_needs_a_reason_and_stops_the_deadline(officer, fanned_out):
    with pytest.raises(ValidationError) as refused:
        withdraw_request(actor=officer, request=fanned_out[2], reason=" ")
    assert "reason" in refused.value.message_dict

    withdraw_request(actor=officer, request=fanned_out[2], reason="Više nije potrebno.")

    request = DepartmentRequest.objects.get(pk=fanned_out[2].pk)
    assert (request.state, request.deadline.state) == (State.WITHDRAWN,
                                                       Deadline.State.STOPPED)
