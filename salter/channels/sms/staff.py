"""The reply-by-SMS panel of the case page.

The case comes through `access_case` (another municipality's or an invisible case: 404);
the action checks the permission (403), the opt-out and the daily limit, and says why it
refuses on the form. HTMX requests get the panel back; a plain post goes to the case page.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from salter.cases.access import access_case
from salter.channels.sms.actions import reply_by_sms
from salter.channels.sms.panel import panel_context
from salter.tenancy.access import municipality_view


class SmsReplyForm(forms.Form):
    body = forms.CharField(label=_("Text message"), max_length=1600,
                           widget=forms.Textarea(attrs={"rows": 3}))


@require_http_methods(["GET", "POST"])
@municipality_view
def case_reply(request, membership, case_id):
    case = access_case(membership, case_id)
    form = SmsReplyForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        try:
            reply_by_sms(actor=membership, case=case, body=form.cleaned_data["body"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") \
                    else [(None, exc.messages)]:
                for error in errors:
                    form.add_error("body" if field == "body" else None, error)
        else:
            sent = True
            if not request.htmx:
                messages.success(request, _("The text message is in the outbox."))
                return redirect("workspace:case", municipality=membership.municipality.slug,
                                case_id=case.pk)
            form = SmsReplyForm()
    context = {**panel_context(case), "case": case, "membership": membership,
               "sms_form": form, "sms_reply_sent": sent}
    # 200 with the errors on the form, as htmx swaps in only successful answers.
    return render(request, "sms/case_reply.html", context)
