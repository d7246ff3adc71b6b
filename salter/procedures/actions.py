"""Every change to procedures and to a municipality's calendar goes through here: one
transaction, the administrator's permission, everything validated before anything is
written (an error names its field), and the cached calendar dropped when it changes.

`lay_out_starter_procedures` is onboarding's: it runs for a municipality before anyone
serves it, so it takes no actor.
"""

import datetime
import itertools

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salter import bulk
from salter.administration import timeline
from salter.administration.models import Target, Verb
from salter.procedures.calendar import calendar_for, forget_calendar
from salter.procedures.deadlines import (
    EXTEND,
    PAUSE,
    RESTART,
    RESUME,
    InvalidRule,
    evaluate,
    normalize_rule,
    parse_rule,
    step,
)
from salter.procedures.models import (
    CalendarDay,
    CaseType,
    Deadline,
    ReminderPolicy,
    RoutingRule,
)
from salter.procedures.starter import STARTER_PROCEDURES, ProcedureSpec
from salter.tenancy.access import require
from salter.tenancy.models import WorkingHours
from salter.tenancy.roles import Perm

PROCEDURE_FIELDS = (
    "code", "name", "description", "translations", "category", "classification",
    "department", "priority", "first_response_rule", "resolution_rule", "variant_of",
    "required_fields", "checklist", "reply_templates", "keywords", "is_public", "is_active",
)


