import pytest
from django.urls import reverse
from django.utils import translation

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.clients.actions import create_client
from salter.tenancy.roles import Role
from tests.factories import make_member

# Valid identifiers (checksums verified by salter.clients.identifiers).
JMBG = "0101990710008"
PIB = "113460262"
MB = "66841251"


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English msgids, whatever catalogues exist."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    """Log a membership's user in; returns the Django test client."""

    def as_member(membership):
        client.force_login(membership.user)
        return client

    return as_member


@pytest.fixture
def web(login, clerk):
    return login(clerk)


@pytest.fixture
def head(municipality, department):
    return make_member(municipality, Role.HEAD, username="head", department=department)


@pytest.fixture
def auditor(municipality):
    return make_member(municipality, Role.AUDITOR, username="auditor")


def url(name, membership, **kwargs):
    return reverse(f"workspace:{name}",
                   kwargs={"municipality": membership.municipality.slug, **kwargs})


def new_case(actor, subject="Rupa na putu", **kwargs):
    kwargs.setdefault("channel", Channel.COUNTER)
    return create_case(actor=actor, subject=subject, **kwargs)


def new_person(actor, first="Jelena", last="Đorđević", **kwargs):
    return create_client(actor=actor, kind="person", first_name=first, last_name=last, **kwargs)
