"""Filters for the lists of cases: status, assignee, procedure, channel, department and the
date range it was received in. `filter_cases` takes a queryset and returns one, so it
composes with whatever the list already does (its queue, search, ordering, paging).

The choices are the actor's municipality's own: another municipality's id is not a
valid choice, so the form names the field and the list is empty, never foreign rows."""

import datetime

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Channel
from salter.cases.workflow import Status
from salter.procedures.models import CaseType
from salter.tenancy.models import Department
from salter.workspace.forms import StyledForm, _members

NOBODY = "none"


class CaseFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Status.choices])
    assignee = forms.CharField(label=_("Assignee"), required=False,
                               widget=forms.Select)
    procedure = forms.ModelChoiceField(label=_("Procedure"), required=False,
                                       queryset=CaseType.objects.none(),
                                       empty_label=_("Any procedure"))
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.choices])
    department = forms.ModelChoiceField(label=_("Department"), required=False,
                                        queryset=Department.objects.none(),
                                        empty_label=_("Any department"))
    received_from = forms.DateField(label=_("Received from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("Received until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    FIELDS = ("status", "assignee", "procedure", "channel", "department", "received_from",
              "received_to")

    def __init__(self, data=None, *, actor, **kwargs):
        self.actor = actor
        data = {k: v for k, v in (data or {}).items() if k in self.FIELDS and v}
        super().__init__(data or None, **kwargs)
        municipality = actor.municipality
        self.members = list(_members(actor))
        self.fields["assignee"].widget.choices = [
            ("", _("Anyone")), (NOBODY, _("Nobody")),
            *[(str(u.pk), u.get_full_name() or u.get_username()) for u in self.members]]
        self.fields["procedure"].queryset = CaseType.objects.filter(municipality=municipality)
        self.fields["department"].queryset = Department.objects.filter(
            municipality=municipality)

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        if value in ("", NOBODY):
            return value
        user = next((u for u in self.members if str(u.pk) == value), None)
        if user is None:
            raise forms.ValidationError(_("Not a member of staff of this municipality."))
        return user

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

    def query_string(self) -> str:
        """The filters chosen, for links that keep them (the export)."""
        q = QueryDict(mutable=True)
        for name in self.FIELDS:
            if self.data.get(name):
                q[name] = self.data[name]
        return q.urlencode()


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def filter_cases(cases: QuerySet, criteria: dict | None) -> QuerySet:
    """`cases` narrowed by `criteria` (from `CaseFilterForm.criteria`); None: no rows."""
    if criteria is None:
        return cases.none()
    if criteria.get("status"):
        cases = cases.filter(status=criteria["status"])
    assignee = criteria.get("assignee")
    if assignee == NOBODY:
        cases = cases.filter(assignee__isnull=True)
    elif assignee:
        cases = cases.filter(assignee=assignee)
    if criteria.get("procedure"):
        cases = cases.filter(case_type=criteria["procedure"])
    if criteria.get("channel"):
        cases = cases.filter(channel=criteria["channel"])
    if criteria.get("department"):
        cases = cases.filter(department=criteria["department"])
    if criteria.get("received_from"):
        cases = cases.filter(created_at__gte=_local_midnight(criteria["received_from"]))
    if criteria.get("received_to"):
        end = criteria["received_to"] + datetime.timedelta(days=1)
        cases = cases.filter(created_at__lt=_local_midnight(end))
    return cases
