"""Turning CaseEvent rows into what the case page shows: who, when, what, and the values
before and after in words rather than ids."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Case, CaseEvent, Priority
from salter.cases.workflow import Status
from salter.procedures.models import CaseType
from salter.tenancy.models import Department

# Keys of before/after worth showing, with their labels; others (e.g. the creation
# snapshot) are summarised by the event's text.
_FIELDS = {
    "status": _("Status"),
    "assignee": _("Assignee"),
    "department": _("Department"),
    "priority": _("Priority"),
    "case_type": _("Case type"),
    "parent": _("Parent case"),
    "subject": _("Subject"),
    "description": _("Description"),
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    event: CaseEvent
    actor: str
    changes: list[Change] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.event.kind


def _user_names(ids) -> dict:
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


class _Names:
    """Looks up, once per page, the names behind the ids in the events."""

    def __init__(self, events, municipality):
        ids: dict[str, set] = {name: set() for name in _FIELDS}
        for event in events:
            for values in (event.before or {}, event.after or {}):
                for key, value in values.items():
                    if key in ids and isinstance(value, int):
                        ids[key].add(value)
        self.by_field = {
            "assignee": _user_names(ids["assignee"]),
            "department": dict(Department.objects.filter(
                municipality=municipality, pk__in=ids["department"]).values_list("pk", "name")),
            "case_type": {case_type.pk: case_type.display_name for case_type in CaseType.objects
                          .filter(municipality=municipality, pk__in=ids["case_type"])
                          .only("pk", "name", "translations")},
            "parent": dict(Case.objects.filter(
                municipality=municipality, pk__in=ids["parent"])
                .values_list("pk", "registry_number")),
        }

    def show(self, key: str, value) -> str:
        if value is None or value == "":
            return "—"
        if key == "status" and value in Status.values:
            return str(Status(value).label)
        if key == "priority" and value in Priority.values:
            return str(Priority(value).label)
        if key in self.by_field:
            return self.by_field[key].get(value, "?")
        return str(value)


def _changes(event: CaseEvent, names: _Names) -> list[Change]:
    if event.kind == CaseEvent.Kind.CREATED:
        return []
    before, after = event.before or {}, event.after or {}
    changes = []
    for key, label in _FIELDS.items():
        if key in before or key in after:
            old, new = before.get(key), after.get(key)
            if old != new:
                changes.append(Change(str(label), names.show(key, old), names.show(key, new)))
    return changes


def case_timeline(case: Case) -> list[Entry]:
    """The case's events, oldest first, ready for the template."""
    events = list(case.events.select_related("actor"))
    names = _Names(events, case.municipality_id)
    return [
        Entry(event=e,
              actor=(e.actor.get_full_name() or e.actor.get_username()) if e.actor
              else e.actor_label or str(_("Šalter")),
              changes=_changes(e, names))
        for e in events
    ]
