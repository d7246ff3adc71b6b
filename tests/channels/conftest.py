"""Fixtures for the channels: a citizen with a case, and real mail servers (Dovecot over
IMAP and LMTP, an aiosmtpd relay in front of it) started by Šalter's own devservices."""

import itertools
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.channels.email.devservices import start_dovecot, start_smtp_relay
from salter.clients.actions import create_client
from salter.clients.models import ContactPoint

CITIZEN_EMAIL = "marko.petrovic@example.net"


@pytest.fixture
def citizen(clerk):
    return create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                         contacts=[(ContactPoint.Kind.EMAIL, CITIZEN_EMAIL)])


@pytest.fixture
def case(clerk, department, citizen):
    return create_case(actor=clerk, subject="Rupa na putu u Ulici Matije Gupca",
                       channel=Channel.EMAIL, department=department, clients=[citizen])


# --- real mail servers ----------------------------------------------------------------------


@dataclass
class MailAccount:
    address: str
    password: str
    port: int

    def connect(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.address, self.password)
        return client

    def messages(self, folder="INBOX") -> list[EmailMessage]:
        """Every message in `folder`, parsed, oldest first."""
        with self.connect() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            fetched = client.fetch(uids, [b"BODY.PEEK[]"]) if uids else {}
        return [message_from_bytes(fetched[uid][b"BODY[]"], policy=policy.default)
                for uid in sorted(fetched)]

    def append(self, raw: bytes, folder="INBOX", flags=()) -> None:
        with self.connect() as client:
            client.append(folder, raw, flags=flags)


@pytest.fixture(scope="session")
def dovecot():
    # Not under pytest's tmp dir: its parents are private to root, and Dovecot's mail
    # processes run as nobody there and must reach the maildirs.
    workdir = Path(tempfile.mkdtemp(prefix="salter-dovecot-"))
    handle = start_dovecot(workdir, {})
    yield handle
    handle.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def smtp_relay(dovecot):
    relay = start_smtp_relay(dovecot.lmtp_port)
    yield relay
    relay.stop()


_accounts = itertools.count(1)


@pytest.fixture
def mail_account(dovecot):
    """Factory: a new, empty IMAP account on the test Dovecot."""

    def make(address: str | None = None) -> MailAccount:
        address = address or f"user{next(_accounts)}-{uuid.uuid4().hex[:6]}@mail.test"
        password = dovecot.users.get(address)
        if password is None:
            password = uuid.uuid4().hex
            dovecot.add_user(address, password)
        account = MailAccount(address, password, dovecot.imap_port)
        with account.connect() as client:  # an earlier test may have used this address
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
        return account

    return make


@pytest.fixture
def citizen_account(mail_account):
    return mail_account(CITIZEN_EMAIL)
