#!/usr/bin/env python3
"""Set up and run Šalter on a fresh machine that has only python3 (3.11+).

    python3 dev.py up [--port 8001]   # virtualenv, install, migrate, demo data, serve
    python3 dev.py test    # test dependencies, services, the whole test suite

DATABASE_URL=postgres://… switches both to PostgreSQL. Everything installs into .venv
beside this file; nothing is fetched at run time.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
SALTER = VENV / "bin" / "salter"
# Debian packages the integration and browser tests drive (real services, no mocks).
TEST_APT_PACKAGES = [
    "chromium", "dovecot-imapd", "dovecot-lmtpd", "gettext",
    # A real SMS gateway: bearerbox and smsbox, and kannel-extras for its test SMSC
    # fakesmsc (/usr/lib/kannel/test/fakesmsc).
    "kannel", "kannel-extras",
    # pdftotext reads back the PDF exports; pg_dump and pg_restore make and restore backups.
    "poppler-utils", "postgresql-client",
]


def run(*args, **kwargs) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_venv(extra: str = "") -> None:
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed{extra}"
    locks = [ROOT / "requirements" / "base.lock"]
    if extra:
        locks.append(ROOT / "requirements" / f"{extra}.lock")
    newest = max(p.stat().st_mtime for p in [*locks, ROOT / "pyproject.toml"])
    if stamp.exists() and stamp.stat().st_mtime >= newest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    for lock in locks:
        run(PY, "-m", "pip", "install", "--quiet", "-r", lock)
    run(PY, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    stamp.touch()


def missing_apt_packages() -> list[str]:
    if not shutil.which("dpkg-query"):
        return []
    missing = []
    for package in TEST_APT_PACKAGES:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_apt_packages() -> None:
    missing = missing_apt_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"Install these Debian packages first (as root): {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Another apt or dpkg (unattended upgrades, a parallel install) may hold the lock:
    # wait for it rather than fail.
    wait = ["-o", "DPkg::Lock::Timeout=900"]
    install = ["apt-get", *wait, "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(install, cwd=ROOT, env=env).returncode != 0:
        run("apt-get", *wait, "update", "-qq", env=env)  # package lists were stale or absent
        run(*install, env=env)


def up(args: list[str]) -> None:
    port = "8000"
    if args[:1] == ["--port"] and len(args) == 2 and args[1].isdigit():
        port = args[1]
    elif args:
        sys.exit("usage: python3 dev.py up [--port 8001]")
    # Links in what the demo "sends" (tracking links) point at this server.
    os.environ.setdefault("SALTER_PUBLIC_URL", f"http://127.0.0.1:{port}")
    ensure_venv()
    run(SALTER, "migrate", "--no-input")
    run(SALTER, "i18n", "compile")
    run(SALTER, "demo")
    print(f"\nŠalter: http://127.0.0.1:{port}/  (logins: docs/demo.md)\n", flush=True)
    # The demo sends no mail: a local sink keeps it, and staff read it under "Sent mail".
    os.execv(SALTER, [str(SALTER), "serve", "--addr", f"127.0.0.1:{port}", "--mail-sink", "0"])


def test(pytest_args: list[str]) -> None:
    ensure_venv("test")
    ensure_apt_packages()
    run(SALTER, "i18n", "compile")
    run(VENV / "bin" / "ruff", "check", ".")
    print(f"database: {os.environ.get('DATABASE_URL', 'SQLite (default)')}", flush=True)
    # pytest exits 5 when it collected no tests: that is a failure here too.
    result = subprocess.run([PY, "-m", "pytest", *pytest_args], cwd=ROOT)
    sys.exit(result.returncode)


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("up", [])
    if command == "up":
        up(rest)
    elif command == "test":
        test(rest)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
