"""Staff pages for messages intake set aside: quarantined ones (replay after a fix) and
ones waiting for review (attach to the case after confirming, or open a new case)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salter.channels.models import InboundMessage
from salter.intake.access import access_inbound, inbound_visible_to, list_inbound
from salter.intake.pipeline import replay
from salter.intake.preview import safe_preview
from salter.intake.review import attach_reviewed, open_case_from_review
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace.filters import MessageFilterForm

State = InboundMessage.State
# Ignored ones too (automatic replies, loops, reports): staff check that no citizen's
# message was taken for one, and open a case for it if so.
_SET_ASIDE = (State.QUARANTINED, State.REVIEW, State.IGNORED)
_PAGE = 200
# What a replay did, in words for the clerk (the pipeline reports it as a code).
_OUTCOMES = {
    "created": gettext_lazy("a new case was opened"),
    "appended": gettext_lazy("the message was added to its case"),
    "answered": gettext_lazy("it was recorded as the response to a request"),
    "duplicate": gettext_lazy("it was a copy of a message already processed"),
    "ignored": gettext_lazy("it was an automatic message and was set aside"),
    "review": gettext_lazy("it waits for review"),
}


@municipality_view
def message_list(request, membership):
    # The state is one of the filters; the tabs choose it, the others are kept.
    filters = MessageFilterForm(request.GET, actor=membership, states=_SET_ASIDE)
    inbound = (filters.narrow(list_inbound(membership).filter(state__in=_SET_ASIDE))
               .select_related("review_case").order_by("-received_at")[:_PAGE])
    return render(request, "intake/message_list.html", {
        "inbound": inbound, "state": filters.data.get("state", ""), "states": State,
        "filters": filters,
    })


@municipality_view
def message_detail(request, membership, inbound_id: int):
    inbound = access_inbound(membership, inbound_id)
    return render(request, "intake/message_detail.html", {
        "inbound": inbound, "preview": safe_preview(inbound), "states": State,
        "can_act": membership.can(Perm.CREATE_CASE),
    })


@require_POST
@municipality_view(perm=Perm.CREATE_CASE)
def replay_message(request, membership, inbound_id: int):
    inbound = access_inbound(membership, inbound_id)
    outcome = replay(inbound)
    inbound.refresh_from_db()
    if outcome == "quarantined":
        messages.warning(request, _("Still quarantined: %(reason)s")
                         % {"reason": inbound.reason_shown})
    else:
        messages.success(request, _("Processed again: %(outcome)s.")
                         % {"outcome": _OUTCOMES.get(outcome, outcome)})
    return redirect("intake:message", municipality=membership.municipality.slug,
                    inbound_id=inbound.pk)


@require_POST
@municipality_view(perm=Perm.CREATE_CASE)
def attach_message(request, membership, inbound_id: int):
    inbound = access_inbound(membership, inbound_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Confirm that the sender may see and add to this case."))
        return redirect("intake:message", municipality=membership.municipality.slug,
                        inbound_id=inbound.pk)
    return _decide(request, membership, inbound, attach_reviewed,
                   _("The message was attached to the case."))


@require_POST
@municipality_view(perm=Perm.CREATE_CASE)
def open_case_for_message(request, membership, inbound_id: int):
    inbound = access_inbound(membership, inbound_id)
    return _decide(request, membership, inbound, open_case_from_review,
                   _("A new case was opened for the message."))


def _decide(request, membership, inbound, decision, success: str):
    try:
        decision(actor=membership, inbound=inbound)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
        if not inbound_visible_to(membership).filter(pk=inbound.pk).exists():
            # The new case went to a department this member does not see.
            return redirect("intake:messages", municipality=membership.municipality.slug)
    return redirect("intake:message", municipality=membership.municipality.slug,
                    inbound_id=inbound.pk)
