"""Staff sign-in: throttled per account with a growing delay, and per network address
with a generous limit, in the database; a clear message says until when; an
administrator unlocks."""

import datetime
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from salter.accounts import throttle
from salter.accounts.models import LoginThrottle
from tests.factories import PASSWORD, make_member, make_municipality

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SALTER_LOGIN_FREE_ATTEMPTS = 3
    settings.SALTER_LOGIN_DELAY_SECONDS = 60
    settings.SALTER_LOGIN_MAX_DELAY_SECONDS = 3600
    settings.SALTER_LOGIN_ADDRESS_LIMIT = 20
    settings.SALTER_LOGIN_ADDRESS_WINDOW_SECONDS = 3600
    settings.SALTER_TRUSTED_PROXIES = []


def sign_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_works_with_the_right_password(client, clerk):
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(clerk.user.pk)


def test_failures_beyond_the_free_ones_lock_the_account_even_for_the_right_password(
        client, clerk):
    for _ in range(3):
        assert sign_in(client, "clerk", "wrong").status_code == 200
    locked = sign_in(client, "clerk", "wrong")  # the fourth: one minute
    assert locked.status_code == 429
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    page = response.content.decode()
    assert "Too many failed sign-ins for this account" in page
    assert "You can try again at" in page and "minute" in page
    assert 0 < int(response["Retry-After"]) <= 60


def test_the_delay_grows_with_every_further_failure(clerk, rf):
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    now = timezone.now()
    delays = []
    for _ in range(9):
        refusal = throttle.record_failure(request, "clerk", now=now)
        if refusal:
            delays.append(round((refusal.until - now).total_seconds()))
        now += datetime.timedelta(hours=2)  # every lock has run out by the next try
    assert delays == [60, 120, 240, 480, 960, 1920]
    assert throttle.record_failure(request, "clerk", now=now).until == now + datetime.timedelta(
        seconds=3600)


def test_after_the_delay_the_account_may_try_again(clerk, rf):
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
    now = timezone.now()
    for _ in range(4):
        throttle.record_failure(request, "clerk", now=now)
    assert throttle.refusal(request, "clerk", now=now + datetime.timedelta(seconds=59))
    assert throttle.refusal(request, "clerk", now=now + datetime.timedelta(seconds=61)) is None


def test_an_office_behind_one_address_is_not_locked_out_by_a_few_bad_passwords(db):
    subotica = make_municipality("subotica")
    office = [make_member(subotica, username=f"sluzbenik{n}") for n in range(6)]
    for member in office[:5]:
        for _ in range(2):
            assert sign_in(Client(), member.user.username, "wrong",
                           REMOTE_ADDR="192.0.2.10").status_code == 200
    # Made-up names from the same address do not lock the others either.
    for name in ("subotica.referent", "subotica.admin", "nobody"):
        sign_in(Client(), name, "wrong", REMOTE_ADDR="192.0.2.10")
    colleague = Client()
    assert sign_in(colleague, office[5].user.username, PASSWORD,
                   REMOTE_ADDR="192.0.2.10").status_code == 302


