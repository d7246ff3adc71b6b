"""Turning CaseEvent rows into what the case page shows: who, when, what, and the values
before and after in words rather than ids."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Case, CaseEvent, Priority
from salter.cases.workflow import Status
from salter.channels.models import OutboundMessage
from salter.lang.deferred import Deferred
from salter.procedures.models import CaseType, Deadline
from salter.requests.models import DepartmentRequest
from salter.tenancy.models import Department

Outbound = OutboundMessage.State
# Why a delivery failed, for entries that did not keep the reason for staff (reports from
# mail servers, and entries written before reasons were kept untranslated).
_DELIVERY_REASONS = {
    Outbound.BOUNCED: Deferred(gettext_noop(
        "The recipient's mail server sent the message back as undeliverable.")),
    Outbound.FAILED: Deferred(gettext_noop("The message could not be delivered.")),
    Outbound.RETRYING: Deferred(gettext_noop("Delivery failed for now; Šalter will try again.")),
}

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


@dataclass(frozen=True)
class Delivery:
    """Where an outgoing message stands: its state now (for the message itself) or as the
    attempt ended (for a delivery entry), and why it failed, in the reader's language."""

    state: str
    reason: str = ""

    @property
    def label(self) -> str:
        return str(Outbound(self.state).label) if self.state in Outbound.values else self.state


@dataclass
class Entry:
    event: CaseEvent
    actor: str
    changes: list[Change] = field(default_factory=list)
    delivery: Delivery | None = None
    details: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def label(self) -> str:
        after = self.event.after or {}
        if self.kind == CaseEvent.Kind.MESSAGE_OUT and after.get("purpose") == (
                OutboundMessage.Purpose.REQUEST):
            return str(_("Request sent by e-mail"))
        return self.event.get_kind_display()


_DEADLINE_CHANGES = {
    "paused": _("paused while the case waits on the client"),
    "not_paused": _("not paused: it had passed already"),
    "resumed": _("running again with the time it had left"),
    "met": _("met"),
    "stopped": _("stopped"),
    "restarted": _("counted afresh"),
    "recomputed": _("recomputed by the corrected procedure"),
    "started": _("started by the procedure given"),
    "extended": _("extended"),
}
_WAYS = dict(DepartmentRequest.Way.choices)


def _when(value) -> str:
    if not value:
        return "—"
    moment = datetime.datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _details(event: CaseEvent) -> list[str]:
    """What an entry of the deadlines, requests, transfers and reminders says, in words."""
    kind, after = event.kind, event.after or {}
    Kind = CaseEvent.Kind
    if kind == Kind.DEADLINE:
        what = Deadline.Kind(after["deadline"]).label if after.get("deadline") in (
            Deadline.Kind.values) else after.get("deadline", "")
        change = _DEADLINE_CHANGES.get(after.get("change"), after.get("change", ""))
        lines = [f"{what}: {change}"]
        if after.get("by"):
            lines.append(gettext("by %(rule)s") % {"rule": after["by"]})
        if after.get("due"):
            lines.append(gettext("due %(when)s") % {"when": _when(after["due"])})
        return lines
    if kind == Kind.REQUEST_SENT:
        return [gettext("To %(body)s (%(reference)s), due %(when)s")
                % {"body": after.get("department_name", ""),
                   "reference": after.get("reference", ""), "when": _when(after.get("due"))}]
    if kind == Kind.REQUEST_ANSWERED:
        line = gettext("From %(body)s (%(reference)s), %(way)s, %(by)s") % {
            "body": after.get("department_name", ""), "reference": after.get("reference", ""),
            "way": _WAYS.get(after.get("way"), after.get("way", "")), "by": after.get("by", "")}
        lines = [line]
        if after.get("late"):
            lines.append(gettext("after its deadline"))
        if after.get("further"):
            lines.append(gettext("a further message after the response"))
        return lines
    if kind == Kind.REQUEST_WITHDRAWN:
        return [f"{after.get('department_name', '')} ({after.get('reference', '')})"]
    if kind == Kind.TRANSFERRED:
        template = (gettext("To %(municipality)s, where it is case %(number)s")
                    if after.get("direction") == "out"
                    else gettext("From %(municipality)s, where it was case %(number)s"))
        return [template % {"municipality": after.get("municipality", ""),
                            "number": after.get("number", "")}]
    if kind in (Kind.REMINDER, Kind.ESCALATED):
        what = Deadline.Kind(after["deadline"]).label if after.get("deadline") in (
            Deadline.Kind.values) else ""
        return [gettext("%(deadline)s due %(when)s") % {"deadline": what,
                                                       "when": _when(after.get("due"))}]
    if kind == Kind.STATUS and after.get("override"):
        return [gettext("Resolved although requests were open: %(reason)s")
                % {"reason": after["override"]}]
    return []


