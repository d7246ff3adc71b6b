"""IMAP intake against a real Dovecot: messages are stored before they leave the folder."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from salter.cases.models import Case
from salter.channels.email import imap
from salter.channels.models import InboundMessage, Mailbox, OutboundMessage
from salter.documents.storage import read_blob
from tests.factories import make_mailbox

pytestmark = pytest.mark.integration

PROCESSED = "Salter/Processed"
ON_SERVER = "Salter.Processed"  # Dovecot's maildir separates levels with "."


def _raw(n: int, sender="jelena@example.net", subject="Ulicna rasveta") -> bytes:
    return (f"From: Jelena Jovanovic <{sender}>\r\nTo: pisarnica@subotica.test\r\n"
            f"Subject: {subject} {n}\r\nMessage-ID: <imap-{n}-{time.time_ns()}@example.net>\r\n"
            f"Date: Mon, 2 Mar 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"\r\nRasveta u Ulici Zmaj Jovina ne radi ({n}). Čćžšđ\r\n").encode()


@pytest.fixture
def office(mail_account):
    return mail_account()


@pytest.fixture
def mailbox(municipality, office, dovecot):
    return make_mailbox(
        municipality, "pisarnica@subotica.test", imap_host="127.0.0.1",
        imap_port=dovecot.imap_port, imap_ssl=False, imap_username=office.address,
        imap_password=office.password, processed_folder=PROCESSED, poll_seconds=1)


def _uids(account, folder="INBOX", criteria=("ALL",)):
    with account.connect() as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        return client.search(list(criteria))


@pytest.mark.django_db
def test_poll_stores_every_waiting_message_exactly_then_moves_it(mailbox, office):
    raws = [_raw(1), _raw(2), _raw(3)]
    for raw in raws[:2]:
        office.append(raw)
    office.append(raws[2], flags=[b"\\Seen"])  # read in webmail, still unhandled

    result = imap.poll_mailbox(mailbox)

    assert (result.fetched, result.stored, result.handled) == (3, 3, 3)
    stored = {read_blob(m.raw) for m in InboundMessage.objects.filter(endpoint=mailbox.endpoint)}
    assert stored == set(raws)  # byte for byte
    assert _uids(office) == []
    assert len(_uids(office, ON_SERVER)) == 3
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at is not None and mailbox.last_error == ""


@pytest.mark.django_db
def test_a_message_delivered_twice_is_stored_once(mailbox, office):
    raw = _raw(1)
    office.append(raw)
    imap.poll_mailbox(mailbox)
    office.append(raw)  # e.g. a forwarding rule ran twice

    result = imap.poll_mailbox(mailbox)

    assert (result.fetched, result.stored) == (1, 0)
    assert InboundMessage.objects.count() == 1
    assert _uids(office) == []


@pytest.mark.django_db
def test_without_processed_folder_only_unseen_mail_is_taken_and_marked_seen(mailbox, office):
    Mailbox.objects.filter(pk=mailbox.pk).update(processed_folder="")
    mailbox.refresh_from_db()
    office.append(_raw(1))
    office.append(_raw(2), flags=[b"\\Seen"])

    assert imap.poll_mailbox(mailbox).stored == 1
    assert imap.poll_mailbox(mailbox).fetched == 0
    assert len(_uids(office)) == 2
    assert _uids(office, criteria=["UNSEEN"]) == []


@pytest.mark.django_db
def test_copy_and_expunge_without_move_leaves_other_deleted_mail_alone(mailbox, office):
    office.append(_raw(1))
    office.append(_raw(2), flags=[b"\\Deleted"])  # a clerk's, not ours to expunge
    with office.connect() as client:
        target = imap.ensure_folder(client, PROCESSED)
        client.select_folder("INBOX")
        ours = client.search(["NOT", "DELETED"])
        imap.mark_handled(client, ours, target, use_move=False)

    assert len(_uids(office)) == 1
    assert _uids(office, criteria=["DELETED"]) == _uids(office)
    assert len(_uids(office, ON_SERVER)) == 1


@pytest.mark.django_db
def test_nothing_leaves_the_mailbox_when_storing_fails(mailbox, office, settings, tmp_path):
    office.append(_raw(1))
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker  # the raw store cannot write
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 0  # raw bytes go to the blocked file store

    with pytest.raises(OSError):
        imap.poll_mailbox(mailbox)

    assert not InboundMessage.objects.exists()
    assert len(_uids(office, criteria=["UNSEEN"])) == 1
    mailbox.refresh_from_db()
    assert mailbox.last_error


@pytest.mark.django_db
def test_wrong_password_is_recorded_on_the_mailbox(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password="wrong")
    mailbox.refresh_from_db()
    with pytest.raises(Exception, match=r"(?i)auth"):
        imap.poll_mailbox(mailbox)
    mailbox.refresh_from_db()
    assert "LoginError" in mailbox.last_error


@pytest.mark.django_db
def test_poll_command_once_reports_per_mailbox(mailbox, office, capsys):
    office.append(_raw(1))
    call_command("mail", "poll", "--once", "--mailbox", str(mailbox.pk))
    assert "1 fetched, 1 new, 1 handled" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_citizen_mail_becomes_a_case_and_the_acknowledgement_reaches_them(
        mailbox, office, mail_account, settings, smtp_relay):
    settings.EMAIL_PORT = smtp_relay.port
    citizen = mail_account()
    office.append(_raw(1, sender=citizen.address, subject="Rupa na putu"))

    imap.poll_mailbox(mailbox)
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)  # intake
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)  # outbox

    inbound = InboundMessage.objects.get()
    case = Case.objects.get(pk=inbound.case_id)
    ack = OutboundMessage.objects.get(case=case, purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT)
    assert ack.state == OutboundMessage.State.SENT
    [mail] = citizen.messages()
    assert case.registry_number in mail["Subject"]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"] == f"<{inbound.external_id}>"


@pytest.mark.django_db(transaction=True)
def test_watcher_with_idle_picks_up_new_mail_at_once(mailbox, office):
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_seconds=600, use_idle=True)
    mailbox.refresh_from_db()
    stop = threading.Event()
    watcher = imap.MailboxWatcher(mailbox, stop)
    watcher.start()
    try:
        time.sleep(0.5)  # connected and idling
        office.append(_raw(1))
        deadline = time.monotonic() + 10
        while not InboundMessage.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        watcher.join(timeout=15)
        connection.close()
    assert InboundMessage.objects.count() == 1
    assert not watcher.is_alive()
