"""Fixtures for the channels: a citizen with a case, and real mail servers (Dovecot over
IMAP and LMTP, an aiosmtpd relay in front of it) started by Šalter's own devservices."""

import pytest

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint

CITIZEN_EMAIL = "marko.petrovic@example.net"


@pytest.fixture
def citizen(clerk):
    return create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                         contacts=[(ContactPoint.Kind.EMAIL, CITIZEN_EMAIL)])


@pytest.fixture
def case(clerk, department, citizen):
    return create_case(actor=clerk, subject="Rupa na putu u Ulici Matije Gupca",
                       channel=Channel.EMAIL, department=department, clients=[citizen])
