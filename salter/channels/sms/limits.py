"""What stops a text message from going out: the recipient's STOP and the municipality's
daily limit. Checked when staff send (a clear error on the case page) and again by the
adapter when the outbox sends (acknowledgements, messages queued before the limit)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from salter.cases.models import Channel
from salter.lang.deferred import Deferred

BELGRADE = "Europe/Belgrade"


def start_of_day(now=None) -> datetime.datetime:
    """Midnight of today in Belgrade, as an aware moment."""
    from zoneinfo import ZoneInfo

    local = timezone.localtime(now or timezone.now(), ZoneInfo(BELGRADE))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def sent_today(municipality, now=None) -> int:
    from salter.channels.models import OutboundMessage

    State = OutboundMessage.State
    return OutboundMessage.objects.filter(
        municipality=municipality, channel=Channel.SMS,
        state__in=(State.SENT, State.DELIVERED, State.BUFFERED),
        sent_at__gte=start_of_day(now)).count()


def over_daily_limit(municipality, now=None) -> Deferred | None:
    from salter.channels.sms.models import SmsSettings

    limit = SmsSettings.of(municipality).daily_limit
    if limit and sent_today(municipality, now) >= limit:
        return Deferred(gettext_noop(
            "The municipality's limit of %(limit)d text messages a day is reached; the "
            "message was not sent. Try again tomorrow or raise the limit."), {"limit": limit})
    return None


def sms_statements(client):
    """What the client said about text messages (STOP, START), the latest first;
    `client` may be an `OuterRef`."""
    from salter.clients.models import Consent

    return Consent.objects.filter(client=client, channel=Channel.SMS,
                                  purpose=Consent.Purpose.ALL).order_by("-at", "-id")


def opted_out(client, *, allow_inbound_id=None) -> bool:
    """Whether the client's latest word on SMS is STOP. The confirmation of that very
    STOP (`allow_inbound_id`, the STOP message) still goes out."""
    if client is None:
        return False
    latest = sms_statements(client).first()
    if latest is None or latest.given:
        return False
    return not (allow_inbound_id and latest.inbound_message_id == allow_inbound_id)


def _client_of(message):
    if message.client_id:
        return message.client
    from salter.clients.models import ContactPoint

    point = (ContactPoint.objects.filter(municipality_id=message.municipality_id,
                                         kind=ContactPoint.Kind.PHONE,
                                         value=message.recipient)
             .select_related("client").first())
    return point.client if point is not None else None


def refusal(message) -> Deferred | None:
    """Why the outbox must not send `message`, or None."""
    if opted_out(_client_of(message), allow_inbound_id=message.inbound_id):
        return Deferred(gettext_noop(
            "The recipient stopped text messages (STOP); nothing is sent to this number "
            "until they text START."))
    return over_daily_limit(message.municipality)
