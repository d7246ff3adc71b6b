"""Filters for the staff lists. One form per kind of row, all built from the same fields
and machinery (`ListFilterForm`), and one function, `narrow`, that takes a queryset and
returns one, so a filter composes with whatever the list already does (its queue,
search, ordering, paging): it only adds conditions on the list's own columns (or, by
`Exists`, on the rows they point at), never a list of ids read first.

The choices are the actor's municipality's own, read once per form: another
municipality's id (or a missing one) is not a valid choice, so the form names the field
and the list is empty, never foreign rows. A period whose end is before its start, or a
date that is no date, is refused the same way."""

import datetime
from collections.abc import Callable

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salter.cases.models import CaseParty, Channel, case_visibility
from salter.cases.workflow import Status
from salter.channels.models import InboundMessage
from salter.clients.models import Client
from salter.procedures.models import CaseType
from salter.tenancy.models import Department
from salter.workspace.forms import StyledForm, _members

NOBODY = "none"
YES, NO = "yes", "no"


def through(prefix: str, columns: dict) -> dict:
    """`columns` of the rows another row points at by `prefix` (e.g. a message's case)."""
    return {name: f"{prefix}__{column}" for name, column in columns.items()}


CASE_COLUMNS = {"status": "status", "assignee": "assignee", "procedure": "case_type",
                "channel": "channel", "department": "department",
                "received_from": "created_at", "received_to": "created_at"}
# Rows that belong to a case (its messages, documents and parties), narrowed by the case.
OF_CASE = through("case", CASE_COLUMNS)


class PickField(forms.ChoiceField):
    """A choice among objects the form reads once (`set_objects`), when they are first
    needed: showing the choices and checking the one chosen cost that one query, not one
    each, and a page that neither shows nor checks them (a search's results, refreshed
    as the query is typed) costs none. Cleans to the object, or to a value of `extra`
    (such as "nobody") as it was chosen."""

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(self, *, empty_label, extra=(), **kwargs):
        self.empty_label, self.extra = empty_label, list(extra)
        self._source, self._label, self._objects = (), str, None
        super().__init__(choices=self._all_choices, **kwargs)

    def set_objects(self, objects, label: Callable = str):
        self._source, self._label, self._objects = objects, label, None
        self.choices = self._all_choices  # a callable: read when first iterated

    @property
    def objects(self) -> dict:
        if self._objects is None:
            self._objects = {str(o.pk): o for o in self._source}
        return self._objects

    def _all_choices(self):
        return [("", self.empty_label), *self.extra,
                *[(key, self._label(o)) for key, o in self.objects.items()]]

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(value, value)


def _period(since_label, until_label):
    widget = {"widget": forms.DateInput(attrs={"type": "date"})}
    return (forms.DateField(label=since_label, required=False, **widget),
            forms.DateField(label=until_label, required=False, **widget))


def _channel():
    return forms.ChoiceField(label=_("Channel"), required=False,
                             choices=[("", _("Any channel")), *Channel.choices])


class ListFilterForm(StyledForm):
    """What every list's filters share: the actor, the period (`received_from`,
    `received_to`), the criteria as cleaned, and the query string that keeps them.

    A subclass declares its other fields, names the ones it offers in `FIELDS` (in the
    order shown) and says in `COLUMNS` which column of its rows each one narrows."""

    received_from, received_to = _period(_("Received from"), _("Received until"))

    FIELDS: tuple[str, ...] = ("received_from", "received_to")
    COLUMNS: dict = {"received_from": "created_at", "received_to": "created_at"}

    def __init__(self, data=None, *, actor, **kwargs):
        self.actor = actor
        data = {k: v for k, v in (data or {}).items() if k in self.FIELDS and v}
        super().__init__(data or None, **kwargs)
        self.order_fields(self.FIELDS)

    def clean(self):
        data = super().clean()
        since, until = data.get("received_from"), data.get("received_to")
        if since and until and until < since:
            self.add_error("received_to", _("The end of the period is before its start."))
        return data

    def criteria(self) -> dict | None:
        """The chosen criteria, or None when the filter is invalid (show nothing)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def narrow(self, rows: QuerySet, columns: dict | None = None) -> QuerySet:
        """`rows` narrowed by the chosen criteria, through `columns` (the form's own when
        not given: another list's rows, such as the messages of the search, have theirs)."""
        return narrow(rows, self.criteria(), columns or self.columns())

    def columns(self) -> dict:
        return self.COLUMNS

    def query_string(self) -> str:
        """The filters chosen, for links that keep them (the export)."""
        q = QueryDict(mutable=True)
        for name in self.FIELDS:
            if self.data.get(name):
                q[name] = self.data[name]
        return q.urlencode()


class CaseFilterForm(ListFilterForm):
    """Cases: status, assignee (or nobody), procedure, channel, department, received."""

    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Status.choices])
    assignee = PickField(label=_("Assignee"), required=False, empty_label=_("Anyone"),
                         extra=[(NOBODY, _("Nobody"))],
                         error_messages={"invalid_choice":
                                         _("Not a member of staff of this municipality.")})
    procedure = PickField(label=_("Procedure"), required=False, empty_label=_("Any procedure"))
    channel = _channel()
    department = PickField(label=_("Department"), required=False,
                           empty_label=_("Any department"))

    FIELDS = ("status", "assignee", "procedure", "channel", "department", "received_from",
              "received_to")
    COLUMNS = CASE_COLUMNS

    def __init__(self, data=None, *, actor, **kwargs):
        super().__init__(data, actor=actor, **kwargs)
        municipality = actor.municipality
        self.fields["assignee"].set_objects(
            _members(actor), label=lambda u: u.get_full_name() or u.get_username())
        self.fields["procedure"].set_objects(CaseType.objects.filter(municipality=municipality))
        self.fields["department"].set_objects(
            Department.objects.filter(municipality=municipality))

    def narrow_to_parties(self, clients: QuerySet) -> QuerySet:
        """`clients` who are a party to a case the actor may see that matches the
        criteria (all of them when none is chosen)."""
        criteria = self.criteria()
        if not criteria:
            return clients if criteria == {} else clients.none()
        parties = narrow(CaseParty.objects.filter(
            case_visibility(self.actor, "case"), municipality=self.actor.municipality,
            client=OuterRef("pk")), criteria, OF_CASE)
        return clients.filter(Exists(parties))