def test_many_failures_from_one_address_lock_the_address(db, clerk):
    for n in range(20):
        sign_in(Client(), f"guess{n}", "wrong", REMOTE_ADDR="198.51.100.9")
    response = sign_in(Client(), "clerk", PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 429
    assert "Too many failed sign-ins came from your network" in response.content.decode()
    assert sign_in(Client(), "clerk", PASSWORD, REMOTE_ADDR="198.51.100.10").status_code == 302


def test_forwarded_for_counts_only_from_a_trusted_proxy(db, clerk, settings):
    for n in range(20):
        sign_in(Client(), f"guess{n}", "wrong", REMOTE_ADDR="203.0.113.5",
                HTTP_X_FORWARDED_FOR=f"10.1.1.{n}")
    # Not a trusted proxy: the header was ignored and the sender's address is locked.
    assert sign_in(Client(), "clerk", PASSWORD, REMOTE_ADDR="203.0.113.5",
                   HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    settings.SALTER_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    for n in range(20):
        sign_in(Client(), f"guess{n}", "wrong", REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR=f"203.0.113.77, 10.0.0.{n}")
    # Behind trusted proxies the client is the first untrusted address from the right.
    assert LoginThrottle.objects.filter(kind="address", key="203.0.113.77",
                                        failures=20).exists()
    assert sign_in(Client(), "clerk", PASSWORD, REMOTE_ADDR="127.0.0.1",
                   HTTP_X_FORWARDED_FOR="203.0.113.78").status_code == 302


def test_a_stranger_cannot_lock_the_owner_out_of_their_own_browser(clerk):
    own_browser = Client()
    assert sign_in(own_browser, "clerk", PASSWORD).status_code == 302
    own_browser.post("/accounts/logout/")
    stranger = Client()
    for _ in range(5):
        sign_in(stranger, "clerk", "wrong", REMOTE_ADDR="203.0.113.50")
    assert sign_in(stranger, "clerk", PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 429
    assert sign_in(own_browser, "clerk", PASSWORD).status_code == 302


def test_case_and_spaces_do_not_make_another_account(client, clerk):
    for name in ("clerk", "CLERK", " Clerk ", "cLeRk"):
        sign_in(client, name, "wrong")
    assert sign_in(client, "clerk", PASSWORD).status_code == 429


def test_success_forgets_the_accounts_failures(client, clerk):
    for _ in range(2):
        sign_in(client, "clerk", "wrong")
    assert sign_in(client, "clerk", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(kind__in=["account", "browser"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_counters_are_shared_by_every_process(clerk):
    # Another web process reads the same lock: the counter is a row in the database,
    # not a process's memory or a cache it may not share.
    for _ in range(4):
        sign_in(Client(), "clerk", "wrong")
    db = connection.settings_dict
    url = (f"sqlite:///{db['NAME']}" if connection.vendor == "sqlite" else
           f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
           f"{db['NAME']}")
    probe = "\n".join([
        "import django; django.setup()",
        "from django.test import Client",
        f"r = Client().post('/accounts/login/', {{'username': 'clerk', 'password': '{PASSWORD}'}})",
        "print(r.status_code)",
    ])
    other = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           env={**os.environ, "DATABASE_URL": url,
                                "DJANGO_SETTINGS_MODULE": "salter.settings",
                                "SALTER_LOGIN_FREE_ATTEMPTS": "3"}, timeout=120)
    assert other.stdout.strip() == "429", other.stderr


def test_unlock_command_lifts_the_lock(client, clerk, capsys):
    for _ in range(4):
        sign_in(client, "clerk", "wrong")
    assert sign_in(client, "clerk", PASSWORD).status_code == 429
    call_command("unlock", "--list")
    assert "clerk" in capsys.readouterr().out
    call_command("unlock", "clerk")
    assert "Unlocked account clerk" in capsys.readouterr().out
    assert sign_in(client, "clerk", PASSWORD).status_code == 302
    call_command("unlock", "clerk")
    assert "Nothing to unlock" in capsys.readouterr().out


def test_unlock_command_lifts_an_address_lock(clerk, capsys):
    for n in range(20):
        sign_in(Client(), f"guess{n}", "wrong", REMOTE_ADDR="198.51.100.9")
    call_command("unlock", "--address", "198.51.100.9")
    assert sign_in(Client(), "clerk", PASSWORD, REMOTE_ADDR="198.51.100.9").status_code == 302


def test_the_refusal_is_in_the_readers_language(client, clerk):
    for _ in range(4):
        sign_in(client, "clerk", "wrong")
    page = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD},
                       HTTP_ACCEPT_LANGUAGE="hu").content.decode()
    assert "Túl sok sikertelen bejelentkezés" in page


def test_passwords_are_hashed(clerk):
    assert clerk.user.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt"))
    assert PASSWORD not in clerk.user.password


def test_csrf_is_enforced(clerk):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 403


def test_production_settings_secure_cookies_and_refuse_missing_secret():
    probe = ("import json, django; from django.conf import settings; django.setup();"
             "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]))")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50,
           "DJANGO_SETTINGS_MODULE": "salter.settings"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == [True, True]
    env.pop("SECRET_KEY")
    failed = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                            text=True)
    assert failed.returncode != 0
    assert "SECRET_KEY" in failed.stderr
