"""The case page shows the deadlines with time left, the requests side by side, the
route and transfer forms; each form posts to its action and a refusal comes back as a
message on the page, never a 500."""

import pytest
from django.utils import timezone

from salter.cases.models import CaseEvent
from salter.cases.workflow import Status
from salter.procedures.models import Deadline
from salter.requests.actions import Ask, answer_request, ask_departments
from salter.requests.models import DepartmentRequest
from salter.tenancy.models import Department
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_procedure
from tests.workspace.conftest import new_case, url

pytestmark = pytest.mark.django_db
Event = CaseEvent.Kind


@pytest.fixture
def procedure(municipality, department):
    return make_procedure(municipality, "Komunalni problemi", department=department)


@pytest.fixture
def jkp(municipality):
    return make_department(municipality, "JKP Vodovod", kind=Department.Kind.OUTSIDE_BODY,
                           email="pisarnica@vodovod-su.rs", registry_unit="")


@pytest.fixture
def urbanism(municipality):
    return make_department(municipality, "Odeljenje za urbanizam", registry_unit="IV-03")


@pytest.fixture
def case(clerk, procedure):
    return new_case(clerk, case_type=procedure)


def test_the_case_page_shows_each_deadline_with_its_time_left(web, clerk, case):
    page = web.get(url("case", clerk, case_id=case.pk)).content.decode()

    assert 'data-deadline="first_response"' in page and 'data-deadline="resolution"' in page
    assert 'data-time-left="running"' in page or 'data-time-left="due-soon"' in page
    assert "left</span>" in page


def test_the_inbox_says_overdue_and_time_left_the_same_way(web, clerk, case, procedure):
    late = new_case(clerk, subject="Stara rupa", case_type=procedure,
                    received_at=timezone.now() - timezone.timedelta(days=40))

    page = web.get(url("inbox", clerk) + "?queue=all").content.decode()

    assert 'data-time-left="overdue"' in page and "overdue by" in page
    assert late.registry_number in page and case.registry_number in page


def test_asking_two_bodies_from_the_case_page(web, clerk, case, jkp, urbanism):
    response = web.post(url("case_ask", clerk, case_id=case.pk), {
        "ask-TOTAL_FORMS": "3", "ask-INITIAL_FORMS": "0",
        "ask-0-department": urbanism.pk, "ask-0-question": "Ima li plana?",
        "ask-0-rule": "5 working days",
        "ask-1-department": jkp.pk, "ask-1-question": "Kada sanirate?", "ask-1-rule": "",
        "ask-2-department": "", "ask-2-question": "", "ask-2-rule": "",
    })

    assert response.status_code == 302
    requests = list(DepartmentRequest.objects.filter(case=case))
    assert [(r.department, r.deadline.rule) for r in requests] == [
        (urbanism, "5 working days"), (jkp, "8 working days")]
    page = web.get(url("case", clerk, case_id=case.pk)).content.decode()
    assert page.count("data-request=") == 2 and "Kada sanirate?" in page


def test_a_bad_ask_comes_back_with_its_message(web, clerk, case, jkp):
    response = web.post(url("case_ask", clerk, case_id=case.pk), {
        "ask-TOTAL_FORMS": "3", "ask-INITIAL_FORMS": "0",
        "ask-0-department": jkp.pk, "ask-0-question": "Kada?", "ask-0-rule": "sutra",
    })

    assert response.status_code == 200
    assert "Unknown deadline rule" in response.content.decode()
    assert not DepartmentRequest.objects.exists()


