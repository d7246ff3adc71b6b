"""Reminders before a deadline, escalation when it passes, and each officer's daily
digest — the scheduled work of deadlines (`procedures.jobs`), configured per
municipality by its `ReminderPolicy`.

- Before: when a running deadline has no more office time left than the policy's
  `remind_before_hours`, its owner is reminded — the case's assignee (or, with nobody
  assigned, the heads of its department); for a request, the asked department's heads,
  or the outside body itself, by a message in the thread of the request.
- At breach: the heads of the case's department are told (`escalate_on_breach`).
- Daily, on working days after `digest_time`: every member with open cases gets the list,
  overdue first; heads also get their department's overdue cases.

Every notice is sent once: its `Notice` row (kind and key — the deadline and the moment it
is due, or the member and the day) is written in the transaction that queues the e-mail,
so a job that runs twice, on two workers or again after a crash, sends nothing twice. An
extended deadline is due at another moment and is reminded again. Reminders and
escalations are on the case's timeline; e-mails go through the one outbox.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from salter.cases.events import record_event
from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import OPEN_STATUSES
from salter.procedures.calendar import ZONE, calendar_for
from salter.procedures.countdown import of_deadline, time_left
from salter.procedures.models import Deadline, Notice, ReminderPolicy
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Department, Membership, Municipality
from salter.tenancy.roles import Role

logger = logging.getLogger(__name__)
Kind = Notice.Kind


def policy_for(municipality) -> ReminderPolicy:
    """The municipality's policy, or the defaults (unsaved) when it has set none."""
    return (ReminderPolicy.objects.filter(municipality=municipality).first()
            or ReminderPolicy(municipality=municipality))


def _actor(municipality) -> SystemActor:
    return SystemActor(municipality=municipality, label="reminders")


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment, ZONE), "SHORT_DATETIME_FORMAT")


# --- who hears of a deadline -------------------------------------------------------------------


def _people(memberships) -> list[tuple[str, str]]:
    return [(m.user.get_full_name() or m.user.get_username(), m.user.email)
            for m in memberships if m.user.email]


def heads_of(municipality, department) -> list[tuple[str, str]]:
    """(name, e-mail) of the heads of `department`, else the municipality's
    administrators: someone is always told."""
    members = (Membership.objects.filter(municipality=municipality, is_active=True,
                                         user__is_active=True).select_related("user"))
    heads = _people(members.filter(role=Role.HEAD, department=department)) if department else []
    return heads or _people(members.filter(role=Role.ADMIN))


def _request_of(deadline: Deadline):
    return deadline.request if deadline.kind == Deadline.Kind.REQUEST else None


def _owners(deadline: Deadline) -> list[tuple[str, str]]:
    """Who is reminded of `deadline`."""
    case = deadline.case
    request = _request_of(deadline)
    if request is not None:
        asked = request.department
        if asked.kind == Department.Kind.OUTSIDE_BODY and asked.email:
            return [(asked.name, asked.email)]
        return heads_of(case.municipality, asked)
    assignee = case.assignee
    if assignee is not None and assignee.email:
        return [(assignee.get_full_name() or assignee.get_username(), assignee.email)]
    return heads_of(case.municipality, case.department)


# --- reminders and escalations -----------------------------------------------------------------