class MessageFilterForm(ListFilterForm):
    """Inbound messages: state (among the list's own), channel, received."""

    state = forms.ChoiceField(label=_("State"), required=False, widget=forms.HiddenInput)
    channel = _channel()

    FIELDS = ("state", "channel", "received_from", "received_to")
    COLUMNS = {"state": "state", "channel": "channel", "received_from": "received_at",
               "received_to": "received_at"}

    def __init__(self, data=None, *, actor, states=InboundMessage.State.values, **kwargs):
        super().__init__(data, actor=actor, **kwargs)
        self.fields["state"].choices = [("", _("All")), *[
            (value, label) for value, label in InboundMessage.State.choices
            if value in states]]


class ClientFilterForm(ListFilterForm):
    """Clients: person or business, with or without open cases (that the actor may see),
    and when they were registered."""

    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind")), *Client.Kind.choices])
    open_cases = forms.ChoiceField(
        label=pgettext_lazy("clients having them", "Open cases"), required=False,
        choices=[("", _("Any")), (YES, _("With open cases")), (NO, _("Without open cases"))])
    received_from, received_to = _period(_("Registered from"), _("Registered until"))

    FIELDS = ("kind", "open_cases", "received_from", "received_to")

    def columns(self) -> dict:
        return {"kind": "kind", "open_cases": self._open_cases,
                "received_from": "created_at", "received_to": "created_at"}

    def _open_cases(self, value) -> Q:
        # A party to an open case the actor may see, probed through the parties'
        # (municipality, client) index for each client the list walks.
        cases = CaseParty.objects.filter(
            case_visibility(self.actor, "case"), municipality=self.actor.municipality,
            client=OuterRef("pk"), case__open_flag=True)
        exists = Exists(cases)
        return Q(exists) if value == YES else ~Q(exists)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _condition(name: str, column, value) -> Q:
    if callable(column):
        return column(value)
    if name == "assignee" and value == NOBODY:
        return Q(**{f"{column}__isnull": True})
    if name == "received_from":
        return Q(**{f"{column}__gte": _local_midnight(value)})
    if name == "received_to":
        return Q(**{f"{column}__lt": _local_midnight(value + datetime.timedelta(days=1))})
    return Q(**{column: value})


def narrow(rows: QuerySet, criteria: dict | None, columns: dict) -> QuerySet:
    """`rows` narrowed by `criteria` (from a form's `criteria()`); None: no rows. Each
    criterion goes through its entry in `columns`: a lookup on the rows, or a function of
    the value that gives the condition. A criterion with no column is an error, not a
    filter silently ignored."""
    if criteria is None:
        return rows.none()
    for name, value in criteria.items():
        rows = rows.filter(_condition(name, columns[name], value))
    return rows


def filter_cases(cases: QuerySet, criteria: dict | None) -> QuerySet:
    """`cases` narrowed by `criteria` (from `CaseFilterForm.criteria`); None: no rows."""
    return narrow(cases, criteria, CASE_COLUMNS)
