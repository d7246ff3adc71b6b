"""A real Kannel for tests and local demos, started by Šalter itself: bearerbox with a
fake SMSC, smsbox with the groups `salter sms kannel-config` prints, and Kannel's own test
phone network `fakesmsc`, which sends MO messages and prints every MT it receives.
Nothing here is used in production.
"""

import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from salter.channels.email.devservices import free_port, wait_for_port

_SBIN = "/usr/sbin:/usr/bin:/sbin:/bin"
BEARERBOX = shutil.which("bearerbox", path=_SBIN) or "/usr/sbin/bearerbox"
SMSBOX = shutil.which("smsbox", path=_SBIN) or "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SMSC_ID = "fake"


def kannel_available() -> bool:
    return all(os.access(path, os.X_OK) for path in (BEARERBOX, SMSBOX, FAKESMSC))


def core_config(workdir: Path, *, admin_port: int, smsbox_port: int, smsc_port: int,
                sendsms_port: int) -> str:
    """Kannel's core, SMSC and smsbox groups (the part an operator writes for their own
    SMSC); Šalter's groups are appended to it."""
    return f"""group = core
admin-port = {admin_port}
admin-password = {os.urandom(8).hex()}
admin-allow-ip = 127.0.0.1
smsbox-port = {smsbox_port}
log-file = "{workdir}/bearerbox.log"
log-level = 1
box-allow-ip = 127.0.0.1
dlr-storage = internal
sms-combine-concatenated-mo = true

group = smsc
smsc = fake
smsc-id = {SMSC_ID}
port = {smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{workdir}/smsbox.log"
log-level = 1
mo-recode = false

"""


@dataclass
class Kannel:
    workdir: Path
    sendsms_port: int
    smsc_port: int
    processes: list = field(default_factory=list)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def log(self, name: str = "smsbox") -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_kannel(workdir: Path, salter_groups: str) -> Kannel:
    """bearerbox and smsbox on free ports, with `salter_groups` (kannel-config's output)
    after the core, SMSC and smsbox groups."""
    workdir.mkdir(parents=True, exist_ok=True)
    ports = {"admin_port": free_port(), "smsbox_port": free_port(),
             "smsc_port": free_port(), "sendsms_port": free_port()}
    config = workdir / "kannel.conf"
    config.write_text(core_config(workdir, **ports) + salter_groups)
    kannel = Kannel(workdir, ports["sendsms_port"], ports["smsc_port"])
    out = open(workdir / "bearerbox.out", "wb")  # noqa: SIM115 - closed with the process
    bearerbox = subprocess.Popen([BEARERBOX, str(config)], stdout=out, stderr=out,
                                 cwd=workdir)
    kannel.processes.append(bearerbox)
    try:
        wait_for_port(ports["smsbox_port"], alive=lambda: bearerbox.poll() is None)
        wait_for_port(ports["smsc_port"], alive=lambda: bearerbox.poll() is None)
        out = open(workdir / "smsbox.out", "wb")  # noqa: SIM115
        smsbox = subprocess.Popen([SMSBOX, str(config)], stdout=out, stderr=out, cwd=workdir)
        kannel.processes.append(smsbox)
        wait_for_port(ports["sendsms_port"], alive=lambda: smsbox.poll() is None)
    except Exception:
        kannel.stop()
        raise
    return kannel


