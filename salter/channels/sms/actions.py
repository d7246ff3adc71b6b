"""Changes the SMS channel makes: a citizen's STOP or START, and staff answering a case
by text message."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salter.cases.models import Case, CaseParty, Channel
from salter.channels.sms import gsm, limits
from salter.clients.models import Client, Consent, ContactPoint
from salter.intake.acknowledgements import signature
from salter.lang.detection import detect_language
from salter.tenancy.access import require
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Language
from salter.tenancy.roles import Perm


def _confirmation(municipality, language: str, *, given: bool) -> str:
    with translation.override(language):
        name = signature(municipality, language)
        if given:
            return _("%(name)s: text messages to this number are on again. Text STOP to "
                     "stop them.") % {"name": name}
        return _("%(name)s: you will get no more text messages from us. Text START to "
                 "have them again.") % {"name": name}


@transaction.atomic
def record_opt_out(*, municipality, number: str, given: bool, inbound, text: str) -> Consent:
    """The sender of `inbound` said STOP (given=False) or START: recorded on their client
    (registered now if the number is new) as a consent statement for SMS, with the
    message as evidence, and confirmed by a text. Once per message: processing the same
    message again changes nothing."""
    from salter.channels.outbox import queue_message
    from salter.clients.actions import create_client
    from salter.clients.consent import record_consent

    actor = SystemActor(municipality=municipality, label="intake:sms")
    earlier = Consent.objects.filter(municipality=municipality,
                                     inbound_message_id=inbound.pk).first()
    if earlier is not None:
        return earlier
    language = detect_language(text) or Language.SR_LATN
    point = (ContactPoint.objects.filter(municipality=municipality,
                                         kind=ContactPoint.Kind.PHONE, value=number)
             .select_related("client").first())
    client = point.client if point is not None else create_client(
        actor=actor, kind=Client.Kind.PERSON, language=language,
        contacts=[(ContactPoint.Kind.PHONE, number)])
    consent = record_consent(actor=actor, client=client, channel=Channel.SMS, given=given,
                             how=text.strip()[:300], source="sms", inbound=inbound,
                             at=inbound.received_at)
    queue_message(actor=actor, case=None, client=client, recipient=number, subject="",
                  body=_confirmation(municipality, client.language or language, given=given),
                  purpose="notice", inbound=inbound, language=client.language or language,
                  channel=Channel.SMS, endpoint=inbound.endpoint_id)
    return consent


def phone_points(client: Client):
    """The client's working telephone numbers, oldest first."""
    return ContactPoint.objects.filter(client=client, kind=ContactPoint.Kind.PHONE,
                                       is_failing=False).order_by("pk")


def mobile_of(client: Client, case: Case, *, points=None, received=None
              ) -> ContactPoint | None:
    """The number to text: the one the client texted this case from, else their first
    working telephone number. `points` (the client's `phone_points`) and `received` (the
    case's inbound messages) when the caller has read them already."""
    from salter.channels.models import InboundMessage

    points = list(phone_points(client)) if points is None else points
    if len(points) < 2:
        return points[0] if points else None
    if received is None:
        texted = set(InboundMessage.objects.filter(
            municipality_id=case.municipality_id, case=case, channel=Channel.SMS,
            client=client).values_list("sender", flat=True))
    else:
        texted = {m.sender for m in received
                  if m.channel == Channel.SMS and m.client_id == client.pk}
    for point in points:
        if point.value in texted:
            return point
    return points[0] if points else None


@transaction.atomic
def reply_by_sms(*, actor, case: Case, body: str):
    """Text the case's submitter from the case page, from the number they texted; the
    outbox sends it after commit. Refused with the reason (a ValidationError naming
    `body`) when the client has no number, said STOP, the text is longer than ten
    messages, or the municipality's daily limit is reached."""
    from salter.channels.models import InboundMessage, OutboundMessage
    from salter.channels.outbox import queue_message
    from salter.procedures import actions as deadlines

    require(actor, Perm.EDIT_CASE)
    if case.municipality_id != actor.municipality.pk:
        raise ValidationError(_("Choose a case of this municipality."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write the text message.")]})
    parties = case.parties.select_related("client").order_by("pk")
    party = parties.filter(role=CaseParty.Role.SUBMITTER).first() or parties.first()
    if party is None:
        raise ValidationError({"body": [_("The case has no client to text.")]})
    point = mobile_of(party.client, case)
    if point is None:
        raise ValidationError({"body": [
            _("%(client)s has no telephone number to text.") % {"client": party.client}]})
    if limits.opted_out(party.client):
        raise ValidationError({"body": [_(
            "%(client)s stopped text messages (STOP); they can be texted again once they "
            "send START.") % {"client": party.client}]})
    from salter.channels.sms.adapter import text_to_send

    if gsm.segments(text_to_send(case.municipality, body)).parts > gsm.MAX_PARTS:
        raise ValidationError({"body": [_(
            "The text is longer than %(n)d messages; shorten it.") % {"n": gsm.MAX_PARTS}]})
    over = limits.over_daily_limit(case.municipality)
    if over is not None:
        raise ValidationError({"body": [str(over)]})
    last = (InboundMessage.objects.filter(municipality_id=case.municipality_id, case=case,
                                          channel=Channel.SMS, sender=point.value)
            .order_by("-received_at", "-pk").first())
    message = queue_message(actor=actor, case=case, client=party.client,
                            recipient=point.value, subject="", body=body,
                            purpose=OutboundMessage.Purpose.REPLY, inbound=last,
                            language=case.language, channel=Channel.SMS,
                            endpoint=last.endpoint_id if last is not None else None)
    deadlines.meet_first_response(actor=actor, case=case, at=timezone.now())
    return message
