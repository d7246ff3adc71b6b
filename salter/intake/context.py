"""What deciding about a municipality's items needs, read once per batch: its rules, its
own addresses and its office hours."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from salter.cases.models import Channel
from salter.channels.adapters import adapter_for
from salter.channels.models import Endpoint
from salter.procedures.calendar import BusinessCalendar, calendar_for
from salter.procedures.routing import RuleSet
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Department, Municipality


def intake_actor(municipality, channel: str) -> SystemActor:
    """Šalter itself, taking in items of one channel: the timeline says `intake:<channel>`."""
    return SystemActor(municipality=municipality, label=f"intake:{channel}")


@dataclass
class Context:
    municipality: Municipality
    rules: RuleSet
    # Addresses Šalter itself receives and sends at: mail from them is a loop.
    own_addresses: frozenset[str]
    # Addresses of the municipality's people and offices (staff, departments, endpoints):
    # a citizen's message they forward belongs to the citizen.
    municipal_addresses: frozenset[str]
    endpoints: dict[int, Endpoint]
    calendar: BusinessCalendar

    def actor(self, channel: str) -> SystemActor:
        return intake_actor(self.municipality, channel)

    def answers(self, channel: str) -> bool:
        """Whether Šalter can answer on this channel (acknowledgements, replies)."""
        adapter = adapter_for(channel)
        return adapter is not None and adapter.can_send

    def is_open(self, moment) -> bool:
        return self.calendar.is_open(moment)

    def endpoint(self, endpoint_id: int | None) -> Endpoint | None:
        return self.endpoints.get(endpoint_id) if endpoint_id else None


class Contexts:
    """Contexts of the municipalities met in one batch."""

    def __init__(self):
        self._loaded: dict[int, Context] = {}

    def get(self, municipality_id: int) -> Context:
        if municipality_id not in self._loaded:
            self._loaded[municipality_id] = load_context(municipality_id)
        return self._loaded[municipality_id]


def load_context(municipality_id: int) -> Context:
    municipality = Municipality.objects.get(pk=municipality_id)
    endpoints = {e.pk: e for e in Endpoint.objects.filter(municipality=municipality)
                 .select_related("department")}
    own = {e.address for e in endpoints.values() if e.channel == Channel.EMAIL}
    own.update({municipality.email, getattr(settings, "SALTER_MAIL_FROM", "")})
    people = set(get_user_model().objects.filter(
        memberships__municipality=municipality, memberships__is_active=True)
        .exclude(email="").values_list("email", flat=True))
    people.update(Department.objects.filter(municipality=municipality).exclude(email="")
                  .values_list("email", flat=True))
    own = {a.lower() for a in own if a}
    return Context(municipality=municipality, rules=RuleSet(municipality),
                   own_addresses=frozenset(own),
                   municipal_addresses=frozenset(own | {a.lower() for a in people}),
                   endpoints=endpoints, calendar=calendar_for(municipality))
