"""What the case page's reply-by-SMS panel shows: whom a text would reach, the texts sent
on the case with their delivery state, and the counter's limits."""

from django.conf import settings

from salter.cases.models import CaseParty, Channel
from salter.channels.sms import gsm
from salter.channels.sms.limits import opted_out
from salter.channels.sms.models import SmsSettings


def panel_context(case, parties=None) -> dict:
    """`parties`: the case's parties with their clients when the page has them already
    (the case page's own list, evaluated once for both)."""
    from salter.channels.models import OutboundMessage
    from salter.channels.sms.actions import mobile_of

    # One query for the parties; the number, the client's STOP and the municipality's
    # script choice only matter when there is a number to text.
    if parties is None:
        parties = case.parties.select_related("client").order_by("pk")
    parties = sorted(parties, key=lambda p: p.pk)
    party = next((p for p in parties if p.role == CaseParty.Role.SUBMITTER),
                 parties[0] if parties else None)
    point = mobile_of(party.client, case) if party is not None else None
    return {
        "sms_client": party.client if party is not None else None,
        "sms_number": point.value if point is not None else "",
        "sms_opted_out": opted_out(party.client) if point is not None else False,
        "sms_plain_latin": _plain_latin(case) if point is not None else False,
        "sms_sent": OutboundMessage.objects.filter(
            municipality_id=case.municipality_id, case=case, channel=Channel.SMS),
        "sms_max_parts": gsm.MAX_PARTS,
    }


def _plain_latin(case) -> bool:
    stored = SmsSettings.objects.filter(municipality_id=case.municipality_id).first()
    return stored.plain_latin if stored is not None else settings.SALTER_SMS_PLAIN_LATIN