def _known_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(PROCEDURE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a field of a procedure.")] for name in unknown})
    return fields


def _save_procedure(procedure: CaseType) -> CaseType:
    # clean() checks code and name per municipality itself, naming the field; the
    # database constraints stay as the last guard.
    procedure.full_clean(validate_unique=False, validate_constraints=False)
    procedure.save()
    return procedure


@transaction.atomic
def create_procedure(*, actor, **fields) -> CaseType:
    """A new procedure of the actor's municipality; ValidationError keyed by field."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    procedure = _save_procedure(CaseType(municipality=actor.municipality,
                                         **_known_fields(fields)))
    timeline.record(actor, target=Target.PROCEDURE, target_id=procedure.pk,
                    label=procedure.name, verb=Verb.CREATED,
                    after=timeline.snapshot(procedure, PROCEDURE_FIELDS))
    return procedure


@transaction.atomic
def update_procedure(*, actor, procedure: CaseType, **changes) -> CaseType:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if procedure.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    locked = CaseType.objects.select_for_update().get(pk=procedure.pk)
    before = timeline.snapshot(locked, PROCEDURE_FIELDS)
    for name, value in _known_fields(changes).items():
        setattr(locked, name, value)
    saved = _save_procedure(locked)
    after = timeline.snapshot(saved, PROCEDURE_FIELDS)
    only_templates = set(timeline.differences(before, after)) == {"reply_templates"}
    timeline.record(actor, target=Target.REPLY_TEMPLATE if only_templates else Target.PROCEDURE,
                    target_id=saved.pk, label=saved.name, before=before, after=after)
    return saved


def _procedure_from_spec(municipality, spec: ProcedureSpec, departments: dict,
                         main: CaseType | None) -> CaseType:
    def other_languages(field: dict) -> dict:
        return {language: text for language, text in field.items() if language != "sr-latn"}

    translations = {
        language: {"name": spec.name[language], "description": spec.description[language]}
        for language in other_languages(spec.name)
    }
    return CaseType(
        municipality=municipality, code=spec.code, name=spec.name["sr-latn"],
        description=spec.description["sr-latn"], translations=translations,
        category=spec.category, classification=spec.classification,
        department=departments.get(spec.department), priority=spec.priority,
        first_response_rule=spec.first_response, resolution_rule=spec.resolution,
        variant_of=main, required_fields=list(spec.required_fields),
        checklist=[dict(step) for step in spec.checklist],
        reply_templates=[{"key": tpl["key"], "title": dict(tpl["title"]),
                          "body": dict(tpl["body"])} for tpl in spec.reply_templates],
        keywords="\n".join(spec.keywords), is_public=spec.is_public)


@transaction.atomic
def lay_out_starter_procedures(municipality, departments: dict) -> list[CaseType]:
    """Give `municipality` the starter procedures; `departments` maps the starter's
    department keys (`tenancy.onboarding`) to the municipality's departments."""
    created: dict[str, CaseType] = {}
    for spec in sorted(STARTER_PROCEDURES, key=lambda s: bool(s.variant_of)):
        procedure = _procedure_from_spec(municipality, spec, departments,
                                         created.get(spec.variant_of))
        created[spec.code] = _save_procedure(procedure)
    return [created[spec.code] for spec in STARTER_PROCEDURES]


# -- the calendar --------------------------------------------------------------------------


def _periods(intervals) -> list[tuple[datetime.time, datetime.time]]:
    periods = sorted(intervals)
    for opens, closes in periods:
        if not opens < closes:
            raise ValidationError({"closes": [_("An office closes after it opens.")]})
    for (_o1, first_closes), (second_opens, _c2) in itertools.pairwise(periods):
        if second_opens < first_closes:
            raise ValidationError({"opens": [_("Office periods of one day must not overlap.")]})
    return periods


@transaction.atomic
def set_office_hours(*, actor, weekday: int, periods) -> list[WorkingHours]:
    """The office periods of one weekday (0 = Monday), replacing the ones it had; no
    periods means closed that weekday."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if weekday not in range(7):
        raise ValidationError({"weekday": [_("A weekday is 0 (Monday) to 6 (Sunday).")]})
    periods = _periods(periods)
    municipality = actor.municipality
    current = WorkingHours.objects.filter(municipality=municipality, weekday=weekday)
    before = [f"{row.opens:%H:%M}–{row.closes:%H:%M}" for row in current.order_by("opens")]
    current.delete()
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(municipality=municipality, weekday=weekday, opens=opens, closes=closes)
        for opens, closes in periods)
    forget_calendar(municipality.pk)
    timeline.record(actor, target=Target.OFFICE_HOURS, target_id=weekday,
                    label=WEEKDAY_NAMES[weekday], before={"periods": before},
                    after={"periods": [f"{o:%H:%M}–{c:%H:%M}" for o, c in periods]})
    return rows


# Untranslated on purpose: the timeline keeps what was done, read by anyone's interface.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CALENDAR_DAY_FIELDS = ("date", "kind", "opens", "closes", "reason", "every_year")


def _save_day(actor, day: CalendarDay) -> CalendarDay:
    day.reason = " ".join((day.reason or "").split())
    try:
        day.full_clean(validate_constraints=False, validate_unique=False)
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    if CalendarDay.objects.filter(municipality=actor.municipality, date=day.date).exists():
        raise ValidationError({"date": [_("The calendar already has an entry for this date; "
                                          "remove it first.")]})
    day.save()
    forget_calendar(actor.municipality.pk)
    timeline.record(actor, target=Target.CALENDAR_DAY, target_id=day.pk,
                    label=day.date.isoformat(), verb=Verb.CREATED,
                    after=timeline.snapshot(day, CALENDAR_DAY_FIELDS))
    return day


@transaction.atomic
def add_day_off(*, actor, date: datetime.date, reason: str,
                every_year: bool = False) -> CalendarDay:
    """A day the municipality's offices are closed: its day (`every_year`), a day
    declared off."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    return _save_day(actor, CalendarDay(municipality=actor.municipality, date=date,
                                        kind=CalendarDay.Kind.CLOSED, reason=reason,
                                        every_year=every_year))


