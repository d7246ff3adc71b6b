"""Headers, sessions, error pages and logging a municipality's deployment relies on."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from salter.cases.actions import create_case
from salter.cases.models import Channel
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff(client, clerk):
    client.force_login(clerk.user)
    return client


@pytest.fixture
def case(clerk):
    return create_case(actor=clerk, subject="Rasveta", channel=Channel.PHONE)


def pages(case):
    return ["/accounts/login/", "/staff/subotica/", f"/staff/subotica/cases/{case.pk}/",
            "/staff/subotica/clients/", "/staff/subotica/search/?q=ras",
            "/staff/subotica/intake/", "/staff/subotica/cases/new/", "/portal/subotica/",
            "/api/v1/docs", "/staff/subotica/nema/"]


def test_every_page_has_a_strict_content_security_policy(staff, case):
    for url in pages(case):
        policy = staff.get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["default-src"] == "'self'", url
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert "unsafe" not in policy, url


def test_pages_have_no_inline_script_or_style(staff, case):
    for url in pages(case):
        html = staff.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_pages_with_personal_data_are_never_stored_by_caches(staff, case):
    for url in [*pages(case), f"/api/v1/subotica/cases/{case.pk}"]:
        assert "no-store" in staff.get(url)["Cache-Control"], url


def test_a_session_ends_after_the_idle_time(staff, clerk, settings):
    assert staff.get("/staff/subotica/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = staff.get("/staff/subotica/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_activity_moves_the_end_of_the_session(client, clerk, settings):
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    soon = timezone.now() + datetime.timedelta(minutes=5)
    Session.objects.update(expire_date=soon)
    session = Session.objects.get()
    data = session.get_decoded()
    data["_salter_touched"] = 0  # last moved long ago
    Session.objects.filter(pk=session.pk).update(
        session_data=Session.objects.encode(data))
    assert client.get("/staff/subotica/").status_code == 200
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert Session.objects.get().expire_date > timezone.now() + idle - datetime.timedelta(
        minutes=1)


def test_the_session_cookie_ends_with_the_browser(client, clerk):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert not cookie["expires"] and not cookie["max-age"]


# --- error pages ---------------------------------------------------------------------


def test_an_unknown_address_with_debug_on_shows_our_page_not_django_s_url_list(
        client, settings):
    settings.DEBUG = True
    response = client.get("/nema/ove/stranice/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find this page" in page
    assert "URLconf" not in page and "staff/&lt;slug:municipality&gt;" not in page


def test_error_pages_speak_the_readers_language(client, settings):
    settings.DEBUG = True
    response = client.get("/nema/", HTTP_ACCEPT_LANGUAGE="hu")
    assert "Nem találtuk ezt az oldalt" in response.content.decode()
    settings.DEBUG = False
    response = client.get("/nema/", HTTP_ACCEPT_LANGUAGE="sr-latn")
    assert "Nismo pronašli ovu stranicu" in response.content.decode()


def test_a_view_s_404_and_403_are_our_pages(client, officer, settings):
    client.force_login(officer.user)
    for debug in (True, False):
        settings.DEBUG = debug
        missing = client.get("/staff/subotica/cases/987654/")
        assert missing.status_code == 404
        assert "We could not find this page" in missing.content.decode()
        refused = client.get("/staff/subotica/", {"queue": "all"})  # not an officer's queue
        assert refused.status_code == 403
        assert "Not open to you" in refused.content.decode()


@pytest.mark.urls("tests.security.crash_urls")
def test_an_unhandled_error_is_our_500_page(settings):
    from django.test import Client

    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get("/crash/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def _production_env(**extra):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "k" * 20 + "q8Z!w#3vLp0@" * 4,
           "ALLOWED_HOSTS": "salter.example.rs", "DJANGO_SETTINGS_MODULE": "salter.settings"}
    # Left in the environment by the browser tests of the same run; never in production.
    for name in ("LOG_FORMAT", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env.update(extra)
    return env


def test_with_debug_off_an_unhandled_error_is_logged_with_its_traceback_to_stderr(
        tmp_path):
    probe = "\n".join([
        "import django; django.setup()",
        "from django.test import Client",
        "from django.test.utils import override_settings",
        "c = Client(raise_request_exception=False, SERVER_NAME='salter.example.rs')",
        "with override_settings(ROOT_URLCONF='tests.security.crash_urls'):",
        "    print(c.get('/crash/', secure=True).status_code)",
    ])
    env = _production_env(SALTER_VAR_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert done.stdout.strip() == "500", done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    error = next(r for r in records if r["level"] == "ERROR")
    assert error["path"] == "/crash/" and error["status"] == 500
    assert "Traceback" in error["exception"]
    assert "ProbeError: the probe failed on purpose" in error["exception"]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "salter.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(SALTER_VAR_DIR=str(tmp_path)), capture_output=True, text=True,
        cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_https_settings_follow_the_environment(tmp_path):
    probe = ("import json, django; from django.conf import settings; django.setup();"
             "print(json.dumps([settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
             " settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD]))")
    run = lambda **env: json.loads(subprocess.run(  # noqa: E731
        [sys.executable, "-c", probe], env=_production_env(SALTER_VAR_DIR=str(tmp_path), **env),
        capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    assert run() == [True, 31536000, True, False]
    assert run(SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600",
               SECURE_HSTS_INCLUDE_SUBDOMAINS="0", SECURE_HSTS_PRELOAD="1") == [
        False, 600, False, True]
