"""Who wrote: the client owning the sender's contact point, or a new client.

Matching goes through the one client matcher (`find_client_by_contact`). A new client is
a person named after the e-mail display name; if it is someone already known under
another address, the client page suggests the duplicate (`suggest_duplicates`).
"""

from django.core.exceptions import ValidationError

from salter.clients.actions import create_client
from salter.clients.matching import find_client_by_contact
from salter.clients.models import Client
from salter.intake.incoming import Incoming

_NAME_LENGTH = 100


def find_sender(municipality, incoming: Incoming) -> Client | None:
    if not incoming.sender:
        return None
    return find_client_by_contact(municipality, incoming.sender_kind, incoming.sender)


def split_name(display_name: str, fallback: str) -> tuple[str, str]:
    """(first, last) from "Petar Petrović", "Petrović, Petar" or nothing at all."""
    name = " ".join(display_name.replace('"', " ").split())
    if "@" in name or not any(c.isalpha() for c in name):
        name = ""
    if "," in name:
        last, _comma, first = name.partition(",")
        return first.strip()[:_NAME_LENGTH], last.strip()[:_NAME_LENGTH]
    if not name:
        return "", fallback[:_NAME_LENGTH]
    first, _space, last = name.rpartition(" ")
    return first[:_NAME_LENGTH], last[:_NAME_LENGTH]


def create_sender(*, actor, incoming: Incoming) -> Client:
    first, last = split_name(incoming.sender_name, incoming.sender)
    try:
        return create_client(actor=actor, kind=Client.Kind.PERSON, first_name=first,
                             last_name=last, language=incoming.language,
                             contacts=[(incoming.sender_kind, incoming.sender)])
    except ValidationError:
        # Another worker registered this address a moment ago: that client it is.
        client = find_client_by_contact(actor.municipality, incoming.sender_kind,
                                        incoming.sender)
        if client is None:
            raise
        return client
