"""The SMS channel's adapter: a stored Kannel request (an MO, the parts of a concatenated
one, a delivery report) into a neutral intake item, and an outbound message onto
Kannel's sendsms.

What only SMS has is decided here: numbers in E.164 (alphanumeric sender ids kept as
they came and never answered), the text decoded from its coding, the parts of a long
message put together, STOP/START, no acknowledgement to a number that texts too often or
from abroad, a text that names no case continuing the sender's only open case, and on
the way out the coding, the optional Latin without diacritics, the opt-out and the
municipality's daily limit.
"""

import datetime
import urllib.parse
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salter.cases.models import Channel
from salter.channels.adapters import Adapter, PermanentFailure, TemporaryFailure
from salter.channels.sms import gsm, kannel, webhook
from salter.channels.sms.text import normalise_number, opt_out_word, plain_latin
from salter.clients.models import ContactPoint
from salter.intake.items import DeliveryReport, Item, Sender, Unreadable
from salter.lang.deferred import Deferred
from salter.lang.detection import detect_language

DLR_MAGIC = b"KANNEL-DLR/1"
# An SMSC's time stamp further from when Kannel handed the text over is a wrong clock.
_PLAUSIBLE_PAST = datetime.timedelta(days=3)
_PLAUSIBLE_FUTURE = datetime.timedelta(minutes=10)


def dlr_envelope(query: str) -> bytes:
    return DLR_MAGIC + b"\nQuery: " + query.encode("latin-1", "replace") + b"\n"


def read_dlr(raw: bytes) -> dict[str, str]:
    line = raw.split(b"\n")[1].decode("latin-1")
    query = line.partition(": ")[2]
    return {name: values[0] for name, values in
            urllib.parse.parse_qs(query, keep_blank_values=True).items()}


# A webhook's status as the Kannel report type it means.
WEBHOOK_DLR = {"delivered": kannel.DLR_DELIVERED, "failed": kannel.DLR_FAILED,
               "buffered": kannel.DLR_BUFFERED, "sent": kannel.DLR_SMSC_ACCEPTED}


def webhook_mo(data: dict) -> kannel.Mo:
    """A webhook's MO as the Kannel MO it is, in UTF-8."""
    stamp = data.get("time")
    return kannel.Mo(sender=data["from"][:64], receiver=data["to"][:64],
                     text_bytes=data["text"].encode("utf-8"), coding="0", charset="UTF-8",
                     udh=b"", smsc="webhook",
                     time=stamp if isinstance(stamp, int) and not isinstance(stamp, bool)
                     else None, kannel_id=f"webhook:{data['id'][:80]}")


def report_state(dlr_type: str) -> str | None:
    """Kannel's report type to the outbox state: delivered, failed, buffered, or sent
    (accepted by the SMSC); None for a type Kannel does not send."""
    from salter.channels.models import OutboundMessage

    State = OutboundMessage.State
    try:
        value = int(dlr_type)
    except ValueError:
        return None
    for bit, state in ((kannel.DLR_DELIVERED, State.DELIVERED),
                       (kannel.DLR_FAILED, State.FAILED),
                       (kannel.DLR_SMSC_REJECTED, State.FAILED),
                       (kannel.DLR_BUFFERED, State.BUFFERED),
                       (kannel.DLR_SMSC_ACCEPTED, State.SENT)):
        if value & bit:
            return state
    return None


