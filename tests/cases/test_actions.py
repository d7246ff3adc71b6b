import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salter.cases import actions
from salter.cases.models import Case, CaseEvent, Channel, Priority
from salter.cases.workflow import Status
from salter.clients.actions import create_client
from salter.clients.models import Client
from salter.tenancy.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_create_case_numbers_by_pattern_and_records_event(clerk, department):
    department.registry_unit = "IV-03"
    case = actions.create_case(actor=clerk, subject="Rupa na putu", channel=Channel.COUNTER,
                               department=department)
    year = case.created_at.year
    assert case.registry_number == f"IV-03-1/{year}"
    event = case.events.get()
    assert event.kind == CaseEvent.Kind.CREATED
    assert event.actor == clerk.user
    assert event.after["registry_number"] == case.registry_number


def test_business_client_gets_high_priority(clerk):
    firm = create_client(actor=clerk, kind=Client.Kind.BUSINESS, business_name="Agro d.o.o.",
                         pib="113460262", mb="66841251")
    case = actions.create_case(actor=clerk, subject="Dozvola", channel=Channel.EMAIL,
                               clients=[firm])
    assert case.priority == Priority.HIGH


def test_sequence_is_gap_free_after_a_rolled_back_creation(clerk):
    first = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    with pytest.raises(ValidationError):
        actions.create_case(actor=clerk, subject="  ", channel=Channel.PHONE)
    second = actions.create_case(actor=clerk, subject="B", channel=Channel.PHONE)
    assert second.sequence == first.sequence + 1


def test_status_workflow_rejects_skipping_and_allows_reopen(clerk):
    case = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    with pytest.raises(ValidationError):
        actions.change_case_status(actor=clerk, case=case, status=Status.WAITING_CITIZEN)
    actions.change_case_status(actor=clerk, case=case, status=Status.RESOLVED)
    actions.change_case_status(actor=clerk, case=case, status=Status.CLOSED)
    case = actions.change_case_status(actor=clerk, case=case, status=Status.IN_PROGRESS)
    assert case.closed_at is None
    last = case.events.order_by("-id").first()
    assert last.before == {"status": Status.CLOSED}
    assert last.after["reopened"] is True


def test_auditor_cannot_change_anything(municipality, clerk):
    auditor = make_member(municipality, Role.AUDITOR)
    case = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    with pytest.raises(PermissionDenied):
        actions.add_note(actor=auditor, case=case, text="x")
    assert case.events.count() == 1


def test_assign_moves_new_case_to_assigned(clerk, officer):
    case = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    case = actions.assign_case(actor=clerk, case=case, assignee=officer.user)
    assert case.status == Status.ASSIGNED
    assert case.department == officer.department
    event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.before["assignee"] is None and event.after["assignee"] == officer.user.pk


def test_assignee_from_other_municipality_is_refused(clerk, other_clerk):
    case = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    with pytest.raises(ValidationError):
        actions.assign_case(actor=clerk, case=case, assignee=other_clerk.user)


def test_merge_cases_closes_duplicate_and_moves_clients(clerk, municipality):
    head = make_member(municipality, Role.HEAD)
    ana = create_client(actor=clerk, first_name="Ana", last_name="Kovač")
    a = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    b = actions.create_case(actor=clerk, subject="A again", channel=Channel.EMAIL, clients=[ana])
    actions.merge_cases(actor=head, duplicate=b, into=a)
    b.refresh_from_db()
    assert b.status == Status.CLOSED and b.merged_into == a
    assert list(a.clients.all()) == [ana]
    assert a.events.filter(kind=CaseEvent.Kind.MERGED).exists()


def test_timeline_cannot_be_edited(clerk):
    case = actions.create_case(actor=clerk, subject="A", channel=Channel.PHONE)
    event = case.events.get()
    event.text = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(text="x")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()


def test_visible_to_officer_is_department_scoped(clerk, officer, municipality):
    mine = actions.create_case(actor=clerk, subject="mine", channel=Channel.PHONE,
                               department=officer.department)
    actions.create_case(actor=clerk, subject="not mine", channel=Channel.PHONE)
    assert list(Case.objects.visible_to(officer)) == [mine]
