"""Looking up one client for an actor; every member of the municipality may see its
clients, nobody sees another municipality's (same 404 as a missing id)."""

from django.http import Http404

from salter.clients.models import Client


def clients_visible_to(actor):
    return Client.objects.filter(municipality=actor.municipality)


def access_client(actor, client_id) -> Client:
    try:
        return clients_visible_to(actor).get(pk=int(client_id))
    except (Client.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
