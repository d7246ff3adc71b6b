"""Real mail servers for tests and local demos, started by Šalter itself.

`start_dovecot` runs Debian's Dovecot unprivileged from a throwaway config in a work
directory: IMAP for reading mailboxes, LMTP for delivering into them. `start_smtp_relay`
puts an aiosmtpd SMTP server in front of that LMTP listener, so the outbox can send to a
citizen's mailbox exactly as it would through a municipal mail server, and the test reads
the result back over IMAP. Nothing here is used in production.
"""

import asyncio
import grp
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

_SBIN = "/usr/sbin:/usr/bin:/sbin:/bin"
DOVECOT = shutil.which("dovecot", path=_SBIN) or "/usr/sbin/dovecot"
DOVEADM = shutil.which("doveadm", path=_SBIN) or "/usr/bin/doveadm"
# Dovecot's master needs a moment after SIGTERM before the same ports and base_dir are free.
RESTART_PAUSE = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 15.0, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for port {port} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing answers on 127.0.0.1:{port}")


def _mail_identity() -> tuple[str, str]:
    """The user and group mail processes run as: nobody when we are root (Dovecot refuses
    to deliver as root), else ourselves, since an unprivileged master cannot switch users."""
    if os.geteuid() == 0:
        return "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    return pwd.getpwuid(os.geteuid()).pw_name, grp.getgrgid(os.getegid()).gr_name


@dataclass
class Dovecot:
    workdir: Path
    imap_port: int
    lmtp_port: int
    users: dict[str, str]
    process: subprocess.Popen = field(repr=False)

    @property
    def log(self) -> str:
        path = self.workdir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            time.sleep(RESTART_PAUSE)

    def add_user(self, name: str, password: str) -> None:
        """Add a mail user. Dovecot rereads the passwd-file when its mtime or size changes,
        so a password changed twice within a second could go unnoticed: names are added,
        passwords never changed."""
        if name in self.users:
            raise ValueError(f"{name} already exists")
        self.users[name] = password
        _write_users(self.workdir, self.users)
        self._wait_for_user(name)

    def _wait_for_user(self, name: str, timeout: float = 10.0) -> None:
        """Dovecot notices a changed passwd-file within about a second; until then a login
        fails and earns a two-second penalty, so ask the userdb first (no penalty)."""
        command = [DOVEADM, "-c", str(self.workdir / "dovecot.conf"), "user", name]
        deadline = time.monotonic() + timeout
        while subprocess.run(command, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"Dovecot does not know {name}")
            time.sleep(0.05)


def _write_users(workdir: Path, users: dict[str, str]) -> None:
    lines = [f"{name}:{{PLAIN}}{password}::::::" for name, password in users.items()]
    # Written aside and renamed, so Dovecot never reads a half-written file.
    staging = workdir / "users.new"
    staging.write_text("\n".join(lines) + "\n")
    staging.chmod(0o644)
    staging.replace(workdir / "users")


def dovecot_config(workdir: Path, imap_port: int, lmtp_port: int) -> str:
    user, group = _mail_identity()
    return f"""\
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {workdir}/run
state_dir = {workdir}/state
log_path = {workdir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {user}
default_internal_user = {user}
mail_location = maildir:{workdir}/mail/%u/Maildir
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 0
first_valid_gid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {workdir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {workdir}/users
  default_fields = home={workdir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""


def start_dovecot(workdir, users: dict[str, str], imap_port: int = 0,
                  lmtp_port: int = 0) -> Dovecot:
    """Start Dovecot with IMAP and LMTP on 127.0.0.1; free ports are chosen when 0."""
    workdir = Path(workdir)
    for sub in ("run", "state", "mail"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)  # login and mail processes run as another user
    user, group = _mail_identity()
    shutil.chown(workdir / "mail", user, group)
    _write_users(workdir, users)
    imap_port = imap_port or free_port()
    lmtp_port = lmtp_port or free_port()
    config = workdir / "dovecot.conf"
    config.write_text(dovecot_config(workdir, imap_port, lmtp_port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    handle = Dovecot(workdir=workdir, imap_port=imap_port, lmtp_port=lmtp_port,
                     users=dict(users), process=process)
    try:
        for port in (imap_port, lmtp_port):
            wait_for_port(port, alive=lambda: process.poll() is None)
    except (RuntimeError, TimeoutError) as exc:
        handle.stop()
        errors = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise RuntimeError(f"Dovecot did not start: {exc}\n{errors}\n{handle.log}") from exc
    return handle


class LmtpRelayHandler:
    """Hands each message received over SMTP to Dovecot's LMTP, answering the SMTP client
    with LMTP's verdict: unknown user 550, Dovecot unreachable 451."""

    def __init__(self, lmtp_port: int):
        self.lmtp_port = lmtp_port

    async def handle_DATA(self, server, session, envelope):
        return await asyncio.get_running_loop().run_in_executor(None, self._deliver, envelope)

    def _deliver(self, envelope) -> str:
        try:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port, timeout=30) as lmtp:
                lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return f"{code} {text.decode(errors='replace')}"
        except smtplib.SMTPResponseException as exc:
            return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
        except OSError:
            return "451 4.4.1 Mailbox server unreachable, try again later"
        return "250 2.0.0 Delivered"


@dataclass
class SmtpRelay:
    port: int
    lmtp_port: int
    controller: Controller = field(repr=False)

    def stop(self) -> None:
        self.controller.stop()


def start_smtp_relay(lmtp_port: int, port: int = 0) -> SmtpRelay:
    """An SMTP server on 127.0.0.1 that delivers into Dovecot through LMTP."""
    port = port or free_port()
    controller = Controller(LmtpRelayHandler(lmtp_port), hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpRelay(port=port, lmtp_port=lmtp_port, controller=controller)
