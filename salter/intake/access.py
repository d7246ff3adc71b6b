"""Looking up inbound messages for staff, with the visibility of the actor's role.

A message on a case, or waiting for one (a reply under review), is visible exactly when
that case is (`Case.objects.visible_to`): its sender, text and the case's number and
subject are the case's content. A message with no case yet — quarantined, or a new
matter under review — belongs to nobody's department so far: the roles that see every
case of the municipality see it (the registry office sorts such mail, the call centre
and the administrator answer for it, the auditor reads everything), and so do the
members of the department whose endpoint (a mailbox, a number) it arrived at, who are its
natural readers.
Missing, another municipality's and not visible all give the same Http404. A message
found is recorded in the access log as viewed, its sender as the data subject, and so
is every list of messages when its rows are read (`salter.audit.log`).
"""

from django.db.models import Q
from django.http import Http404

from salter.audit import log
from salter.audit.recorded import recorded
from salter.cases.models import case_visibility
from salter.channels.models import InboundMessage
from salter.tenancy.roles import Perm


def inbound_visible_to(actor):
    messages = InboundMessage.objects.filter(municipality=actor.municipality)
    if actor.can(Perm.VIEW_ALL_CASES):
        return messages
    # The case (or the one under review) reached by its key, never a list of every
    # visible case (decision 17).
    caseless = Q(case__isnull=True, review_case__isnull=True)
    department = getattr(actor, "department", None)
    unsorted = (caseless & Q(endpoint__department=department)) if department else Q(pk__in=[])
    return messages.filter(
        (Q(case__isnull=False) & case_visibility(actor, "case"))
        | (Q(case__isnull=True, review_case__isnull=False)
           & case_visibility(actor, "review_case"))
        | unsorted)


def list_inbound(actor):
    """`inbound_visible_to` for a page that lists messages: the rows it shows are
    recorded, their senders as the data subjects."""
    def listed(rows):
        log.record(actor, log.Action.LIST, log.Target.MESSAGE,
                   subjects=[m.client_id for m in rows], count=len(rows))
    return recorded(inbound_visible_to(actor), listed)


def access_inbound(actor, inbound_id) -> InboundMessage:
    try:
        inbound = (inbound_visible_to(actor)
                   .select_related("raw", "endpoint", "client", "case", "review_case")
                   .get(pk=int(inbound_id)))
    except (InboundMessage.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    log.record(actor, log.Action.VIEW, log.Target.MESSAGE, inbound.pk,
               municipality_id=inbound.municipality_id, subjects=[inbound.client_id])
    return inbound
