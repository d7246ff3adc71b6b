"""`salter mail …`: the e-mail channel's long-running processes and chores.

  poll [--once] [--mailbox ID]   read the IMAP mailboxes (IDLE or interval) into intake
  smtpd [--host H] [--port P]    receive forwarded mail over SMTP into intake
  send-due                       send outbox messages whose time has come (retries)
  devserver                      local Dovecot + SMTP relay for demos (not for production)
  sink [--port P]                keep every message sent to it as a file (demos only)
"""

import signal
import tempfile
import threading

from django.core.management.base import BaseCommand, CommandError

from salter.channels.email import imap


class Command(BaseCommand):
    help = "E-mail channel: IMAP polling, SMTP receiver, outbox retries, demo mail servers."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="Read the active IMAP mailboxes into intake.")
        poll.add_argument("--once", action="store_true",
                          help="One pass over each mailbox, then exit.")
        poll.add_argument("--mailbox", type=int, help="Only this mailbox (id).")
        smtpd = sub.add_parser("smtpd", help="Receive mail over SMTP into intake.")
        smtpd.add_argument("--host", default="127.0.0.1")
        smtpd.add_argument("--port", type=int, default=2525)
        sub.add_parser("send-due", help="Send queued and retrying outbox messages now due.")
        dev = sub.add_parser("devserver", help="Start Dovecot and an SMTP relay for demos.")
        dev.add_argument("--user", action="append", default=[], metavar="ADDRESS:PASSWORD",
                         help="A mail account; repeat for more.")
        dev.add_argument("--imap-port", type=int, default=0)
        dev.add_argument("--smtp-port", type=int, default=0)
        sink = sub.add_parser("sink", help="Keep every message sent to it (demos only).")
        sink.add_argument("--port", type=int, default=8025)

    def handle(self, *args, action, **options):
        getattr(self, "handle_" + action.replace("-", "_"))(**options)

    def handle_poll(self, *, once, mailbox, **options):
        mailboxes = imap.active_mailboxes(mailbox)
        if not mailboxes:
            raise CommandError("No active mailbox to read.")
        if once:
            failed = False
            for box in mailboxes:
                try:
                    result = imap.poll_mailbox(box)
                except Exception as exc:
                    failed = True
                    self.stderr.write(f"{box.address}: {type(exc).__name__}: {exc}")
                    continue
                self.stdout.write(f"{box.address}: {result.fetched} fetched, "
                                  f"{result.stored} new, {result.handled} handled")
            if failed:
                raise CommandError("Some mailboxes could not be read.")
            return
        stop = _stop_on_signals()
        self.stdout.write(f"Watching {len(mailboxes)} mailbox(es); Ctrl-C stops.")
        imap.watch(mailboxes, stop)

    def handle_smtpd(self, *, host, port, **options):
        from salter.channels.email.smtp import make_controller

        controller = make_controller(host, port)
        controller.start()
        self.stdout.write(f"SMTP receiver on {host}:{port}; Ctrl-C stops.")
        try:
            _stop_on_signals().wait()
        finally:
            controller.stop()

    def handle_send_due(self, **options):
        from salter.channels.outbox import send_due

        outcomes = send_due()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items()))
                          or "Nothing due.")

    def handle_devserver(self, *, user, imap_port, smtp_port, **options):
        from salter.channels.email.devservices import start_dovecot, start_smtp_relay

        users = dict(u.split(":", 1) for u in user) or {"citizen@example.net": "citizen"}
        workdir = tempfile.mkdtemp(prefix="salter-dovecot-")
        dovecot = start_dovecot(workdir, users, imap_port=imap_port)
        relay = start_smtp_relay(dovecot.lmtp_port, port=smtp_port)
        self.stdout.write(
            f"Dovecot IMAP on 127.0.0.1:{dovecot.imap_port} (work dir {workdir}); users: "
            f"{', '.join(users)}\nSMTP relay into it on 127.0.0.1:{relay.port}: "
            f"EMAIL_HOST=127.0.0.1 EMAIL_PORT={relay.port}\nCtrl-C stops.")
        try:
            _stop_on_signals().wait()
        finally:
            relay.stop()
            dovecot.stop()


    def handle_sink(self, *, port, **options):
        from salter.channels.email.sink import sink_dir, start_sink

        controller = start_sink(port=port)
        self.stdout.write(f"Mail sink on 127.0.0.1:{controller.port}, keeping messages in "
                          f"{sink_dir()}: EMAIL_HOST=127.0.0.1 EMAIL_PORT={controller.port}\n"
                          "Ctrl-C stops.")
        try:
            _stop_on_signals().wait()
        finally:
            controller.stop()


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: stop.set())
    return stop
