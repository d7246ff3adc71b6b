"""Reading the municipalities' IMAP mailboxes into the intake pipeline.

A message leaves the mailbox folder (moved to `processed_folder`, or flagged \\Seen when
there is none) only after `accept_email` has committed it, and it is fetched with
BODY.PEEK so that reading does not mark it: a crash anywhere leaves it where the next pass
finds it again, and the idempotency key turns that second delivery into a no-op.

With a processed folder every message still in the watched folder is unhandled, read or
not (a clerk may have opened it in webmail), so all of them are taken; without one, only
the unseen ones.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone
from imapclient import IMAPClient

from salter.channels.models import Mailbox

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
TIMEOUT_SECONDS = 60
# IMAP servers drop an IDLE after 30 minutes (RFC 2177); renew it well before.
IDLE_RENEW_SECONDS = 25 * 60
MAX_BACKOFF_SECONDS = 300
SEEN = b"\\Seen"


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0  # new InboundMessage rows; the rest were already stored
    handled: int = 0  # moved or marked in the mailbox


def connect(mailbox: Mailbox) -> IMAPClient:
    client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl,
                        timeout=TIMEOUT_SECONDS)
    client.login(mailbox.imap_username, mailbox.imap_password)
    return client


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """One pass over one mailbox: connect, take everything waiting, disconnect."""
    try:
        with connect(mailbox) as client:
            result = take_waiting(client, mailbox)
    except Exception as exc:
        record_status(mailbox, error=exc)
        raise
    record_status(mailbox)
    return result


def take_waiting(client: IMAPClient, mailbox: Mailbox) -> PollResult:
    """Accept every waiting message of the selected mailbox, batch by batch."""
    target = ensure_folder(client, mailbox.processed_folder) if mailbox.processed_folder else ""
    client.select_folder(mailbox.folder)
    criteria = ["NOT", "DELETED"] if mailbox.processed_folder else ["UNSEEN", "NOT", "DELETED"]
    uids = client.search(criteria)
    result = PollResult()
    for start in range(0, len(uids), BATCH_SIZE):
        batch = uids[start:start + BATCH_SIZE]
        fetched = client.fetch(batch, [b"BODY.PEEK[]"])
        raws = {uid: data[b"BODY[]"] for uid, data in fetched.items() if b"BODY[]" in data}
        result.fetched += len(raws)
        result.stored += accept(mailbox, raws)
        mark_handled(client, sorted(raws), target)
        result.handled += len(raws)
    return result


def accept(mailbox: Mailbox, raws: dict[int, bytes]) -> int:
    """Store the batch durably; returns how many were new. Raises if nothing was stored,
    and then nothing may be moved."""
    from salter.channels.email.accept import accept_emails

    results = accept_emails(municipality=mailbox.municipality, raws=list(raws.values()),
                            source=f"imap:{mailbox.address}", endpoint=mailbox.endpoint)
    return sum(1 for accepted in results if accepted.created)


def server_folder(client: IMAPClient, folder: str) -> str:
    """The configured name with "/" as hierarchy separator, in the server's own separator
    (Dovecot's maildir uses ".", Exchange "/")."""
    [(_flags, delimiter, _name)] = client.list_folders("", "")[:1] or [((), b"/", "")]
    if isinstance(delimiter, bytes):
        delimiter = delimiter.decode()
    return folder.replace("/", delimiter) if delimiter else folder


def ensure_folder(client: IMAPClient, folder: str) -> str:
    folder = server_folder(client, folder)
    if not client.folder_exists(folder):
        client.create_folder(folder)
        client.subscribe_folder(folder)
    return folder


def mark_handled(client: IMAPClient, uids: list[int], target: str, *,
                 use_move: bool | None = None) -> None:
    """Flag the messages \\Seen and move them to `target` (a server folder name), if any."""
    if not uids:
        return
    client.add_flags(uids, [SEEN])
    if not target:
        return
    if use_move is None:
        use_move = client.has_capability("MOVE")
    if use_move:
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)  # only ours, not what a clerk flagged for deletion
    else:
        client.expunge()


def record_status(mailbox: Mailbox, *, error: Exception | None = None) -> None:
    text = f"{type(error).__name__}: {error}"[:2000] if error else ""
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(),
                                                 last_error=text)


# --- watching -------------------------------------------------------------------------------


class MailboxWatcher(threading.Thread):
    """Keeps one mailbox drained: IDLE when the server offers it (and the mailbox wants
    it), else polling every `poll_seconds`; reconnects with growing pauses after errors."""

    def __init__(self, mailbox: Mailbox, stop: threading.Event):
        super().__init__(name=f"imap-{mailbox.pk}", daemon=True)
        self.mailbox = mailbox
        self.stop_event = stop

    def run(self) -> None:
        failures = 0
        while not self.stop_event.is_set():
            try:
                with connect(self.mailbox) as client:
                    failures = 0
                    self._drain_forever(client)
            except Exception as exc:
                failures += 1
                pause = min(2 ** failures, MAX_BACKOFF_SECONDS)
                logger.warning("mailbox %s: %s; reconnecting in %ss", self.mailbox, exc, pause)
                record_status(self.mailbox, error=exc)
                self.stop_event.wait(pause)
            finally:
                close_old_connections()

    def _drain_forever(self, client: IMAPClient) -> None:
        idle = self.mailbox.use_idle and client.has_capability("IDLE")
        while not self.stop_event.is_set():
            result = take_waiting(client, self.mailbox)
            record_status(self.mailbox)
            if result.fetched:
                logger.info("mailbox %s: %s fetched, %s new", self.mailbox, result.fetched,
                            result.stored)
            close_old_connections()
            if idle:
                self._idle(client)
            else:
                self.stop_event.wait(self.mailbox.poll_seconds)
                client.noop()

    def _idle(self, client: IMAPClient) -> None:
        """Wait until the server reports a change, a stop request, or `poll_seconds`: a
        message that arrived between our search and the IDLE is not announced, so the
        interval still applies as a safety net."""
        started = time.monotonic()
        limit = min(IDLE_RENEW_SECONDS, self.mailbox.poll_seconds)
        client.idle()
        try:
            while not self.stop_event.is_set():
                if client.idle_check(timeout=min(5, self.mailbox.poll_seconds)):
                    return
                if time.monotonic() - started > limit:
                    return
        finally:
            client.idle_done()


def watch(mailboxes, stop: threading.Event | None = None) -> None:
    """Watch the mailboxes until `stop` is set (the command sets it on SIGTERM/SIGINT)."""
    stop = stop or threading.Event()
    watchers = [MailboxWatcher(mailbox, stop) for mailbox in mailboxes]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        while watcher.is_alive():
            watcher.join(timeout=1)


def active_mailboxes(mailbox_id: int | None = None):
    qs = Mailbox.objects.filter(is_active=True, municipality__is_active=True)
    if mailbox_id is not None:
        qs = qs.filter(pk=mailbox_id)
    return list(qs.select_related("municipality", "endpoint__department"))
