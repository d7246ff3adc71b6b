"""Two-factor sign-in and the lockout in the browser: the administrator requires it for
a role, an officer sets up the authenticator by its key and gets recovery codes, signs
in with a code next time, and a run of wrong codes locks the account with a clear
message until the administrator unlocks it."""

import os
import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from salter.tenancy.roles import Role
from tests.factories import PASSWORD, make_department, make_member, make_municipality

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff(settings):
    settings.SALTER_LOGIN_FREE_ATTEMPTS = 3
    municipality = make_municipality("subotica", name="Subotica", name_cyrl="Суботица")
    department = make_department(municipality)
    admin = make_member(municipality, Role.ADMIN, username="admin")
    officer = make_member(municipality, Role.OFFICER, username="officer",
                          department=department)
    return admin, officer


def sign_in(page, base, username, password=PASSWORD):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def log_out(page):
    page.click("#user-menu")
    page.click("form[action='/accounts/logout/'] button")


def code_for(key_text: str, ahead: int = 0) -> str:
    key = b32decode(key_text.replace(" ", "") + "=" * (-len(key_text.replace(" ", "")) % 8))
    return f"{totp(key, drift=ahead):06d}"


def test_required_two_factor_set_up_used_and_locked_out(live_server, page, staff):
    base = live_server.url
    # The administrator requires a second factor of officers.
    sign_in(page, base, "admin")
    page.goto(f"{base}/staff/subotica/staff-security/")
    page.check("#role-officer")
    page.click("form[action$='/two-factor/'] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("second factor")
    log_out(page)

    # The officer is sent to set it up before anything else.
    sign_in(page, base, "officer")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.locator(".totp-qr svg")).to_be_visible()
    key = page.locator(".totp-key").inner_text()
    page.screenshot(path="/tmp/salter-e2e-two-factor-setup.png", full_page=True)
    page.fill("input[name=code]", code_for(key))
    page.click("button[type=submit]")
    codes = page.locator(".recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.click("text=I have saved them")
    expect(page).to_have_url(f"{base}/staff/subotica/")
    log_out(page)

    # Next time: password, then the code.
    sign_in(page, base, "officer")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next="))
    page.fill("input[name=code]", code_for(key, ahead=1))
    page.click("button[type=submit]:has-text('Continue')")
    expect(page).to_have_url(f"{base}/staff/subotica/")
    log_out(page)

    # Wrong codes count as failed sign-ins: the account is locked, and says until when.
    sign_in(page, base, "officer")
    for _ in range(4):
        page.fill("input[name=code]", "123456")
        page.click("button[type=submit]:has-text('Continue')")
    alert = page.locator(".alert-danger")
    expect(alert).to_contain_text("Too many failed sign-ins for this account")
    expect(alert).to_contain_text("You can try again at")
    page.screenshot(path="/tmp/salter-e2e-two-factor-locked.png", full_page=True)

    # The administrator unlocks; a recovery code then signs the officer in.
    admin_page = page.context.browser.new_context(locale="en-US").new_page()
    sign_in(admin_page, base, "admin")
    admin_page.goto(f"{base}/staff/subotica/staff-security/")
    row = admin_page.locator("tr[data-user=officer]")
    expect(row).to_contain_text("sign-in locked")
    row.locator("button:has-text('Unlock')").click()
    expect(admin_page.locator(".alert-success")).to_contain_text("unlocked")
    admin_page.context.close()

    page.fill("input[name=code]", codes[0])
    page.click("button[type=submit]:has-text('Continue')")
    expect(page).to_have_url(re.compile(r"/staff/subotica/|/staff/$"))
    expect(page.locator(".alert-warning")).to_contain_text("recovery code")
