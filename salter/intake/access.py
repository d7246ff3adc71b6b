"""Looking up one inbound message for staff: missing and another municipality's give the
same Http404."""

from django.http import Http404

from salter.channels.models import InboundMessage


def access_inbound(actor, inbound_id) -> InboundMessage:
    try:
        return (InboundMessage.objects.select_related("raw", "endpoint", "client", "case",
                                                      "review_case")
                .get(municipality=actor.municipality, pk=int(inbound_id)))
    except (InboundMessage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
