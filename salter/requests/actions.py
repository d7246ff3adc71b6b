"""Every change to a request to a department goes through here: asking (one department
or several at once), answering (in Šalter, by e-mail through intake, through the link),
withdrawing. One transaction each, the permission checked, the case's timeline written in
it, the e-mail to an outside body queued in the one outbox.

A request has its own deadline (`procedures.Deadline`, kind request): met when the
answer comes, stopped when the request is withdrawn. While requests are open the case
waits on the departments (WAITING_DEPARTMENT, when it was being worked on); the last
answer puts it back in progress.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from salter import bulk
from salter.cases.events import record_event
from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import Status
from salter.procedures.actions import end_request_deadline, start_request_deadline
from salter.procedures.deadlines import InvalidRule, parse_rule
from salter.requests.models import DepartmentRequest
from salter.requests.tokens import answer_url
from salter.tenancy.access import require
from salter.tenancy.models import Department
from salter.tenancy.roles import Perm

Kind = CaseEvent.Kind
State = DepartmentRequest.State
Way = DepartmentRequest.Way
DEFAULT_RULE = "8 working days"
# The statuses in which asking puts a case to wait on the departments.
_WORKED_ON = (Status.ASSIGNED, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Ask:
    """One department or outside body asked, with its own question and deadline."""

    department: Department | None
    question: str
    rule: str = DEFAULT_RULE


def _validate(actor, case: Case, asks: list[Ask]) -> list[Ask]:
    if not asks:
        raise ValidationError({"department": [_("Choose whom to ask.")]})
    already = set(DepartmentRequest.objects.open_on(case).values_list("department_id",
                                                                      flat=True))
    seen, valid = set(), []
    for ask in asks:
        department = ask.department
        if department is None:
            raise ValidationError({"department": [_("Choose whom to ask.")]})
        if department.municipality_id != actor.municipality.pk:
            # Another municipality's department answers like one that does not exist.
            raise ValidationError({"department": [_("Not found.")]})
        if not department.is_active:
            raise ValidationError({"department": [
                _("%(department)s is no longer active.") % {"department": department}]})
        if department.kind == Department.Kind.OUTSIDE_BODY and not department.email:
            raise ValidationError({"department": [_(
                "%(department)s has no e-mail address; an outside body is asked by e-mail.")
                % {"department": department}]})
        if department.pk in seen:
            raise ValidationError({"department": [
                _("%(department)s is asked twice.") % {"department": department}]})
        if department.pk in already:
            raise ValidationError({"department": [_(
                "%(department)s was asked already and has not answered yet.")
                % {"department": department}]})
        question = (ask.question or "").strip()
        if not question:
            raise ValidationError({"question": [_("Write the question.")]})
        try:
            rule = parse_rule(ask.rule or DEFAULT_RULE).text
        except InvalidRule as error:
            raise ValidationError({"rule": [str(error)]}) from None
        seen.add(department.pk)
        valid.append(Ask(department, question, rule))
    return valid


@transaction.atomic
def ask_departments(*, actor, case: Case, asks, language: str | None = None
                    ) -> list[DepartmentRequest]:
    """Ask one or several departments or outside bodies for their response, each with its
    own question and deadline (a rule, counted from now). An outside body, and any
    department with an e-mail address, gets the request by e-mail with a link to answer
    without logging in; its reply comes back through intake. All or nothing."""
    from salter.cases.actions import change_case_status

    require(actor, Perm.EDIT_CASE)
    if case.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ValidationError({"department": [_("A case that is resolved or closed asks "
                                                "nobody.")]})
    asks = _validate(actor, case, list(asks))
    language = language or case.municipality.default_language
    now = timezone.now()
    made = []
    for ask in asks:
        deadline = start_request_deadline(case=case, rule=ask.rule, at=now)
        request = DepartmentRequest.objects.create(
            municipality=case.municipality, case=case, department=ask.department,
            question=ask.question, language=language, deadline=deadline, asked_by=actor.user,
            asked_at=now)
        record_event(case, actor, Kind.REQUEST_SENT, text=ask.question,
                     after={"department": ask.department.pk,
                            "department_name": ask.department.name,
                            "reference": request.reference, "rule": ask.rule,
                            "due": deadline.due_at.astimezone(datetime.UTC).isoformat(),
                            "by_email": bool(ask.department.email)},
                     ref={"request": request.pk})
        if ask.department.email:
            _send(actor, case, request)
        made.append(request)
    if case.status in _WORKED_ON:
        change_case_status(actor=actor, case=case, status=Status.WAITING_DEPARTMENT,
                           text=_("Waiting for the response of %(bodies)s.")
                           % {"bodies": ", ".join(a.department.name for a in asks)})
    return made


def _send(actor, case: Case, request: DepartmentRequest) -> None:
    from salter.channels.models import OutboundMessage
    from salter.channels.outbox import queue_message

    subject, body = request_email(case, request)
    message = queue_message(actor=actor, case=case, client=None,
                            recipient=request.department.email, subject=subject, body=body,
                            purpose=OutboundMessage.Purpose.REQUEST,
                            language=request.language)
    request.outbound = message
    request.external_id = message.external_id.strip("<> ")
    request.save(update_fields=["outbound", "external_id"])


def request_email(case: Case, request: DepartmentRequest) -> tuple[str, str]:
    """The subject and text of the e-mail asking a body, in the request's language."""
    from salter.intake.acknowledgements import signature

    with translation.override(request.language):
        due = formats.date_format(timezone.localtime(request.deadline.due_at),
                                  "SHORT_DATETIME_FORMAT")
        body = render_to_string("requests/email/request.txt", {
            "case": case, "request": request, "due": due,
            "link": answer_url(request),
            "signature": signature(case.municipality, request.language),
            "link_days": settings.SALTER_REQUEST_LINK_DAYS,
        }).strip() + "\n"
        subject = f"[{request.reference}] " + _("Request for a response: %(subject)s") % {
            "subject": case.subject}
    return subject, body


