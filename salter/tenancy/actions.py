"""Changes to a municipality's departments and outside bodies, by its administrator
(MANAGE_MUNICIPALITY): one transaction, every error naming its field, each change on the
admin timeline."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from salter.administration import timeline
from salter.administration.models import Target, Verb
from salter.tenancy.access import require
from salter.tenancy.models import Department, Language
from salter.tenancy.roles import Perm

DEPARTMENT_FIELDS = ("name", "kind", "registry_unit", "email", "translations", "is_active")
TRANSLATED = tuple(code for code in Language.values if code != Language.SR_LATN)


def _clean_translations(value) -> dict:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValidationError({"translations": [_("Give the names as language: name pairs.")]})
    unknown = sorted(set(value) - set(TRANSLATED))
    if unknown:
        raise ValidationError({"translations": [
            _("Unknown language %(languages)s; use %(known)s.")
            % {"languages": ", ".join(unknown), "known": ", ".join(TRANSLATED)}]})
    return {code: " ".join(text.split()) for code, text in value.items() if text.strip()}


def _validate(department: Department) -> None:
    department.name = " ".join((department.name or "").split())
    if not department.name:
        raise ValidationError({"name": [_("A department needs a name.")]})
    department.email = (department.email or "").strip().lower()
    if department.email:
        try:
            validate_email(department.email)
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    if department.kind not in Department.Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of department.")]})
    department.translations = _clean_translations(department.translations or {})
    taken = (Department.objects.filter(municipality=department.municipality,
                                       name__iexact=department.name)
             .exclude(pk=department.pk))
    if taken.exists():
        raise ValidationError({"name": [_("The municipality already has a department of "
                                          "this name.")]})


def _unknown(fields: dict) -> None:
    unknown = sorted(set(fields) - set(DEPARTMENT_FIELDS))
    if unknown:
        raise ValidationError({name: [_("Not a field of a department.")] for name in unknown})


@transaction.atomic
def create_department(*, actor, **fields) -> Department:
    """A department, service or outside body (a public utility) of the actor's
    municipality."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    _unknown(fields)
    department = Department(municipality=actor.municipality, **fields)
    _validate(department)
    department.save()
    timeline.record(actor, target=Target.DEPARTMENT, target_id=department.pk,
                    label=department.name, verb=Verb.CREATED,
                    after=timeline.snapshot(department, DEPARTMENT_FIELDS))
    return department


@transaction.atomic
def update_department(*, actor, department: Department, **changes) -> Department:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    _unknown(changes)
    locked = timeline.lock_own(Department, actor, department.pk)
    before = timeline.snapshot(locked, DEPARTMENT_FIELDS)
    for name, value in changes.items():
        setattr(locked, name, value)
    _validate(locked)
    if before["is_active"] and not locked.is_active and locked.members.filter(
            is_active=True).exists():
        raise ValidationError({"is_active": [_(
            "Staff still work in this department; move them to another one first.")]})
    locked.save()
    timeline.record(actor, target=Target.DEPARTMENT, target_id=locked.pk, label=locked.name,
                    before=before, after=timeline.snapshot(locked, DEPARTMENT_FIELDS))
    return locked
