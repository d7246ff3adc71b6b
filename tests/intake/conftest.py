import datetime

import pytest
from django.utils import timezone

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels.email.accept import accept_email
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint
from salter.intake.pipeline import process_inbound

CITIZEN = "marko.petrovic@example.net"

# A Tuesday morning and a Saturday night in Belgrade: in and out of office hours.
OFFICE_HOURS = datetime.datetime(2026, 3, 3, 9, 0)
AFTER_HOURS = datetime.datetime(2026, 3, 7, 22, 0)


def belgrade(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment)


@pytest.fixture
def deliver(municipality):
    """Accept a raw message and run the pipeline on it, as the worker would: (what the
    pipeline decided for the stored message, the message). A message accepted before is
    not stored again, and the pipeline answers with what it decided for it then."""

    def run(raw: bytes, *, to=None, endpoint=None):
        accepted = accept_email(municipality=to or municipality, raw=raw, source="test",
                                endpoint=endpoint)
        outcome = process_inbound(accepted.inbound.pk)
        inbound = accepted.inbound
        inbound.refresh_from_db()
        return outcome, inbound

    return run


@pytest.fixture
def citizen(clerk):
    """A known client who writes from CITIZEN."""
    return create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                         contacts=[(ContactPoint.Kind.EMAIL, CITIZEN)])


@pytest.fixture
def case(clerk, citizen):
    """An open case of the citizen's."""
    return create_case(actor=clerk, subject="Rupa na putu", channel=Channel.EMAIL,
                       clients=[citizen])