# --- answers ---------------------------------------------------------------------------------


def _clean_answer(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"answer": [_("Write the response.")]})
    return text


def _refuse_unless_open(request: DepartmentRequest) -> None:
    if request.state == State.ANSWERED:
        raise ValidationError({"answer": [
            _("%(department)s answered this request already.")
            % {"department": request.department}]})
    if request.state == State.WITHDRAWN:
        raise ValidationError({"answer": [_("This request was withdrawn.")]})


def may_answer_in_workspace(actor, request: DepartmentRequest) -> bool:
    """A member of the asked department answers for it."""
    return (getattr(actor, "department_id", None) == request.department_id
            and actor.can(Perm.EDIT_CASE))


@transaction.atomic
def answer_request(*, actor, request: DepartmentRequest, text: str) -> DepartmentRequest:
    """The asked department answers in Šalter (a member of it), or a staff member who may
    work on the case records an answer that came by telephone or post."""
    from salter.cases.access import access_case

    require(actor, Perm.EDIT_CASE)
    if request.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    if may_answer_in_workspace(actor, request):
        way = Way.WORKSPACE
    else:
        access_case(actor, request.case_id)  # 404 unless the actor works on the case
        way = Way.RECORDED
    request = _locked(request)
    _refuse_unless_open(request)
    return _answer(actor, request, _clean_answer(text), way=way, at=timezone.now())


@transaction.atomic
def answer_request_by_link(*, request: DepartmentRequest, text: str) -> DepartmentRequest:
    """The body answers through the link it was sent (`requests.tokens`); the link works
    once."""
    from salter.tenancy.actors import SystemActor

    request = _locked(request)
    _refuse_unless_open(request)
    actor = SystemActor(municipality=request.municipality, label=f"link:{request.reference}")
    return _answer(actor, request, _clean_answer(text), way=Way.LINK, at=timezone.now(),
                   label=request.department.name)


def _locked(request: DepartmentRequest) -> DepartmentRequest:
    return (DepartmentRequest.objects.select_for_update(of=("self",))
            .select_related("department", "deadline", "case", "municipality")
            .get(pk=request.pk))


def _answer(actor, request: DepartmentRequest, text: str, *, way: str, at, label: str = "",
            inbound=None, documents=()) -> DepartmentRequest:
    request.answer, request.answered_at, request.answered_way = text, at, way
    request.answered_by = actor.user
    request.answered_by_label = label[:254]
    request.answer_inbound = inbound
    request.state, request.token_nonce = State.ANSWERED, ""
    request.save()
    end_request_deadline(deadline=request.deadline, met=True, at=at)
    record_event(request.case, actor, Kind.REQUEST_ANSWERED, text=text,
                 after=_answer_facts(request, documents),
                 ref={"request": request.pk, **({"inbound": inbound.pk} if inbound else {}),
                      "documents": [d.pk for d in documents]})
    _back_to_work(actor, request.case)
    return request