def test_the_answer_to_the_client_is_composed_from_the_responses(web, clerk, case,
                                                                 urbanism, municipality):
    urbanist = make_member(municipality, Role.OFFICER, username="urbanista",
                           department=urbanism)
    [asked] = ask_departments(actor=clerk, case=case, asks=[Ask(urbanism, "Ima li plana?")])
    answer_request(actor=urbanist, request=asked, text="Plan ne predviđa gradnju.")

    page = web.get(url("case", clerk, case_id=case.pk) + "?compose=requests").content.decode()

    assert 'id="compose-answer"' in page
    body = page.split('id="reply-body"')[1].split("</textarea>")[0]
    assert "Odeljenje za urbanizam:" in body and "Plan ne predviđa gradnju." in body


def test_the_asked_department_answers_on_its_request_page(login, clerk, case, urbanism,
                                                          municipality):
    urbanist = make_member(municipality, Role.OFFICER, username="urbanista",
                           department=urbanism)
    [asked] = ask_departments(actor=clerk, case=case, asks=[Ask(urbanism, "Ima li plana?")])
    web = login(urbanist)
    inbox = web.get(url("inbox", urbanist)).content.decode()
    assert asked.reference in inbox

    response = web.post(url("request", urbanist, request_id=asked.pk),
                        {"answer": "Nema plana."})

    assert response.status_code == 302
    asked.refresh_from_db()
    assert (asked.state, asked.answered_by) == (DepartmentRequest.State.ANSWERED, urbanist.user)
    assert case.events.filter(kind=Event.REQUEST_ANSWERED).get().after["way"] == "workspace"


def test_staff_of_the_case_may_not_answer_on_the_department_s_page(web, clerk, case,
                                                                   urbanism):
    [asked] = ask_departments(actor=clerk, case=case, asks=[Ask(urbanism, "Ima li plana?")])

    assert web.get(url("request", clerk, request_id=asked.pk)).status_code == 200
    assert web.post(url("request", clerk, request_id=asked.pk),
                    {"answer": "Ja ću."}).status_code == 403


def test_resolving_with_open_requests_is_refused_on_the_page(login, clerk, case, urbanism,
                                                             municipality, department):
    from salter.cases.actions import change_case_status

    change_case_status(actor=clerk, case=case, status=Status.IN_PROGRESS)
    ask_departments(actor=clerk, case=case, asks=[Ask(urbanism, "Ima li plana?")])

    refused = login(clerk).post(url("case_status", clerk, case_id=case.pk),
                                {"status-status": Status.RESOLVED})
    head = make_member(municipality, Role.HEAD, username="nacelnik", department=department)
    page = login(head).get(url("case", head, case_id=case.pk)).content.decode()
    overridden = login(head).post(url("case_status", head, case_id=case.pk), {
        "status-status": Status.RESOLVED, "status-override_reason": "Rešeno na terenu."})

    assert refused.status_code == 200 and "Requests are still open" in refused.content.decode()
    assert "status-override_reason" in page
    assert overridden.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_a_deadline_is_extended_from_the_page_and_a_bad_extension_says_why(web, clerk, case):
    resolution = case.deadlines.get(kind=Deadline.Kind.RESOLUTION)

    bad = web.post(url("case_extend", clerk, case_id=case.pk), {
        "extend-deadline": resolution.pk, "extend-by": "", "extend-reason": "Teren"})
    good = web.post(url("case_extend", clerk, case_id=case.pk), {
        "extend-deadline": resolution.pk, "extend-by": "5 working days",
        "extend-reason": "Teren"})

    assert bad.status_code == 200 and "Extend either by a rule" in bad.content.decode()
    assert good.status_code == 302
    assert case.events.filter(kind=Event.DEADLINE, after__change="extended").count() == 1


def test_the_route_is_corrected_from_the_page(web, clerk, case, municipality, urbanism):
    other = make_procedure(municipality, "Urbanizam", classification="351",
                           department=urbanism)

    response = web.post(url("case_route", clerk, case_id=case.pk), {
        "route-case_type": other.pk, "route-department": urbanism.pk,
        "route-propose_keywords": "plan"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.case_type, case.department) == (other, urbanism)
    assert case.events.filter(kind=Event.ROUTED).exists()
