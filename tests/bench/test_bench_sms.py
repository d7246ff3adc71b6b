"""`salter bench sms` on a few texts: the texts go over HTTP to the server `salter serve`
runs, are all accepted and settled, and the run ends with a passing verification. The
timings it prints are not asserted (they depend on the machine and its load)."""

import re
import subprocess
import sys

import pytest
from django.conf import settings

from tests.bench.test_bench_email import bench_database_arguments


@pytest.mark.integration
@pytest.mark.django_db
def test_bench_sms_accepts_every_text_through_the_web_server_and_settles_it_once():
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", "sms", "--messages", "90", "--workers", "2",
         "--connections", "4", *bench_database_arguments()],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert re.search(r"^accept \(HTTP MO endpoint through `salter serve`.*4 connections\): "
                     r"90 messages", result.stdout, re.MULTILINE), result.stdout
    assert re.search(r"^accept: web server CPU [\d.]+ ms per text$", result.stdout,
                     re.MULTILINE), result.stdout
    verification = re.search(r"^verification: OK: (.*)$", result.stdout, re.MULTILINE)
    assert verification, result.stdout
    assert "= 90 of 90 texts" in verification.group(1)
    assert "gap-free: True" in verification.group(1)
