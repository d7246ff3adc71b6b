"""A client's data-protection page: export everything held on them (JSON or PDF), with
the reason the request was made; and the consents they gave or withdrew, per channel and
purpose, with a form to record a new statement."""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salter.cases.models import Channel
from salter.clients import consent as consents
from salter.clients import subject_access
from salter.clients.access import access_client
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace.forms import StyledForm


class ExportForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500,
        help_text=gettext_lazy("The request this answers, e.g. \"request of 3 March, "
                               "registry number …\"; it is kept in the access log."))
    format = forms.ChoiceField(label=gettext_lazy("Format"), widget=forms.RadioSelect,
                               choices=[("pdf", "PDF"), ("json", "JSON")], initial="pdf")


class ConsentForm(StyledForm):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"),
                                choices=consents.Purpose.choices)
    given = forms.TypedChoiceField(
        label=gettext_lazy("Statement"), widget=forms.RadioSelect, coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("gives consent")), ("0", gettext_lazy("withdraws it"))])
    how = forms.CharField(label=gettext_lazy("How"), max_length=300,
                          help_text=gettext_lazy("e.g. \"signed form at the counter\""))


def _page(request, membership, client, export_form=None, consent_form=None, status=200):
    return render(request, "workspace/clients/data.html", {
        "client": client,
        "export_form": export_form or ExportForm(),
        "consent_form": consent_form or ConsentForm(),
        "consents": consents.current_consents(client),
        "history": client.consents.select_related("recorded_by")[:50],
        "can_export": membership.can(Perm.ANSWER_DATA_REQUESTS),
        "can_edit": membership.can(Perm.EDIT_CLIENT),
    }, status=status)


@municipality_view
def client_data(request, membership, client_id):
    return _page(request, membership, access_client(membership, client_id))


@require_POST
@municipality_view
def export_data(request, membership, client_id):
    client = access_client(membership, client_id)
    if not membership.can(Perm.ANSWER_DATA_REQUESTS):
        raise PermissionDenied
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, membership, client, export_form=form, status=400)
    fmt = form.cleaned_data["format"]
    data = subject_access.export_client(actor=membership, client=client, fmt=fmt,
                                        reason=form.cleaned_data["reason"])
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(subject_access.as_pdf(data), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="client-{client.pk}-{stamp}.{fmt}"')
    return response


@require_POST
@municipality_view(perm=Perm.EDIT_CLIENT)
def add_consent(request, membership, client_id):
    client = access_client(membership, client_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            consents.record_consent(actor=membership, client=client, source="staff",
                                    **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The client's statement was recorded."))
            return redirect("workspace:client_data", municipality=membership.municipality.slug,
                            client_id=client.pk)
    return _page(request, membership, client, consent_form=form, status=400)
