"""Staff decisions on messages intake could not settle alone: a reply from someone who is
not a party of the case (attach after confirming, or open a new case) and messages
without a usable sender."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salter.cases.access import access_case
from salter.cases.actions import link_client
from salter.cases.models import CaseParty
from salter.channels.models import InboundMessage
from salter.intake.cases import append_to_case
from salter.intake.pipeline import Contexts, finish, interpret, open_case, store_files
from salter.intake.senders import create_sender, find_sender
from salter.lang.deferred import Deferred

State = InboundMessage.State


def _require_visible_case(actor, inbound: InboundMessage) -> None:
    # A message waiting for a case the actor may not open is not theirs to decide on:
    # the same Http404 as for a case that does not exist.
    if inbound.review_case_id is not None:
        access_case(actor, inbound.review_case_id)


def _prepare(actor, inbound: InboundMessage):
    ctx = Contexts().get(actor.municipality.pk)
    incoming = interpret(inbound, ctx)
    return ctx, incoming, store_files(incoming)


def _lock_in_review(inbound: InboundMessage) -> InboundMessage:
    # Lock only the message row: PostgreSQL refuses FOR UPDATE on an outer-joined mailbox.
    locked = (InboundMessage.objects.select_for_update(of=("self",))
              .select_related("mailbox__department", "review_case")
              .get(pk=inbound.pk, municipality=inbound.municipality_id))
    if locked.state != State.REVIEW:
        raise ValidationError(_("This message has already been dealt with."))
    locked.raw = inbound.raw
    return locked


def attach_reviewed(*, actor, inbound: InboundMessage) -> str:
    """Staff confirmed the sender may write to the case: they become a party of it and
    the message goes on its timeline. Returns the outcome."""
    _require_visible_case(actor, inbound)
    ctx, incoming, files = _prepare(actor, inbound)
    with transaction.atomic():
        locked = _lock_in_review(inbound)
        case = locked.review_case
        if case is None:
            raise ValidationError(_("This message is not waiting for a case."))
        locked.client = locked.client or find_sender(ctx.municipality, incoming)
        if locked.client is None:
            locked.client = create_sender(actor=actor, incoming=incoming)
        link_client(actor=actor, case=case, client=locked.client, role=CaseParty.Role.PARTY)
        case, is_new = append_to_case(
            channel=locked.channel, case=case, inbound=locked, files=files, actor=actor,
            open_case=lambda: open_case(locked, incoming, files, ctx, actor=actor))
        outcome = "created" if is_new else "appended"
        return finish(locked, State.PROCESSED, outcome, case=case,
                      reason=Deferred(gettext_noop("Attached by %(user)s."),
                                      {"user": str(actor.user)}))


def open_case_from_review(*, actor, inbound: InboundMessage):
    """Staff decided the message is a new matter: open a case for it. Returns the case."""
    _require_visible_case(actor, inbound)
    ctx, incoming, files = _prepare(actor, inbound)
    with transaction.atomic():
        locked = _lock_in_review(inbound)
        locked.client = locked.client or find_sender(ctx.municipality, incoming)
        case = open_case(locked, incoming, files, ctx, actor=actor)
        finish(locked, State.PROCESSED, "created", case=case,
               reason=Deferred(gettext_noop("New case opened by %(user)s."),
                               {"user": str(actor.user)}))
        return case
