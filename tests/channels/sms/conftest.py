"""A real Kannel for the SMS tests: bearerbox with a fake SMSC and smsbox, configured with
what `salter sms kannel-config` prints, and Kannel's fakesmsc as the phones. Under CI a
missing Kannel fails the tests that need it; elsewhere they are skipped."""

import io
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from salter.channels.sms.devservices import FakePhoneNetwork, kannel_available, start_kannel

KANNEL_USER, KANNEL_PASSWORD = "salter-test", "tajna-lozinka"


def kannel_config(slug: str, base_url: str) -> str:
    out = io.StringIO()
    call_command("sms", "kannel-config", "--municipality", slug, "--base-url", base_url,
                 stdout=out)
    return out.getvalue()


@pytest.fixture
def kannel_for(settings):
    """Factory: Kannel for one municipality, its MO callback at `base_url`."""
    if not kannel_available():
        message = "Kannel (Debian kannel, kannel-extras) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    started = []
    settings.SALTER_KANNEL_USER, settings.SALTER_KANNEL_PASSWORD = KANNEL_USER, KANNEL_PASSWORD
    settings.SALTER_KANNEL_TIMEOUT = 5

    def start(slug: str, base_url: str):
        workdir = Path(tempfile.mkdtemp(prefix="salter-kannel-"))
        kannel = start_kannel(workdir, kannel_config(slug, base_url))
        phones = FakePhoneNetwork(kannel)
        started.append((kannel, phones, workdir))
        settings.SALTER_KANNEL_URL = kannel.sendsms_url
        settings.SALTER_SMS_CALLBACK_URL = base_url
        return kannel, phones

    yield start
    for kannel, phones, workdir in started:
        phones.stop()
        kannel.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
