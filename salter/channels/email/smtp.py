"""An SMTP receiver a municipal mail server can forward to (aiosmtpd).

It answers 250 only after the message is committed by `accept_email`, so the sending
server keeps the responsibility until Šalter has the bytes; any trouble on our side is a
451, which makes it try again later. Recipients are checked at RCPT time against the
active e-mail endpoints and municipal addresses, so mail for anyone else is refused (550) while
the sender can still tell its user. The SIZE extension announces the size limit (552
above it).

Replies are SMTP protocol text, read by mail servers and their logs, so they are plain
ASCII English and not translated.
"""

import logging
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from salter.cases.models import Channel
from salter.channels.models import Endpoint
from salter.tenancy.models import Municipality

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    municipality: Municipality
    endpoint: Endpoint | None


def find_recipient(address: str) -> Recipient | None:
    address = address.strip().lower()
    endpoint = (Endpoint.objects.filter(channel=Channel.EMAIL, address=address,
                                        is_active=True, municipality__is_active=True)
                .select_related("municipality").first())
    if endpoint is not None:
        return Recipient(endpoint.municipality, endpoint)
    municipality = Municipality.objects.active().filter(email__iexact=address).first()
    return Recipient(municipality, None) if municipality is not None else None


def store(recipients: list[Recipient], raw: bytes) -> None:
    """One stored copy per municipality addressed, whichever of its addresses was used."""
    from salter.channels.email.accept import accept_email

    seen = set()
    for recipient in recipients:
        if recipient.municipality.pk in seen:
            continue
        seen.add(recipient.municipality.pk)
        accept_email(municipality=recipient.municipality, raw=raw, source="smtp",
                     endpoint=recipient.endpoint)


def _in_worker_thread(func, *args):
    """Run ORM work off the event loop, closing the connection after it (with the
    default CONN_MAX_AGE=0) as a request would."""

    def run():
        close_old_connections()
        try:
            return func(*args)
        finally:
            close_old_connections()

    return sync_to_async(run)()


class IntakeHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        try:
            recipient = await _in_worker_thread(find_recipient, address)
        except Exception:
            logger.exception("SMTP: looking up %s failed", address)
            return "451 4.3.0 Temporary failure, please try again later"
        if recipient is None:
            return f"550 5.1.1 <{address}>: no such mailbox at this service"
        envelope.rcpt_tos.append(address)
        envelope.salter_recipients = [*getattr(envelope, "salter_recipients", []), recipient]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        try:
            await _in_worker_thread(store, envelope.salter_recipients, raw)
        except Exception:
            logger.exception("SMTP: storing a message from %s failed", envelope.mail_from)
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message stored"


def make_controller(host: str, port: int) -> Controller:
    return Controller(IntakeHandler(), hostname=host, port=port, decode_data=False,
                      enable_SMTPUTF8=True,
                      data_size_limit=settings.SALTER_MAIL_MAX_MESSAGE_BYTES)