def _user_names(municipality, ids) -> dict:
    users = get_user_model().objects.filter(pk__in=ids)
    return {u.pk: u.get_full_name() or u.get_username() for u in users}


def _department_names(municipality, ids) -> dict:
    return dict(Department.objects.filter(municipality=municipality, pk__in=ids)
                .values_list("pk", "name"))


def _case_type_names(municipality, ids) -> dict:
    return {case_type.pk: case_type.display_name for case_type in CaseType.objects
            .filter(municipality=municipality, pk__in=ids).only("pk", "name", "translations")}


def _case_numbers(municipality, ids) -> dict:
    return dict(Case.objects.filter(municipality=municipality, pk__in=ids)
                .values_list("pk", "registry_number"))


_LOOKUPS = {"assignee": _user_names, "department": _department_names,
            "case_type": _case_type_names, "parent": _case_numbers}


def ids_named(events, key: str) -> set[int]:
    """The ids the events' before and after values give for `key` (e.g. "parent")."""
    return {value for event in events for values in (event.before or {}, event.after or {})
            for name, value in values.items() if name == key and isinstance(value, int)}


class _Names:
    """Looks up, once per page, the names behind the ids in the events. `known`: for a
    key, a callable giving {id: name} from what the page has read anyway (its forms'
    choices, the related cases); only ids it does not name are looked up."""

    def __init__(self, events, municipality, known=None):
        self.by_field = {}
        for key, lookup in _LOOKUPS.items():
            ids = ids_named(events, key)
            names = dict(known[key]()) if ids and known and key in known else {}
            missing = ids - names.keys()
            if missing:
                names.update(lookup(municipality, missing))
            self.by_field[key] = names

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


# Entries whose facts are told by `_details`, not as field changes.
_TOLD = {CaseEvent.Kind.CREATED, CaseEvent.Kind.DEADLINE, CaseEvent.Kind.REQUEST_SENT,
         CaseEvent.Kind.REQUEST_ANSWERED, CaseEvent.Kind.REQUEST_WITHDRAWN,
         CaseEvent.Kind.REMINDER, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.TRANSFERRED}


def _changes(event: CaseEvent, names: _Names) -> list[Change]:
    if event.kind in _TOLD:
        return []
    before, after = event.before or {}, event.after or {}
    changes = []
    for key, label in _FIELDS.items():
        if key in before or key in after:
            old, new = before.get(key), after.get(key)
            if old != new:
                changes.append(Change(str(label), names.show(key, old), names.show(key, new)))
    return changes


def case_events(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor"))


def case_timeline(case: Case, *, events=None, known=None, outgoing=None) -> list[Entry]:
    """The case's events, oldest first, ready for the template. `events` (`case_events`)
    and `outgoing` (the case's outbound messages) when the page has read them; `known`:
    names the page knows, as `_Names` takes them."""
    events = case_events(case) if events is None else events
    names = _Names(events, case.municipality_id, known)
    outgoing = _outgoing_states(case, events, outgoing)
    return [
        Entry(event=e,
              actor=(e.actor.get_full_name() or e.actor.get_username()) if e.actor
              else e.actor_label or str(_("Šalter")),
              changes=_changes(e, names), delivery=_delivery(e, outgoing),
              details=_details(e))
        for e in events
    ]


def _outgoing_states(case: Case, events, outgoing=None) -> dict[int, Delivery]:
    """The state now of each outgoing message the timeline names: one query a page, none
    when the page has the case's outgoing messages (`outgoing`)."""
    ids = {(e.ref or {}).get("outbound") for e in events
           if e.kind == CaseEvent.Kind.MESSAGE_OUT}
    ids.discard(None)
    if not ids:
        return {}
    if outgoing is None:
        outgoing = (OutboundMessage.objects.filter(case=case, pk__in=ids)
                    .only("pk", "state", "last_error", "error_data"))
    return {m.pk: Delivery(m.state, m.error_shown if m.state != Outbound.SENT else "")
            for m in outgoing if m.pk in ids}


def _delivery(event: CaseEvent, outgoing: dict[int, Delivery]) -> Delivery | None:
    if event.kind == CaseEvent.Kind.MESSAGE_OUT:
        return outgoing.get((event.ref or {}).get("outbound"))
    if event.kind != CaseEvent.Kind.DELIVERY:
        return None
    after = event.after or {}
    state = after.get("state", "")
    if after.get("reason"):
        reason = Deferred.from_data(after["reason"])
    else:
        reason = _DELIVERY_REASONS.get(state, "")
    return Delivery(state, str(reason))