def remind_and_escalate(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the reminders and escalations that are due and not sent yet."""
    now = now or timezone.now()
    sent = {"reminders": 0, "escalations": 0}
    for municipality in Municipality.objects.active():
        policy = policy_for(municipality)
        for kind, deadline in _due_notices(municipality, policy, now):
            if _notify(kind, deadline, now):
                sent["reminders" if kind == Kind.REMINDER else "escalations"] += 1
    return sent


def notice_key(deadline: Deadline) -> str:
    return f"{deadline.pk}@{deadline.due_at.astimezone(datetime.UTC).isoformat()}"


def _due_notices(municipality, policy: ReminderPolicy, now):
    """(kind, deadline) of the notices the municipality's deadlines call for now."""
    before = datetime.timedelta(hours=policy.remind_before_hours)
    horizon = calendar_for(municipality).add_working_time(now, before) if before else now
    deadlines = list(
        Deadline.objects.filter(municipality=municipality, state=Deadline.State.RUNNING,
                                due_at__lte=horizon, case__status__in=OPEN_STATUSES)
        .filter(Q(request__isnull=True) | Q(request__state="open"))
        .select_related("case__municipality", "case__department", "case__assignee",
                        "request__department").order_by("due_at", "pk"))
    if not deadlines:
        return []
    sent = set(Notice.objects.filter(municipality=municipality, deadline__in=deadlines)
               .values_list("kind", "key"))
    wanted = []
    for deadline in deadlines:
        if deadline.due_at > now:
            kind = Kind.REMINDER if before else None
        else:
            kind = Kind.ESCALATION if policy.escalate_on_breach else None
        if kind is not None and (kind, notice_key(deadline)) not in sent:
            wanted.append((kind, deadline))
    return wanted


def _notify(kind: str, deadline: Deadline, now) -> bool:
    """Send one reminder or escalation, with its timeline entry, once."""
    case = deadline.case
    municipality = case.municipality
    request = _request_of(deadline)
    recipients = (_owners(deadline) if kind == Kind.REMINDER
                  else heads_of(municipality, case.department))
    if not recipients:
        return False
    try:
        with transaction.atomic():
            Notice.objects.create(municipality=municipality, kind=kind,
                                  key=notice_key(deadline), deadline=deadline,
                                  recipients=[email for _name, email in recipients], at=now)
            _queue(kind, deadline, request, recipients, now)
            event_kind = CaseEvent.Kind.REMINDER if kind == Kind.REMINDER else (
                CaseEvent.Kind.ESCALATED)
            record_event(case, _actor(municipality), event_kind,
                         text=", ".join(name for name, _email in recipients),
                         after={"deadline": deadline.kind,
                                "due": deadline.due_at.astimezone(datetime.UTC).isoformat(),
                                "to": [name for name, _email in recipients],
                                "reference": request.reference if request else ""},
                         ref={"deadline": deadline.pk,
                              **({"request": request.pk} if request else {})})
    except IntegrityError:
        return False  # sent meanwhile by another run
    return True


def _queue(kind: str, deadline: Deadline, request, recipients, now) -> None:
    from salter.channels.models import OutboundMessage
    from salter.channels.outbox import queue_message

    case = deadline.case
    municipality = case.municipality
    to_body = request is not None and kind == Kind.REMINDER and (
        request.department.kind == Department.Kind.OUTSIDE_BODY)
    language = request.language if to_body else municipality.default_language
    with translation.override(language):
        context = {"case": case, "deadline": deadline, "request": request,
                   "due": _local(deadline.due_at), "left": of_deadline(deadline, now).text,
                   "municipality": municipality}
        template = "request_reminder" if to_body else kind
        body = render_to_string(f"procedures/notices/{template}.txt", context).strip() + "\n"
        subject = _subject(kind, case, request)
    for _name, email in recipients:
        queue_message(actor=_actor(municipality), case=None, client=None, recipient=email,
                      subject=subject, body=body, purpose=OutboundMessage.Purpose.NOTICE,
                      language=language,
                      in_reply_to=request.external_id if to_body and request.external_id
                      else "")


def _subject(kind: str, case: Case, request) -> str:
    if request is not None and kind == Kind.REMINDER:
        return f"[{request.reference}] " + _("Reminder: your response in case %(number)s") % {
            "number": case.registry_number}
    if kind == Kind.REMINDER:
        return f"[{case.registry_number}] " + _("Deadline soon: %(subject)s") % {
            "subject": case.subject}
    return f"[{case.registry_number}] " + _("Deadline passed: %(subject)s") % {
        "subject": case.subject}


# --- the daily digest ------------------------------------------------------------------------


def send_digests(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Each member's digest of the day, where the day's digest time has come."""
    now = now or timezone.now()
    sent = 0
    for municipality in Municipality.objects.active():
        policy = policy_for(municipality)
        local = now.astimezone(ZONE)
        if (not policy.digest_enabled or local.time() < policy.digest_time
                or not calendar_for(municipality).is_working_day(local.date())):
            continue
        sent += _digests_of(municipality, local.date(), now)
    return {"digests": sent}


def _digests_of(municipality, day: datetime.date, now) -> int:
    members = list(Membership.objects.filter(municipality=municipality, is_active=True,
                                             user__is_active=True)
                   .exclude(user__email="").select_related("user", "department"))
    if not members:
        return 0
    done = set(Notice.objects.filter(municipality=municipality, kind=Kind.DIGEST,
                                     key__endswith=f"@{day.isoformat()}")
               .values_list("key", flat=True))
    open_cases = (Case.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
                  .select_related("department")
                  .order_by(F("due_at").asc(nulls_last=True), "pk"))
    sent = 0
    for member in members:
        key = f"{member.user_id}@{day.isoformat()}"
        if key in done:
            continue
        cases = list(open_cases.filter(assignee=member.user))
        if member.role == Role.HEAD and member.department_id:
            cases += [c for c in open_cases.filter(department=member.department, due_at__lt=now)
                      .exclude(assignee=member.user)]
        if cases and _send_digest(municipality, member, key, cases, now):
            sent += 1
    return sent


def _send_digest(municipality, member, key: str, cases, now) -> bool:
    from salter.channels.models import OutboundMessage
    from salter.channels.outbox import queue_message

    language = municipality.default_language
    with translation.override(language):
        rows = [(case, time_left(case.due_at, now=now)) for case in cases]
        rows.sort(key=lambda row: (not row[1].is_overdue, row[1].due or now))
        body = render_to_string("procedures/notices/digest.txt", {
            "member": member, "rows": rows, "municipality": municipality,
            "overdue": sum(1 for _case, left in rows if left.is_overdue),
        }).strip() + "\n"
        subject = _("Your cases today: %(count)d open, %(overdue)d overdue") % {
            "count": len(rows), "overdue": sum(1 for _c, left in rows if left.is_overdue)}
    try:
        with transaction.atomic():
            Notice.objects.create(municipality=municipality, kind=Kind.DIGEST, key=key,
                                  recipients=[member.user.email], at=now)
            queue_message(actor=_actor(municipality), case=None, client=None,
                          recipient=member.user.email, subject=subject, body=body,
                          purpose=OutboundMessage.Purpose.NOTICE, language=language)
    except IntegrityError:
        return False
    return True
