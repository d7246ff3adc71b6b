import datetime

import pytest
from django.utils import timezone

from salter.intake.email import accept_email
from salter.intake.pipeline import process_inbound

# A Tuesday morning and a Saturday night in Belgrade: in and out of office hours.
OFFICE_HOURS = datetime.datetime(2026, 3, 3, 9, 0)
AFTER_HOURS = datetime.datetime(2026, 3, 7, 22, 0)


def belgrade(moment: datetime.datetime) -> datetime.datetime:
    return timezone.make_aware(moment)


@pytest.fixture
def deliver(municipality):
    """Accept a raw message and run the pipeline on it, as the worker would."""

    def run(raw: bytes, *, to=None, mailbox=None):
        inbound, created = accept_email(municipality=to or municipality, raw=raw,
                                        source="test", mailbox=mailbox)
        outcome = process_inbound(inbound.pk) if created else "duplicate"
        inbound.refresh_from_db()
        return outcome, inbound

    return run