class SmsAdapter(Adapter):
    channel = Channel.SMS
    acknowledgement = "sms"
    processing_tasks = ("salter.channels.sms.tasks.process_texts",)

    # --- in ---------------------------------------------------------------------------------

    def interpret(self, inbound, raw: bytes, context) -> Item:
        if raw.startswith(DLR_MAGIC):
            return self._report(inbound, read_dlr(raw))
        try:
            if raw.startswith(webhook.MAGIC):
                data = webhook.read(raw[len(webhook.MAGIC):])
                if data["type"] == "dlr":
                    return self._report(inbound, {
                        "id": data["message_id"], "reply": str(data.get("reason", ""))[:200],
                        "type": str(WEBHOOK_DLR[data["status"]])})
                mo = webhook_mo(data)
                text = mo.text()
                external_id = f"sms:{mo.idempotency_key()}"
            elif raw.startswith(kannel.PARTS_MAGIC):
                parts = [mo for _seq, mo in sorted(kannel.read_parts(raw),
                                                   key=lambda p: p[0])]
                mo, text = parts[0], kannel.joined_text(parts)
                external_id = f"sms:parts:{mo.idempotency_key()}"
            else:
                mo = kannel.read_mo(raw)
                if mo.concat is not None:
                    return self._part(inbound, mo)
                text = mo.text()
                external_id = f"sms:{mo.idempotency_key()}"
        except kannel.Malformed as exc:
            raise Unreadable(exc.reason) from exc
        text = text.strip()
        if not text:
            raise Unreadable(Deferred(gettext_noop("The text message is empty.")))
        number = normalise_number(mo.sender)
        sms = self._settings(context.municipality)
        facts = {"sms": {"from": mo.sender, "to": mo.receiver, "coding": mo.coding,
                         "charset": mo.charset, "smsc": mo.smsc, "kannel_id": mo.kannel_id,
                         "parts": len(parts) if raw.startswith(kannel.PARTS_MAGIC) else 1}}
        sender = self._sender(inbound, number, sms, facts["sms"])
        word = opt_out_word(text)
        if word and sender.known:
            from salter.channels.sms.actions import record_opt_out

            record_opt_out(municipality=context.municipality, number=sender.value,
                           given=word == "start", inbound=inbound, text=text)
            return Item(sender=sender, text=text, full_text=text, marks_text="",
                        language=detect_language(text), facts=facts,
                        external_id=external_id,
                        automatic=Deferred(gettext_noop(
                            "%(word)s: the sender stopped text messages; recorded on the "
                            "client and confirmed by SMS.") if word == "stop" else gettext_noop(
                            "%(word)s: the sender resumed text messages; recorded on the "
                            "client and confirmed by SMS."), {"word": text.upper()[:20]}))
        window = (datetime.timedelta(hours=sms.recent_case_hours)
                  if sms.recent_case_hours else None)
        return Item(sender=sender, text=text, full_text=text,
                    language=detect_language(text),
                    external_id=external_id, marks_text=text,
                    recent_case_window=window,
                    sent_at=_sent_at(mo.time, inbound.received_at), facts=facts)

    def _settings(self, municipality):
        from salter.channels.sms.models import SmsSettings

        return SmsSettings.of(municipality)

    def _sender(self, inbound, number, sms, facts: dict) -> Sender:
        if not number.e164:
            # Withheld, unreadable or a name (a bank's sender id): kept as given, never
            # answered; without a number nobody can be registered as the client.
            facts["alphanumeric"] = number.alphanumeric
            return Sender(kind=ContactPoint.Kind.PHONE if number.alphanumeric else "",
                          value="", shown=number.given, answerable=False)
        answerable = True
        if number.foreign:
            facts["foreign"] = True
            answerable = False
        if answerable and sms.hourly_acknowledged:
            recent = _texts_in_the_hour(inbound, number.e164)
            if recent >= sms.hourly_acknowledged:
                facts["not_acknowledged"] = "hourly"
                facts["texts_in_the_hour"] = recent + 1
                answerable = False
        return Sender(kind=ContactPoint.Kind.PHONE, value=number.e164, shown=number.given,
                      answerable=answerable)

    def _part(self, inbound, mo) -> Item:
        concat = mo.concat
        return Item(
            sender=Sender(shown=mo.sender, answerable=False),
            text="", automatic=Deferred(gettext_noop(
                "Part %(seq)d of %(total)d of a longer text message; it is taken in "
                "with the other parts as one message."),
                {"seq": concat.seq, "total": concat.total}),
            facts={"sms": {"from": mo.sender, "to": mo.receiver, "part": concat.seq,
                           "total": concat.total, "reference": concat.reference}})

    def _report(self, inbound, fields: dict) -> Item:
        from salter.channels.models import OutboundMessage

        message_id = fields.get("id", "")
        state = report_state(fields.get("type", ""))
        reply = fields.get("reply", "")[:200]
        facts = {"dlr": {"id": message_id, "type": fields.get("type", ""), "reply": reply}}
        known = OutboundMessage.objects.filter(
            municipality_id=inbound.municipality_id, channel=Channel.SMS,
            external_id=message_id).exists() if message_id else False
        automatic = ""
        if state is None:
            automatic = Deferred(gettext_noop(
                "A delivery report of a kind Kannel does not send (type %(type)s)."),
                {"type": fields.get("type", "")[:10]})
        elif not known:
            automatic = Deferred(gettext_noop(
                "A delivery report for message %(id)s, which Šalter did not send."),
                {"id": message_id[:60]})
        if automatic:
            return Item(sender=Sender(), automatic=automatic, facts=facts)
        reason = {OutboundMessage.State.FAILED: "Kannel: not delivered",
                  OutboundMessage.State.BUFFERED: "Kannel: buffered by the SMSC",
                  OutboundMessage.State.DELIVERED: "Kannel: delivered",
                  OutboundMessage.State.SENT: "Kannel: accepted by the SMSC"}[state]
        if reply:
            reason = f"{reason} ({reply})"
        return Item(sender=Sender(), facts=facts,
                    report=DeliveryReport(state=state, external_ids=(message_id,),
                                          reason=reason))

    # --- out --------------------------------------------------------------------------------

    def recipient(self, value: str) -> str:
        number = normalise_number(value)
        if not number.e164:
            raise ValidationError(_("Enter a valid mobile number, e.g. 064 123 4567."))
        return number.e164

    def new_external_id(self) -> str:
        return uuid.uuid4().hex

    def send(self, message) -> str:
        from salter.channels.sms.limits import refusal

        problem = refusal(message)
        if problem is not None:
            raise PermanentFailure(str(problem), problem)
        text = text_to_send(message.municipality, message.body_text)
        if gsm.segments(text).parts > gsm.MAX_PARTS:
            reason = Deferred(gettext_noop(
                "The text is longer than %(n)d messages; shorten it."), {"n": gsm.MAX_PARTS})
            raise PermanentFailure(str(reason), reason)
        endpoint = message.endpoint if message.endpoint_id else None
        base = settings.SALTER_SMS_CALLBACK_URL
        params = kannel.sendsms_query(
            sender=endpoint.address if endpoint is not None else "",
            recipient=message.recipient, text=text,
            dlr=kannel.dlr_url(base, message.municipality.slug, message.external_id))
        try:
            answer = kannel.send_sms(params)
        except kannel.SendError as exc:
            if exc.temporary:
                raise TemporaryFailure(str(exc), Deferred(gettext_noop(
                    "The SMS gateway could not be reached or refused for now (%(detail)s)."),
                    {"detail": str(exc)[:200]})) from exc
            raise PermanentFailure(str(exc), Deferred(gettext_noop(
                "The SMS gateway refused the message (%(detail)s)."),
                {"detail": str(exc)[:200]})) from exc
        if not answer.startswith(("0:", "3:")):
            raise TemporaryFailure(answer, Deferred(gettext_noop(
                "The SMS gateway answered %(answer)s."), {"answer": answer[:200]}))
        return message.external_id


def text_to_send(municipality, text: str) -> str:
    """The text as it goes out: in Latin without diacritics where the municipality chose
    it and the text would otherwise need UCS-2."""
    from salter.channels.sms.models import SmsSettings

    text = (text or "").strip()
    if gsm.fits_gsm7(text) or not SmsSettings.of(municipality).plain_latin:
        return text
    return plain_latin(text)


def _texts_in_the_hour(inbound, e164: str) -> int:
    from salter.channels.models import InboundMessage

    since = (inbound.received_at or timezone.now()) - datetime.timedelta(hours=1)
    return (InboundMessage.objects.filter(
        municipality_id=inbound.municipality_id, channel=Channel.SMS, sender=e164,
        received_at__gte=since, received_at__lte=inbound.received_at)
        .exclude(pk=inbound.pk).count())


def _sent_at(stamp: int | None, received_at):
    if stamp is None or received_at is None:
        return None
    try:
        sent = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if received_at - _PLAUSIBLE_PAST <= sent <= received_at + _PLAUSIBLE_FUTURE:
        return min(sent, received_at)
    return None
