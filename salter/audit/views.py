"""The access log page: auditors and the municipal administrator search their
municipality's log and export what they found as CSV. Reading the log is itself an
access, and recorded."""

import io

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.audit import log, reading
from salter.audit.models import Action, Target
from salter.paging import BadCursor, Key, keyset_page
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace.forms import StyledForm

PAGE_SIZE = 50
# Newest first, by keyset (`salter.paging`) on the index `access_record_newest`: the log
# grows by a record for every page a member of staff opens, and no page counts it all.
NEWEST = (Key("id", descending=True),)


class LogFilter(StyledForm):
    actor = forms.CharField(label=_("Staff member (username)"), max_length=150,
                            required=False)
    client = forms.IntegerField(label=_("Client number"), min_value=1, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("any")), *Action.choices])
    target = forms.ChoiceField(label=_("Record"), required=False,
                               choices=[("", _("any")), *Target.choices])
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.GenericIPAddressField(label=_("Network address"), required=False)

    def criteria(self) -> dict:
        data = self.cleaned_data
        return {"actor": data["actor"], "client_id": data["client"], "action": data["action"],
                "target": data["target"], "since": data["since"], "until": data["until"],
                "address": data["address"] or ""}

    def summary(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.cleaned_data.items() if v)


@municipality_view(perm=Perm.READ_ACCESS_LOG)
def access_log(request, membership):
    form = LogFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/log.html", {"form": form, "page": None}, status=400)
    criteria = form.criteria() if form.is_bound else {}
    summary = form.summary() if form.is_bound else ""
    records = reading.find_records(membership.municipality, **criteria)
    wanted = [criteria["client_id"]] if criteria.get("client_id") else []
    if request.GET.get("format") == "csv":
        log.record(membership, log.Action.EXPORT, log.Target.ACCESS_LOG, detail=summary,
                   subjects=wanted)
        return _csv(membership, records)
    log.record(membership, log.Action.LIST, log.Target.ACCESS_LOG, detail=summary,
               subjects=wanted)
    try:
        page = keyset_page(records, NEWEST, request.GET.get("cursor"), PAGE_SIZE)
    except BadCursor:  # an old or mangled link: start at the newest
        page = keyset_page(records, NEWEST, None, PAGE_SIZE)
    return render(request, "audit/log.html", {"form": form, "page": page})


def _csv(membership, records) -> HttpResponse:
    buffer = io.StringIO()
    reading.write_csv(records, buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="access-log-{membership.municipality.slug}-{stamp}.csv"')
    return response
