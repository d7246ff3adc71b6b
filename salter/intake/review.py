"""Staff decisions on messages intake could not settle alone: a reply from someone who is
not a party of the case (attach after confirming, or open a new case) and messages
without a usable sender.

A staff decision takes the same road as intake's own (`pipeline.settle`): the message is
read by its channel's adapter again, the decision is one of `decide`'s, and it is
applied by the same bulk actions in one transaction, with the staff member as the actor.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salter.cases.access import access_case
from salter.channels.models import InboundMessage
from salter.intake import decide, pipeline
from salter.intake.context import Contexts

State = InboundMessage.State


def attach_reviewed(*, actor, inbound: InboundMessage) -> str:
    """Staff confirmed the sender may write to the case: they become a party of it and
    the message goes on its timeline. Returns the outcome."""
    _require_visible_case(actor, inbound)
    case = inbound.review_case
    if case is None:
        raise ValidationError(_("This message is not waiting for a case."))
    return _settle(actor, inbound, lambda entries, known, ctx: [
        decide.attach_by_staff(entry[0], entry[1], known, ctx, case=case,
                               user=str(actor.user)) for entry in entries])


def open_case_from_review(*, actor, inbound: InboundMessage):
    """Staff decided the message is a new matter: open a case for it. Returns the case."""
    _require_visible_case(actor, inbound)
    _settle(actor, inbound, lambda entries, known, ctx: [
        decide.open_by_staff(entry[0], entry[1], known, ctx, user=str(actor.user))
        for entry in entries])
    return InboundMessage.objects.get(pk=inbound.pk).case


def _require_visible_case(actor, inbound: InboundMessage) -> None:
    # A message waiting for a case the actor may not open is not theirs to decide on:
    # the same Http404 as for a case that does not exist.
    if inbound.review_case_id is not None:
        access_case(actor, inbound.review_case_id)


# A message waiting for review, or one intake took for an automatic message (which staff
# may find was a citizen's after all: a case may be opened for it).
_DECIDED_BY_STAFF = (State.REVIEW, State.IGNORED)


def _settle(actor, inbound: InboundMessage, decide_with) -> str:
    if inbound.state not in _DECIDED_BY_STAFF:
        raise ValidationError(_("This message has already been dealt with."))
    ctx = Contexts().get(actor.municipality.pk)
    entries = [(inbound, pipeline.interpret(inbound, ctx))]
    outcome = pipeline.settle(entries, ctx, files=pipeline.store_files(entries, staff=True),
                              decide_with=decide_with, actor=actor,
                              claim_state=inbound.state)[inbound.pk]
    if outcome == "deferred":
        raise ValidationError(_("This message has already been dealt with."))
    return outcome