class FakePhoneNetwork:
    """Phones on the bearerbox's fake SMSC, as fakesmsc processes: `send` starts one that
    sends one MO message (fakesmsc picks at random among the messages it is given) and
    then stays connected, printing the MT messages Kannel routes to it, until the next
    `send`; `received` lists those of all of them ("sender receiver text|ucs-2|udh …")."""

    def __init__(self, kannel: Kannel):
        self.kannel = kannel
        self.lines: list[str] = []
        self.processes: list[subprocess.Popen] = []
        self._lock = threading.Lock()

    def send(self, message: str) -> None:
        # The fake SMSC serves one connection at a time: the phone that sent the last
        # message hangs up first (Kannel keeps MT for the next connection meanwhile).
        self.stop()
        args = [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.kannel.smsc_port), "-i", "0.1",
                "-m", "1", message]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   cwd=self.kannel.workdir)
        self.processes.append(process)
        before = len(self.lines)
        threading.Thread(target=self._read, args=(process,), daemon=True).start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                "sent message" in line for line in self.lines[before:]):
            time.sleep(0.05)
        time.sleep(0.5)  # for the bearerbox to read it before this phone hangs up

    def _read(self, process) -> None:
        for line in process.stdout:
            with self._lock:
                self.lines.append(line.decode("utf-8", "replace").rstrip("\n"))

    def received(self) -> list[str]:
        """What the phones got from Kannel: the part between <> of "Got message N: <…>"."""
        with self._lock:
            return [line.split(": <", 1)[1].rstrip(">").strip() for line in self.lines
                    if "Got message" in line and ": <" in line]

    def texts(self) -> list[tuple[str, str, str]]:
        """(sender, receiver, text) of each MT the phones got, a concatenated one put
        together from its parts (by the UDH's reference), in the order they came."""
        whole: list[tuple[str, str, str]] = []
        sets: dict[tuple, dict[int, bytes]] = {}
        for line in self.received():
            sender, receiver, kind, rest = [*line.split(" ", 3), "", "", "", ""][:4]
            if kind == "udh":
                udh_text, _data, data = rest.split(" ", 2)
                udh = urllib.parse.unquote_to_bytes(udh_text)
                reference, total, seq = udh[-3], udh[-2], udh[-1]
                parts = sets.setdefault((sender, receiver, reference, total), {})
                parts[seq] = _unquote(data)
                if len(parts) == total:
                    whole.append((sender, receiver,
                                  _fake_text(b"".join(parts[i] for i in sorted(parts)))))
            elif kind == "ucs-2":
                whole.append((sender, receiver, _unquote(rest).decode("utf-16-be")))
            else:
                whole.append((sender, receiver, rest))
        return whole

    def wait_for_text(self, predicate, timeout: float = 20.0) -> tuple[str, str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for found in self.texts():
                if predicate(*found):
                    return found
            time.sleep(0.1)
        raise TimeoutError(f"no such text on the phones; they got: {self.texts()}")

    def wait_for(self, predicate, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = [line for line in self.received() if predicate(line)]
            if got:
                return got
            time.sleep(0.1)
        raise TimeoutError(f"fakesmsc received nothing matching; output: {self.lines[-20:]}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _unquote(data: str) -> bytes:
    """fakesmsc's url-encoding, + for a space."""
    return urllib.parse.unquote_to_bytes(data.replace("+", " "))


def _fake_text(data: bytes) -> str:
    """A concatenated MT's data as fakesmsc prints it: UTF-16BE for UCS-2 (Latin and
    Cyrillic letters then have a high byte of 0x00 or 0x04), else the GSM text in
    Latin-1."""
    high = data[::2]
    if len(data) % 2 == 0 and (high.count(0) + high.count(4)) * 2 >= len(high):
        return data.decode("utf-16-be")
    return data.decode("latin-1")


def fake_mo(sender: str, receiver: str, text: str) -> str:
    """An MO in fakesmsc's format: "text" with + for spaces (GSM alphabet), else "ucs2"
    with the UTF-16BE bytes url-encoded."""
    from salter.channels.sms.gsm import fits_gsm7

    if fits_gsm7(text) and text.isascii():
        return f"{sender} {receiver} text {text}"
    return f"{sender} {receiver} ucs2 {urllib.parse.quote(text.encode('utf-16-be'))}"


def fake_mo_part(sender: str, receiver: str, text: str, *, reference: int, total: int,
                 seq: int) -> str:
    """One part of a concatenated MO, with its UDH (IE 0x00)."""
    udh = bytes((5, 0, 3, reference, total, seq))
    return (f"{sender} {receiver} udh {urllib.parse.quote(udh)} "
            f"{urllib.parse.quote(text.encode('latin-1'))}")