@transaction.atomic
def add_special_opening(*, actor, date: datetime.date, opens: datetime.time,
                        closes: datetime.time, reason: str) -> CalendarDay:
    """The offices open on `date` from `opens` to `closes` whatever the weekly hours and
    holidays say (a Saturday of work, a registry office on duty)."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if opens is None or closes is None:
        raise ValidationError({"opens" if opens is None else "closes": [
            _("A special opening needs its office hours.")]})
    _periods([(opens, closes)])
    return _save_day(actor, CalendarDay(municipality=actor.municipality, date=date,
                                        kind=CalendarDay.Kind.OPEN, opens=opens,
                                        closes=closes, reason=reason))


@transaction.atomic
def remove_calendar_day(*, actor, day: CalendarDay) -> None:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if day.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    CalendarDay.objects.filter(pk=day.pk).delete()
    forget_calendar(actor.municipality.pk)
    timeline.record(actor, target=Target.CALENDAR_DAY, target_id=day.pk,
                    label=day.date.isoformat(), verb=Verb.REMOVED,
                    before=timeline.snapshot(day, CALENDAR_DAY_FIELDS))


# -- deadlines -------------------------------------------------------------------------------
#
# A case's first-response and resolution deadlines, and each request's, are rows that
# only these functions write: built with the case (`plan_case_deadlines`), moved along with
# its status (`follow_case_status`), met by the first reply (`meet_first_response`),
# recomputed when its procedure is corrected (`recompute_case_deadlines`), extended with a
# reason (`extend_deadline`). Each change is said on the case's timeline (DEADLINE) in the
# transaction of the action that caused it, and `Case.due_at` follows the resolution
# deadline.

DeadlineKind = Deadline.Kind
DeadlineState = Deadline.State
CASE_KINDS = (DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION)


def plan_case_deadlines(case, received: datetime.datetime) -> list[Deadline]:
    """The unsaved first-response and resolution deadlines of a new case, counted from when
    the client's item was received, by the calendar the process has (no queries once it
    is cached); sets `case.due_at`. None for a case without procedure."""
    procedure = case.case_type
    if procedure is None:
        return []
    calendar = calendar_for(case.municipality_id)
    rows = [bulk.unsaved(Deadline, municipality_id=case.municipality_id, case=case,
                         kind=kind, rule=rule, started_at=received,
                         due_at=evaluate(rule, calendar, received).due)
            for kind, rule in ((DeadlineKind.FIRST_RESPONSE, procedure.first_response_rule),
                               (DeadlineKind.RESOLUTION, procedure.resolution_rule))]
    case.due_at = rows[1].due_at
    return rows


def _case_deadlines(case) -> dict[str, Deadline]:
    return {d.kind: d for d in Deadline.objects.select_for_update()
            .filter(municipality_id=case.municipality_id, case=case, kind__in=CASE_KINDS)}


def _iso(moment) -> str | None:
    # Stored in UTC, as every moment Šalter keeps; shown in Belgrade time.
    return moment.astimezone(datetime.UTC).isoformat() if moment is not None else None


def _apply(deadline: Deadline, *, steps=None) -> None:
    """Re-evaluate the deadline from its rule and steps into its columns."""
    if steps is not None:
        deadline.steps = steps
    timing = evaluate(deadline.rule, calendar_for(deadline.municipality_id),
                      deadline.started_at, deadline.steps)
    deadline.due_at, deadline.paused_at = timing.due, timing.paused_at
    if deadline.is_live:
        deadline.state = DeadlineState.PAUSED if timing.is_paused else DeadlineState.RUNNING


def _record(actor, case, deadline: Deadline, change: str, *, before, text: str = "",
            **facts) -> None:
    from salter.cases.events import record_event
    from salter.cases.models import CaseEvent

    record_event(case, actor, CaseEvent.Kind.DEADLINE, text=text,
                 before={"due": _iso(before)},
                 after={"deadline": deadline.kind, "change": change, "rule": deadline.rule,
                        "due": _iso(deadline.due_at), "state": deadline.state, **facts},
                 ref={"deadline": deadline.pk})


def _sync_case_due(case, deadlines: dict[str, Deadline]) -> None:
    """`Case.due_at` is the resolution deadline while it lives (none while paused)."""
    from salter.cases.models import Case

    resolution = deadlines.get(DeadlineKind.RESOLUTION)
    if resolution is None or not resolution.is_live or case.due_at == resolution.due_at:
        return
    case.due_at = resolution.due_at
    Case.objects.filter(pk=case.pk).update(due_at=case.due_at)


def _change(actor, case, deadline: Deadline, change: str, *, text: str = "",
            state: str | None = None, at=None, step_entry=None, **facts) -> None:
    before = deadline.due_at
    if step_entry is not None:
        deadline.steps = [*deadline.steps, step_entry]
    if state is not None:
        deadline.state = state
        deadline.met_at = at if state == DeadlineState.MET else None
    _apply(deadline)
    deadline.save(update_fields=["steps", "due_at", "state", "paused_at", "met_at"])
    _record(actor, case, deadline, change, before=before, text=text, **facts)


def follow_case_status(*, actor, case, before: str, after: str, at: datetime.datetime) -> None:
    """Inside `cases.actions.change_case_status`: the case's deadlines pause while it waits
    on the client, run again when it leaves that state, are met when it is resolved, stop
    when it is closed unresolved, and the resolution deadline starts afresh when the case
    is reopened."""
    from salter.cases.workflow import Status, is_reopen

    deadlines = _case_deadlines(case)
    if not deadlines:
        return
    for deadline in deadlines.values():
        live = deadline.is_live
        if after == Status.WAITING_CITIZEN and deadline.state == DeadlineState.RUNNING:
            _pause(actor, case, deadline, at)
        elif before == Status.WAITING_CITIZEN and deadline.state == DeadlineState.PAUSED:
            _change(actor, case, deadline, "resumed", step_entry=step(RESUME, at))
        if after == Status.RESOLVED and deadline.is_live:
            _change(actor, case, deadline, "met", state=DeadlineState.MET, at=at)
        elif after == Status.CLOSED and live and before != Status.RESOLVED:
            _change(actor, case, deadline, "stopped", state=DeadlineState.STOPPED, at=at)
        elif is_reopen(before, after) and (deadline.kind == DeadlineKind.RESOLUTION
                                           or deadline.state == DeadlineState.STOPPED):
            _change(actor, case, deadline, "restarted", state=DeadlineState.RUNNING,
                    step_entry=step(RESTART, at))
    _sync_case_due(case, deadlines)


def _pause(actor, case, deadline: Deadline, at) -> None:
    if deadline.due_at is not None and deadline.due_at <= at:
        # Passed already: waiting on the client now gives no time back.
        _record(actor, case, deadline, "not_paused", before=deadline.due_at)
        return
    _change(actor, case, deadline, "paused", step_entry=step(PAUSE, at))


def stop_case_deadlines(*, actor, case, at: datetime.datetime) -> None:
    """A case closed outside the workflow (merged into another): its deadlines stop."""
    for deadline in _case_deadlines(case).values():
        if deadline.is_live:
            _change(actor, case, deadline, "stopped", state=DeadlineState.STOPPED, at=at)


def meet_first_response(*, actor, case, at: datetime.datetime) -> Deadline | None:
    """The first reply to the client meets the first-response deadline (later ones do
    nothing)."""
    deadline = _case_deadlines(case).get(DeadlineKind.FIRST_RESPONSE)
    if deadline is None or not deadline.is_live:
        return None
    _change(actor, case, deadline, "met", state=DeadlineState.MET, at=at)
    return deadline


def recompute_case_deadlines(*, actor, case, at: datetime.datetime) -> None:
    """Inside the action that corrected the case's procedure: every deadline of the case
    runs by the new procedure's rules, from the same moment and through the same pauses
    and extensions; a case that had none gets them, counted from its receipt."""
    procedure = case.case_type
    if procedure is None:
        return
    deadlines = _case_deadlines(case)
    rules = {DeadlineKind.FIRST_RESPONSE: procedure.first_response_rule,
             DeadlineKind.RESOLUTION: procedure.resolution_rule}
    for kind, rule in rules.items():
        deadline = deadlines.get(kind)
        if deadline is None:
            deadline = Deadline(municipality_id=case.municipality_id, case=case, kind=kind,
                                rule=rule, started_at=case.created_at)
            _apply(deadline)
            deadline.save()
            deadlines[kind] = deadline
            _record(actor, case, deadline, "started", before=None)
        elif deadline.rule != rule:
            before = deadline.due_at
            deadline.rule = rule
            _apply(deadline)
            deadline.save(update_fields=["rule", "due_at", "state", "paused_at"])
            _record(actor, case, deadline, "recomputed", before=before)
    _sync_case_due(case, deadlines)


@transaction.atomic
def extend_deadline(*, actor, deadline: Deadline, reason: str, by: str = "",
                    until: datetime.datetime | None = None) -> Deadline:
    """Move a running deadline later — by a rule counted from the current deadline
    ("15 calendar days") or to a moment — with the reason on the case's timeline."""
    from salter.cases.access import access_case

    require(actor, Perm.EDIT_CASE)
    if deadline.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    case = access_case(actor, deadline.case_id, for_update=True)
    deadline = Deadline.objects.select_for_update().get(pk=deadline.pk)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the deadline is extended.")]})
    if deadline.state == DeadlineState.PAUSED:
        raise ValidationError({"reason": [_(
            "The deadline is paused while the case waits on the client; extend it once it "
            "runs again.")]})
    if not deadline.is_live:
        raise ValidationError({"reason": [_("Only a running deadline can be extended.")]})
    entry = _extension(deadline, by=by, until=until, at=timezone.now())
    _change(actor, case, deadline, "extended", text=reason, step_entry=entry,
            reason=reason, **{k: v for k, v in entry.items() if k in ("by", "until")})
    _sync_case_due(case, {deadline.kind: deadline})
    return deadline


