"""What the case page's reply-by-SMS panel shows: whom a text would reach, the texts sent
on the case with their delivery state, and the counter's limits."""

from salter.cases.models import CaseParty, Channel
from salter.channels.sms import gsm
from salter.channels.sms.limits import opted_out
from salter.channels.sms.models import SmsSettings


def panel_context(case) -> dict:
    from salter.channels.models import OutboundMessage
    from salter.channels.sms.actions import mobile_of

    parties = case.parties.select_related("client").order_by("pk")
    party = parties.filter(role=CaseParty.Role.SUBMITTER).first() or parties.first()
    point = mobile_of(party.client, case) if party is not None else None
    return {
        "sms_client": party.client if party is not None else None,
        "sms_number": point.value if point is not None else "",
        "sms_opted_out": opted_out(party.client) if party is not None else False,
        "sms_plain_latin": SmsSettings.of(case.municipality).plain_latin,
        "sms_sent": OutboundMessage.objects.filter(
            municipality_id=case.municipality_id, case=case, channel=Channel.SMS),
        "sms_max_parts": gsm.MAX_PARTS,
    }