def _answer_facts(request: DepartmentRequest, documents=(), *, further: bool = False) -> dict:
    due = request.deadline.due_at
    return {"department": request.department_id, "department_name": request.department.name,
            "reference": request.reference, "way": request.answered_way or Way.EMAIL,
            "by": request.answered_by_shown, "late": bool(due and request.answered_at
                                                           and request.answered_at > due),
            "further": further,
            "documents": [{"id": d.pk, "filename": d.filename} for d in documents]}


def _back_to_work(actor, case: Case) -> None:
    from salter.cases.actions import change_case_status

    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Status.WAITING_DEPARTMENT and not DepartmentRequest.objects.open_on(
            case).exists():
        change_case_status(actor=actor, case=case, status=Status.IN_PROGRESS,
                           text=_("Every requested response is in."))


@transaction.atomic
def record_answers_from_intake(*, actor, items) -> list[DepartmentRequest]:
    """Intake's part (`intake.apply`): messages recognised as replies to requests, for a
    batch of [(request id, inbound, files)] in the order received. The first answers an
    open request; a later one, or one to a request answered or withdrawn already, goes on
    the timeline as a further message from the body. Attachments become documents of the
    case."""
    from salter.documents.models import Document

    items = list(items)
    if not items:
        return []
    locked = {r.pk: r for r in DepartmentRequest.objects.select_for_update(of=("self",))
              .filter(municipality=actor.municipality, pk__in={pk for pk, _i, _f in items})
              .select_related("department", "deadline", "case")}
    answered = []
    for pk, inbound, files in items:
        request = locked[pk]
        documents = bulk.insert(Document, [
            Document(municipality_id=request.municipality_id, blob=blob, case=request.case,
                     filename=filename[:255], source=inbound.channel,
                     content_type=(content_type or "application/octet-stream")[:150])
            for blob, filename, content_type in files])
        text = inbound.body_text or inbound.subject
        if request.state == State.OPEN:
            _answer(actor, request, text, way=Way.EMAIL, at=inbound.received_at,
                    label=inbound.sender, inbound=inbound, documents=documents)
        else:
            facts = _answer_facts(request, documents, further=True)
            facts["by"] = inbound.sender
            record_event(request.case, actor, Kind.REQUEST_ANSWERED, text=text, after=facts,
                         ref={"request": request.pk, "inbound": inbound.pk,
                              "documents": [d.pk for d in documents]})
        answered.append(request)
    return answered


# --- withdrawing ------------------------------------------------------------------------------


@transaction.atomic
def withdraw_request(*, actor, request: DepartmentRequest, reason: str) -> DepartmentRequest:
    """The response is no longer needed; its deadline stops."""
    from salter.cases.access import access_case

    require(actor, Perm.EDIT_CASE)
    if request.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    access_case(actor, request.case_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the request is withdrawn.")]})
    request = _locked(request)
    if request.state != State.OPEN:
        raise ValidationError({"reason": [_("Only an open request can be withdrawn.")]})
    _withdraw(actor, request, reason)
    _back_to_work(actor, request.case)
    return request


def withdraw_open_requests(*, actor, case: Case, requests, reason: str) -> None:
    """Inside `change_case_status`, when a head resolves the case over open requests."""
    for request in requests:
        _withdraw(actor, _locked(request), reason)


def _withdraw(actor, request: DepartmentRequest, reason: str) -> None:
    now = timezone.now()
    request.state, request.token_nonce = State.WITHDRAWN, ""
    request.withdrawn_reason = reason[:500]
    request.save(update_fields=["state", "token_nonce", "withdrawn_reason"])
    end_request_deadline(deadline=request.deadline, met=False, at=now)
    record_event(request.case, actor, Kind.REQUEST_WITHDRAWN, text=reason,
                 after={"department": request.department_id,
                        "department_name": request.department.name,
                        "reference": request.reference},
                 ref={"request": request.pk})

