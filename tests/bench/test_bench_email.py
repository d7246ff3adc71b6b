"""`salter bench email` on a small corpus: it must end with a passing verification. The
timings it prints are not asserted (they depend on the machine and its load)."""

import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection


def bench_database_arguments() -> list[str]:
    """On PostgreSQL runs, the bench gets its own throwaway database beside the tests'."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return []
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return ["--database-url", f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}"
                              f":{db['PORT'] or 5432}/{db['NAME']}_bench"]


@pytest.mark.integration
@pytest.mark.django_db
def test_bench_settles_every_message_exactly_once_and_says_so():
    result = subprocess.run(
        [sys.executable, "manage.py", "bench", "email", "--messages", "200", "--workers", "2",
         *bench_database_arguments()],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=600)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    verification = re.search(r"^verification: OK: (.*)$", result.stdout, re.MULTILINE)
    assert verification, result.stdout
    counts = {name: int(n) for name, n in
              re.findall(r"(created|appended|ignored|review|duplicate|quarantined) (\d+)",
                         verification.group(1))}
    assert sum(counts.values()) == 200
    assert counts["created"] > 0 and counts["appended"] > 0 and counts["ignored"] > 0
    assert "registry 1.." in verification.group(1) and "gap-free: True" in verification.group(1)
    for figure in ("accept (durable", "processing (2 workers)"):
        assert figure in result.stdout
