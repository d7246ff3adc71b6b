"""Looking up a case by its tracking code for the public, and what the public may see.

A code that does not exist and a code of another municipality give the same answer, and
lookups are counted per client address, so codes cannot be harvested by trying. What is
shown is the registry number, dates and the sequence of statuses: never the subject,
notes, messages, names or who did what.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from salter import search
from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import Status
from salter.web.addresses import client_address

# Defaults for the settings SALTER_PORTAL_MAX_LOOKUPS and SALTER_PORTAL_LOOKUP_WINDOW_SECONDS:
# a citizen checks a case a few times, not twenty times in a quarter of an hour.
MAX_LOOKUPS = 20
WINDOW_SECONDS = 900


def _key(request) -> str:
    # The client's address: X-Forwarded-For only from SALTER_TRUSTED_PROXIES.
    return f"portal-lookup:{client_address(request)}"


def take_lookup(request) -> bool:
    """Count one lookup for this address; False once the window's allowance is used up."""
    window = getattr(settings, "SALTER_PORTAL_LOOKUP_WINDOW_SECONDS", WINDOW_SECONDS)
    key = _key(request)
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= getattr(settings, "SALTER_PORTAL_MAX_LOOKUPS", MAX_LOOKUPS)


def find_case_anywhere(code: str) -> Case | None:
    """The case of an active municipality with this code, for the short link that names
    no municipality."""
    return search.find_anywhere_by_tracking_code(code)


def find_case(municipality, code: str) -> Case | None:
    """The case of this tracking code, through the one search module."""
    return search.find_by_tracking_code(municipality, code)


@dataclass(frozen=True)
class PublicStep:
    at: datetime.datetime
    status: str

    @property
    def label(self) -> str:
        return Status(self.status).label


def public_timeline(case: Case) -> list[PublicStep]:
    """Receipt and every change of status, oldest first; nothing else from the timeline."""
    steps = [PublicStep(case.created_at, Status.NEW)]
    events = case.events.filter(kind__in=(CaseEvent.Kind.STATUS, CaseEvent.Kind.ASSIGNED,
                                          CaseEvent.Kind.MERGED))
    for event in events.only("at", "after"):
        status = (event.after or {}).get("status")
        if status in Status.values and status != steps[-1].status:
            steps.append(PublicStep(event.at, status))
    return steps
