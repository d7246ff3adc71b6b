"""The reply-by-e-mail panel of the case page.

The case comes through `access_case` (another municipality's or an invisible case: 404);
the action checks the permission (403) and does the rest. HTMX requests get the panel
back; a plain form post goes back to the case page.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from salter.cases.access import access_case
from salter.cases.actions import reply_to_client
from salter.cases.models import Case
from salter.channels.email.sink import kept_messages
from salter.channels.models import OutboundMessage
from salter.tenancy.access import municipality_view

TEMPLATE = "channels/case_reply.html"


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply to the client"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 6}))


@require_http_methods(["GET", "POST"])
@municipality_view
def case_reply(request, membership, case_id):
    case = access_case(membership, case_id)
    form = ReplyForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        try:
            reply_to_client(actor=membership, case=case, body=form.cleaned_data["body"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            sent = True
            if not request.htmx:
                messages.success(request, _("The reply is in the outbox."))
                return redirect("workspace:case", municipality=membership.municipality.slug,
                                case_id=case.pk)
            form = ReplyForm()
    return render(request, TEMPLATE, {"case": case, "membership": membership,
                                      "reply_form": form, "reply_sent": sent})


@municipality_view
def sent_mail(request, membership):
    """The demo's mail sink: what the outbox of this municipality "sent", as the recipient
    got it. Only with DEBUG on (the sink is a demo aid); only messages of cases the member
    may see, and of none."""
    if not settings.DEBUG:
        raise Http404
    kept = kept_messages()
    visible = Case.objects.visible_to(membership).values("pk")
    ours = dict(OutboundMessage.objects.filter(
        municipality=membership.municipality, external_id__in=[m.message_id for m in kept])
        .filter(Q(case__isnull=True) | Q(case__in=visible))
        .values_list("external_id", "case_id"))
    cases = Case.objects.in_bulk({pk for pk in ours.values() if pk})
    messages_kept = [(message, cases.get(ours[message.message_id]))
                     for message in kept if message.message_id in ours]
    return render(request, "channels/sent_mail.html", {"kept": messages_kept})
