"""Hostile input through the sign-in security, access log and data protection forms, by
the roles that may use them: never a 500; what is kept is stored as typed (but for NUL
and bidi overrides) and shown escaped."""

import pytest
from django.urls import reverse

from salter.audit.models import AccessRecord
from salter.clients.actions import create_client
from salter.clients.models import Consent
from salter.tenancy.roles import Role
from tests.factories import make_member
from tests.security.test_hostile_input import HOSTILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


@pytest.fixture
def person(admin):
    return create_client(actor=admin, kind="person", first_name="Ana", last_name="Kiš")


@pytest.mark.parametrize("text", HOSTILE)
def test_the_access_log_filter_takes_hostile_text(client, admin, text):
    client.force_login(admin.user)
    url = reverse("audit:log", args=[admin.municipality.slug])
    for params in ({"actor": text}, {"client": text}, {"address": text}, {"since": text},
                   {"actor": text, "format": "csv"}, {"action": text}):
        response = client.get(url, params)
        assert response.status_code in (200, 400), (params.keys(), text[:40])
        assert b"<script>alert(1)" not in response.content


@pytest.mark.parametrize("text", HOSTILE)
def test_the_data_protection_forms_take_hostile_text(client, admin, person, text):
    client.force_login(admin.user)
    slug = admin.municipality.slug
    export = client.post(reverse("workspace:client_export", args=[slug, person.pk]),
                         {"reason": text, "format": "json"})
    assert export.status_code in (200, 400)
    consent = client.post(reverse("workspace:client_consent", args=[slug, person.pk]),
                          {"channel": "sms", "purpose": "all", "given": "0", "how": text})
    assert consent.status_code in (302, 400)
    page = client.get(reverse("workspace:client_data", args=[slug, person.pk]))
    assert page.status_code == 200 and b"<script>alert(1)" not in page.content
    for stored in [*Consent.objects.values_list("how", flat=True),
                   *AccessRecord.objects.filter(action="export")
                   .values_list("reason", flat=True)]:
        assert "\x00" not in stored and "\u202e" not in stored


@pytest.mark.parametrize("text", HOSTILE)
def test_the_sign_in_forms_take_hostile_text(client, admin, clerk, text):
    client.force_login(admin.user)
    slug = admin.municipality.slug
    assert client.post(reverse("security:requirements", args=[slug]),
                       {"role": [text]}).status_code == 302
    # These pages take small bodies: a longer one is a 413 before it is read.
    assert client.post(reverse("accounts:password_change"), {
        "old_password": text, "new_password1": text, "new_password2": text,
    }).status_code in (200, 413)
    assert client.post(reverse("accounts:two_factor_setup"), {"code": text}).status_code in (
        200, 400, 413)
    client.force_login(clerk.user)
    assert client.post(reverse("accounts:two_factor"), {"code": text}).status_code in (
        302, 400, 413)
