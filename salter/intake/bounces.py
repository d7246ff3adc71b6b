"""Delivery failure reports: the address that failed is marked failing on the client,
and the message of ours that bounced says so on its case's timeline."""

from datetime import timedelta

from django.utils import timezone

from salter.cases.events import record_event
from salter.cases.models import CaseEvent
from salter.channels.models import OutboundMessage
from salter.clients.actions import mark_contact_failing
from salter.clients.models import ContactPoint
from salter.intake.incoming import Bounce

# Without the original Message-ID in the report, the latest message to the address
# within this window is taken to be the one that bounced.
RECENT = timedelta(days=14)


def record_bounce(*, actor, municipality, bounce: Bounce) -> list[OutboundMessage]:
    reason = bounce.reason or "bounce"
    for point in ContactPoint.objects.filter(municipality=municipality,
                                             kind=ContactPoint.Kind.EMAIL,
                                             value__in=bounce.recipients):
        mark_contact_failing(actor=actor, point=point, reason=reason)
    bounced = _bounced_messages(municipality, bounce)
    for message in bounced:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboundMessage.State.BOUNCED, last_error=reason[:2000])
        if message.case is not None:
            record_event(message.case, actor, CaseEvent.Kind.DELIVERY, text=reason,
                         after={"state": OutboundMessage.State.BOUNCED,
                                "recipient": message.recipient,
                                "attempts": message.attempts, "error": reason},
                         ref={"outbound": message.pk})
    return bounced


def _bounced_messages(municipality, bounce: Bounce) -> list[OutboundMessage]:
    ours = OutboundMessage.objects.filter(municipality=municipality).select_related("case")
    if bounce.message_ids:
        ids = [*bounce.message_ids, *(f"<{i}>" for i in bounce.message_ids)]
        found = list(ours.filter(message_id__in=ids).exclude(
            state=OutboundMessage.State.BOUNCED))
        if found:
            return found
    latest = []
    for recipient in bounce.recipients:
        message = (ours.filter(recipient=recipient,
                               created_at__gte=timezone.now() - RECENT)
                   .exclude(state=OutboundMessage.State.BOUNCED)
                   .order_by("-created_at").first())
        if message is not None:
            latest.append(message)
    return latest
