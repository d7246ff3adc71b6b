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
from django.utils.translation import gettext as _

from salter.procedures.calendar import forget_calendar
from salter.procedures.models import CalendarDay, CaseType
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
    return _save_procedure(CaseType(municipality=actor.municipality, **_known_fields(fields)))


@transaction.atomic
def update_procedure(*, actor, procedure: CaseType, **changes) -> CaseType:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if procedure.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Not found."))
    locked = CaseType.objects.select_for_update().get(pk=procedure.pk)
    for name, value in _known_fields(changes).items():
        setattr(locked, name, value)
    return _save_procedure(locked)


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
    WorkingHours.objects.filter(municipality=municipality, weekday=weekday).delete()
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(municipality=municipality, weekday=weekday, opens=opens, closes=closes)
        for opens, closes in periods)
    forget_calendar(municipality.pk)
    return rows


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
