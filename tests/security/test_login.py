import json
import os
import subprocess
import sys

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_login_works_with_the_right_password(client, clerk):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(clerk.user.pk)


def test_repeated_failures_lock_the_username_even_for_the_right_password(client, clerk,
                                                                          settings):
    settings.SALTER_LOGIN_MAX_ATTEMPTS = 3
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed(clerk):
    assert clerk.user.password.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt"))
    assert PASSWORD not in clerk.user.password


def test_csrf_is_enforced(clerk):
    from django.test import Client

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
