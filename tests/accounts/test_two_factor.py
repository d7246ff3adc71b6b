"""Two-factor sign-in for staff: an authenticator app and recovery codes, required per
role by the municipal administrator, inside the sign-in throttling."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from salter.accounts import actions, twofactor
from salter.accounts.models import RecoveryCode, TwoFactorRequirement
from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SALTER_LOGIN_FREE_ATTEMPTS = 3
    settings.SALTER_LOGIN_DELAY_SECONDS = 60
    settings.SALTER_TRUSTED_PROXIES = []


def code(device: TOTPDevice, ahead: int = 0) -> str:
    # `ahead` steps later: a code already used is refused (no replay), the next one not.
    return f"{totp(device.bin_key, drift=ahead):06d}"


def with_authenticator(user) -> TOTPDevice:
    device = twofactor.pending_authenticator(user)
    assert twofactor.confirm_authenticator(device, code(device))
    return TOTPDevice.objects.get(pk=device.pk)


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def second_step(client, value):
    return client.post(reverse("accounts:two_factor"), {"code": value})


def inbox(member):
    return reverse("workspace:inbox", args=[member.municipality.slug])


def test_an_account_with_an_authenticator_needs_its_code_before_any_page(client, clerk):
    device = with_authenticator(clerk.user)
    response = sign_in(client, "clerk")
    assert response.status_code == 302 and response.url.startswith(
        reverse("accounts:two_factor"))
    # Signed in with the password only, every page leads to the second step.
    blocked = client.get(inbox(clerk))
    assert blocked.status_code == 302 and reverse("accounts:two_factor") in blocked.url
    api = client.get(f"/api/v1/{clerk.municipality.slug}/cases")
    assert api.status_code == 403
    assert second_step(client, code(device, ahead=1)).status_code == 302
    assert client.get(inbox(clerk)).status_code == 200


def test_wrong_codes_count_as_failed_sign_ins_and_the_password_buys_no_more(client, clerk):
    with_authenticator(clerk.user)
    sign_in(client, "clerk")
    for _ in range(2):
        assert second_step(client, "000000").status_code == 400
    # Signing in with the password again forgets nothing: the code was never given.
    client.post(reverse("logout"))
    sign_in(client, "clerk")
    assert second_step(client, "000000").status_code == 400
    locked = second_step(client, "000000")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "Too many failed sign-ins for this account" in locked.content.decode()


def test_a_required_role_must_set_up_an_authenticator_and_gets_recovery_codes(
        client, officer, municipality):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    actions.require_two_factor(actor=admin, roles=[Role.OFFICER])
    sign_in(client, "officer")
    response = client.get(inbox(officer))
    assert reverse("accounts:two_factor_setup") in response.url
    page = client.get(reverse("accounts:two_factor_setup"))
    assert "<svg" in page.content.decode() and "Your municipality requires" in page.content.decode()
    device = TOTPDevice.objects.get(user=officer.user, confirmed=False)
    done = client.post(reverse("accounts:two_factor_setup"), {"code": code(device)})
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    # Only fingerprints are kept.
    stored = list(RecoveryCode.objects.filter(device__user=officer.user)
                  .values_list("digest", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
    assert client.get(inbox(officer)).status_code == 200


def test_a_recovery_code_signs_in_once(client, clerk):
    with_authenticator(clerk.user)
    codes = twofactor.issue_recovery_codes(clerk.user)
    sign_in(client, "clerk")
    assert second_step(client, codes[3].lower()).status_code == 302
    assert client.get(inbox(clerk)).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, "clerk")
    assert second_step(client, codes[3]).status_code == 400
    assert twofactor.recovery_codes_left(clerk.user) == 9


def test_the_administrator_requires_roles_on_the_staff_page(client, municipality, clerk):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    client.force_login(admin.user)
    url = reverse("security:requirements", args=[municipality.slug])
    client.post(url, {"role": [Role.REGISTRY_CLERK, Role.ADMIN]})
    assert set(TwoFactorRequirement.objects.values_list("role", flat=True)) == {
        Role.REGISTRY_CLERK, Role.ADMIN}
    # The administrator's own session is not yet verified: the next page sets it up.
    page = client.get(reverse("security:staff", args=[municipality.slug]))
    assert reverse("accounts:two_factor_setup") in page.url


def test_an_officer_may_not_open_the_staff_page(client, officer):
    client.force_login(officer.user)
    response = client.get(reverse("security:staff", args=[officer.municipality.slug]))
    assert response.status_code == 403


def test_a_reset_password_is_shown_once_and_must_be_replaced(client, municipality, clerk):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    client.force_login(admin.user)
    page = client.post(reverse("security:reset_password", args=[municipality.slug, clerk.pk]))
    temporary = page.context["temporary"]["password"]
    assert temporary in page.content.decode()
    client.post(reverse("logout"))
    assert sign_in(client, "clerk").status_code == 200  # the old password is gone
    assert sign_in(client, "clerk", temporary).status_code == 302
    blocked = client.get(inbox(clerk))
    assert reverse("accounts:password_change") in blocked.url
    weak = client.post(reverse("accounts:password_change"), {
        "old_password": temporary, "new_password1": "short1", "new_password2": "short1"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    strong = "konj baterija spajalica"
    done = client.post(reverse("accounts:password_change"), {
        "old_password": temporary, "new_password1": strong, "new_password2": strong})
    assert done.status_code == 302
    assert client.get(inbox(clerk)).status_code == 200


def test_an_administrator_cannot_reset_someone_who_also_works_elsewhere(
        client, municipality, other_municipality, clerk):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    make_member(other_municipality, Role.ADMIN, user=clerk.user)
    client.force_login(admin.user)
    page = client.post(reverse("security:reset_password", args=[municipality.slug, clerk.pk]),
                       follow=True)
    assert "also works for another municipality" in page.content.decode()
    clerk.user.refresh_from_db()
    assert clerk.user.check_password(PASSWORD)


def test_another_municipalitys_member_is_a_404(client, municipality, other_clerk):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    client.force_login(admin.user)
    response = client.post(reverse("security:reset_two_factor",
                                   args=[municipality.slug, other_clerk.pk]))
    assert response.status_code == 404


def test_the_commands_require_roles_and_reset(municipality, clerk, capsys):
    with_authenticator(clerk.user)
    call_command("staff", "require-2fa", municipality.slug, Role.HEAD, Role.ADMIN)
    assert set(TwoFactorRequirement.objects.values_list("role", flat=True)) == {
        Role.HEAD, Role.ADMIN}
    call_command("staff", "reset-2fa", "clerk")
    assert not TOTPDevice.objects.filter(user=clerk.user).exists()
    call_command("staff", "reset-password", "clerk")
    out = capsys.readouterr().out
    temporary = out.split("Temporary password for clerk: ")[1].split()[0]
    clerk.user.refresh_from_db()
    assert clerk.user.check_password(temporary)
    call_command("staff", "list", municipality.slug)
    assert "clerk" in capsys.readouterr().out