def _extension(deadline: Deadline, *, by: str, until, at) -> dict:
    if bool((by or "").strip()) == (until is not None):
        raise ValidationError({"by": [_("Extend either by a rule (e.g. 15 calendar days) or "
                                        "until a date, not both.")]})
    if until is None:
        try:
            rule = parse_rule(by)
        except InvalidRule as error:
            raise ValidationError({"by": [str(error)]}) from None
        return step(EXTEND, at, by=rule.text)
    if until.tzinfo is None or until.utcoffset() is None:
        raise ValidationError({"until": [_("Give the time with its zone.")]})
    if until <= deadline.started_at:
        raise ValidationError({"until": [_(
            "A deadline cannot end before the matter was received (%(received)s).")
            % {"received": _local_text(deadline.started_at)}]})
    if deadline.due_at is not None and until <= deadline.due_at:
        raise ValidationError({"until": [_(
            "An extension ends after the current deadline (%(due)s).")
            % {"due": _local_text(deadline.due_at)}]})
    return step(EXTEND, at, until=until.isoformat())


def _local_text(moment) -> str:
    from django.utils import formats

    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def start_request_deadline(*, case, rule: str, at: datetime.datetime) -> Deadline:
    """The deadline of a new request to a department (`requests.actions`)."""
    deadline = Deadline(municipality_id=case.municipality_id, case=case,
                        kind=DeadlineKind.REQUEST, rule=normalize_rule(rule), started_at=at)
    _apply(deadline)
    deadline.save()
    return deadline


