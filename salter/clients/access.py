"""Looking up one client for an actor; every member of the municipality may see its
clients, nobody sees another municipality's (same 404 as a missing id). A client found
is recorded in the access log as viewed by the actor (`salter.audit.log`)."""

from django.http import Http404

from salter.audit import log
from salter.clients.models import Client


def clients_visible_to(actor):
    return Client.objects.filter(municipality=actor.municipality)


def access_client(actor, client_id, *, reason: str = "") -> Client:
    try:
        client = clients_visible_to(actor).get(pk=int(client_id))
    except (Client.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    log.record(actor, log.Action.VIEW, log.Target.CLIENT, client.pk,
               municipality_id=client.municipality_id, subjects=[client.pk], reason=reason)
    return client
