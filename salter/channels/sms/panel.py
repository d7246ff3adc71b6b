"""What the case page's reply-by-SMS panel shows: whom a text would reach, the texts sent
on the case with their delivery state, and the counter's limits."""

from django.conf import settings
from django.db.models import OuterRef, Subquery

from salter.cases.models import CaseParty, Channel
from salter.channels.sms import gsm
from salter.channels.sms.limits import sms_statements
from salter.channels.sms.models import SmsSettings


def panel_context(case, parties=None, *, received=None, sent=None) -> dict:
    """`parties` (the case's parties with their clients), `received` and `sent` (the
    case's inbound and outbound messages) when the page has read them already: the case
    page's own lists, read once for every panel."""
    from salter.channels.models import OutboundMessage

    if parties is None:
        parties = case.parties.select_related("client").order_by("pk")
    parties = sorted(parties, key=lambda p: p.pk)
    party = next((p for p in parties if p.role == CaseParty.Role.SUBMITTER),
                 parties[0] if parties else None)
    point = _number(party.client, case, received) if party is not None else None
    if sent is None:
        sent = OutboundMessage.objects.filter(
            municipality_id=case.municipality_id, case=case, channel=Channel.SMS)
    else:
        sent = [m for m in sent if m.channel == Channel.SMS]
    return {
        "sms_client": party.client if party is not None else None,
        "sms_number": point.value if point is not None else "",
        "sms_opted_out": point.latest_word is False if point is not None else False,
        "sms_plain_latin": _plain_latin(point.plain_latin) if point is not None else False,
        "sms_sent": sent,
        "sms_max_parts": gsm.MAX_PARTS,
    }


def _number(client, case, received):
    """The number a text would go to, read in one statement with what else matters only
    when there is one: the client's latest word on texts (`latest_word`: False after a
    STOP) and the municipality's script choice (`plain_latin`)."""
    from salter.channels.sms.actions import mobile_of, phone_points

    points = list(phone_points(client).annotate(
        latest_word=Subquery(sms_statements(OuterRef("client_id")).values("given")[:1]),
        plain_latin=Subquery(SmsSettings.objects.filter(
            municipality_id=case.municipality_id).values("plain_latin")[:1])))
    return mobile_of(client, case, points=points, received=received)


def _plain_latin(stored) -> bool:
    return stored if stored is not None else settings.SALTER_SMS_PLAIN_LATIN