def end_request_deadline(*, deadline: Deadline, met: bool, at: datetime.datetime) -> None:
    """A request answered (met) or withdrawn (stopped); its own timeline entry says so."""
    if not deadline.is_live:
        return
    deadline.state = DeadlineState.MET if met else DeadlineState.STOPPED
    deadline.met_at = at if met else None
    deadline.save(update_fields=["state", "met_at"])


# -- routing rules -----------------------------------------------------------------------------

ROUTING_FIELDS = ("order", "channel", "endpoint", "keywords", "client_kind", "sender_domain",
                  "location", "case_type", "department", "priority", "is_active")


def _routing_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(ROUTING_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a field of a routing rule.")] for name in unknown})
    return fields


def _save_rule(rule: RoutingRule) -> RoutingRule:
    rule.full_clean(validate_unique=False, validate_constraints=False)
    rule.save()
    return rule


@transaction.atomic
def create_routing_rule(*, actor, **fields) -> RoutingRule:
    """A rule of the actor's municipality; ValidationError keyed by field. The default rule
    is set with `set_default_route`."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    rule = _save_rule(RoutingRule(municipality=actor.municipality, **_routing_fields(fields)))
    timeline.record(actor, target=Target.ROUTING_RULE, target_id=rule.pk, label=str(rule),
                    verb=Verb.CREATED, after=timeline.snapshot(rule, ROUTING_FIELDS))
    return rule


@transaction.atomic
def update_routing_rule(*, actor, rule: RoutingRule, **changes) -> RoutingRule:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if rule.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    locked = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    if locked.is_default and changes.get("is_active") is False:
        raise ValidationError({"is_active": [_(
            "The default rule stays active: without it a case could be left without "
            "procedure, department and deadline.")]})
    before = timeline.snapshot(locked, ROUTING_FIELDS)
    for name, value in _routing_fields(changes).items():
        setattr(locked, name, value)
    saved = _save_rule(locked)
    timeline.record(actor, target=Target.ROUTING_RULE, target_id=saved.pk, label=str(saved),
                    before=before, after=timeline.snapshot(saved, ROUTING_FIELDS))
    return saved


@transaction.atomic
def set_default_route(*, actor, case_type, department, priority=None) -> RoutingRule:
    """The procedure and department of whatever no other rule routes."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    rule = (RoutingRule.objects.select_for_update()
            .filter(municipality=actor.municipality, is_default=True).first()
            or RoutingRule(municipality=actor.municipality, is_default=True, order=1000))
    before = timeline.snapshot(rule, ROUTING_FIELDS) if rule.pk else {}
    rule.case_type, rule.department, rule.priority = case_type, department, priority
    rule.is_active = True
    saved = _save_rule(rule)
    timeline.record(actor, target=Target.ROUTING_RULE, target_id=saved.pk, label=str(saved),
                    verb=Verb.CHANGED if before else Verb.CREATED, before=before,
                    after=timeline.snapshot(saved, ROUTING_FIELDS))
    return saved


