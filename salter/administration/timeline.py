"""Writing and reading the admin timeline. Actions call `record` inside their own
transaction with the object as it was and as it is, so a change and its entry are
committed together or not at all."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from salter.administration.models import AdminChange, Verb
from salter.tenancy.models import Membership


def plain(value):
    """A field's value as JSON shows it on the timeline: a related row by its name."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | dict | str | int | float | bool) or value is None:
        return value
    return str(value)


def snapshot(obj, fields) -> dict:
    """The named fields of `obj` as plain values (None for an object not there)."""
    if obj is None:
        return {}
    return {name: plain(getattr(obj, name)) for name in fields}


def differences(before: dict, after: dict) -> dict:
    keys = list(dict.fromkeys([*before, *after]))
    return {key: [before.get(key), after.get(key)] for key in keys
            if before.get(key) != after.get(key)}


def record(actor, *, target: str, target_id, label: str, verb: str = Verb.CHANGED,
           before: dict | None = None, after: dict | None = None) -> AdminChange | None:
    """One entry: who (`actor`), what (`target` #`target_id`, called `label`), how
    (`verb`) and the fields that differ. A change that changed nothing is not written."""
    changes = differences(before or {}, after or {})
    if verb == Verb.CHANGED and not changes:
        return None
    membership = actor if isinstance(actor, Membership) else None
    name = actor.user.get_username() if membership is not None else str(actor)
    return AdminChange.objects.create(
        municipality=actor.municipality, actor=membership, actor_name=name[:150],
        target=target, target_id=target_id, target_label=(label or "")[:300], verb=verb,
        changes=changes)


def lock_own(model, actor, pk):
    """The row `pk` of `model` in the actor's municipality, locked for the change (inside
    the action's transaction); a missing row and another municipality's one are the same
    "Not found."."""
    locked = (model.objects.select_for_update()
              .filter(municipality=actor.municipality, pk=pk).first())
    if locked is None:
        raise ValidationError(_("Not found."))
    return locked


def changes_of(municipality, *, target: str = "", target_id=None):
    found = AdminChange.objects.filter(municipality=municipality)
    if target:
        found = found.filter(target=target)
    if target_id is not None:
        found = found.filter(target_id=target_id)
    return found.select_related("actor__user")