def propose_routing_rule(*, actor, case, keywords: str, case_type, department) -> RoutingRule:
    """Inside `cases.actions.correct_route`: a rule that would have routed the case as
    corrected, waiting (inactive) for an administrator to adopt it."""
    require(actor, Perm.EDIT_CASE)
    rule = RoutingRule(municipality=actor.municipality, order=50, keywords=keywords,
                       case_type=case_type, department=department, is_active=False,
                       proposed_by=actor.user, proposed_from=case, proposed_at=timezone.now())
    return _save_rule(rule)


@transaction.atomic
def adopt_routing_rule(*, actor, rule: RoutingRule) -> RoutingRule:
    """An administrator takes up a proposed rule: it routes from now on."""
    return update_routing_rule(actor=actor, rule=rule, is_active=True)


def lay_out_starter_routing(municipality, *, default, business=None,
                            business_desk=None) -> list[RoutingRule]:
    """Onboarding's: the default rule (`default` = (procedure, department)) and, when given,
    businesses to the business desk."""
    case_type, department = default
    rules = [_save_rule(RoutingRule(municipality=municipality, is_default=True, order=1000,
                                    case_type=case_type, department=department))]
    if business is not None:
        rules.append(_save_rule(RoutingRule(
            municipality=municipality, order=10, client_kind=RoutingRule.ClientKind.BUSINESS,
            case_type=business, department=business_desk or business.department)))
    return rules


# -- reminders -------------------------------------------------------------------------------

REMINDER_FIELDS = ("remind_before_hours", "escalate_on_breach", "digest_enabled",
                   "digest_time")


@transaction.atomic
def set_reminder_policy(*, actor, **fields) -> ReminderPolicy:
    """When the municipality's staff are reminded of deadlines (`procedures.reminders`)."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    unknown = sorted(set(fields) - set(REMINDER_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a setting of reminders.")] for name in unknown})
    policy = (ReminderPolicy.objects.select_for_update()
              .filter(municipality=actor.municipality).first()
              or ReminderPolicy(municipality=actor.municipality))
    for name, value in fields.items():
        setattr(policy, name, value)
    hours = policy.remind_before_hours
    if not isinstance(hours, int) or not 0 <= hours <= MAX_REMINDER_HOURS:
        raise ValidationError({"remind_before_hours": [
            _("Remind between 0 (never) and %(max)d office hours before.")
            % {"max": MAX_REMINDER_HOURS}]})
    policy.full_clean(validate_unique=False, validate_constraints=False)
    policy.save()
    return policy


MAX_REMINDER_HOURS = 80  # two working weeks
