"""The acknowledgement a client gets when their message opens a case: registry number,
tracking link and what happens next, in the language and script they wrote in, with a
variant for messages that arrive outside office hours.

The Cyrillic text is generated from the Serbian Latin one by the project's transliterator,
so the two can never say different things; placeholders are filled in afterwards, so
registry numbers, links and addresses stay as they are.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from salter.channels.models import OutboundMessage
from salter.lang.transliteration import to_cyrillic
from salter.tenancy.models import Language, Municipality

_SR_LATN = {
    "subject": "Potvrda prijema – {subject}",
    "subject_empty": "Potvrda prijema",
    "greeting": "Poštovani,",
    "received": "primili smo Vašu poruku „{subject}“ i zaveli je pod brojem {registry_number}.",
    "received_empty": "primili smo Vašu poruku i zaveli je pod brojem {registry_number}.",
    "after_hours": "Poruka je stigla van radnog vremena, pa će je nadležna služba preuzeti "
                   "prvog narednog radnog dana.",
    "handling_due": "Predmet je prosleđen nadležnoj službi, a rok za njegovo rešavanje je "
                    "{due_date}",
    "handling": "Predmet je prosleđen nadležnoj službi, koja će Vam odgovoriti u najkraćem "
                "mogućem roku.",
    "tracking": "Stanje predmeta možete pratiti na adresi:",
    "reply": "Ako nam budete pisali u vezi s ovim predmetom, odgovorite na ovu poruku ili u "
             "naslovu navedite broj {registry_number}.",
    "closing": "S poštovanjem,",
    "grad": "Grad {name}",
    "opstina": "Opština {name}",
}

_PLACEHOLDER = re.compile(r"(\{[a-z_]+\})")


def _cyrillic(latin: dict[str, str]) -> dict[str, str]:
    def convert(text: str) -> str:
        return "".join(part if _PLACEHOLDER.fullmatch(part) else to_cyrillic(part)
                       for part in _PLACEHOLDER.split(text))

    return {key: convert(text) for key, text in latin.items()}


TEXTS: dict[str, dict[str, str]] = {
    Language.SR_LATN: _SR_LATN,
    Language.SR_CYRL: _cyrillic(_SR_LATN),
    Language.HU: {
        "subject": "Átvételi visszaigazolás – {subject}",
        "subject_empty": "Átvételi visszaigazolás",
        "greeting": "Tisztelt Ügyfelünk!",
        "received": "„{subject}” tárgyú üzenetét megkaptuk, és {registry_number} "
                    "iktatószámon nyilvántartásba vettük.",
        "received_empty": "Üzenetét megkaptuk, és {registry_number} iktatószámon "
                          "nyilvántartásba vettük.",
        "after_hours": "Üzenete munkaidőn kívül érkezett, ezért az illetékes munkatársak a "
                       "következő munkanapon kezdik meg a feldolgozását.",
        "handling_due": "Ügyét továbbítottuk az illetékes szervezeti egységhez. Az ügyintézési "
                        "határidő: {due_date}",
        "handling": "Ügyét továbbítottuk az illetékes szervezeti egységhez, amely a lehető "
                    "legrövidebb időn belül válaszol Önnek.",
        "tracking": "Ügye állását az alábbi címen követheti nyomon:",
        "reply": "Ha ezzel az üggyel kapcsolatban ismét ír nekünk, kérjük, válaszoljon erre "
                 "az üzenetre, vagy a tárgysorban adja meg az iktatószámot "
                 "({registry_number}).",
        "closing": "Tisztelettel:",
        "grad": "{name} Város Önkormányzata",
        "opstina": "{name} Község Önkormányzata",
    },
    Language.EN: {
        "subject": "Acknowledgement of receipt – {subject}",
        "subject_empty": "Acknowledgement of receipt",
        "greeting": "Dear Sir or Madam,",
        "received": "We have received your message “{subject}” and registered it under "
                    "number {registry_number}.",
        "received_empty": "We have received your message and registered it under number "
                          "{registry_number}.",
        "after_hours": "Your message arrived outside office hours, so it will be taken up on "
                       "the next working day.",
        "handling_due": "It has been passed to the department responsible, and the deadline "
                        "for handling it is {due_date}",
        "handling": "It has been passed to the department responsible, which will reply to "
                    "you as soon as possible.",
        "tracking": "You can follow the progress of your case here:",
        "reply": "If you write to us again about this matter, please reply to this message "
                 "or quote the number {registry_number} in the subject line.",
        "closing": "Yours faithfully,",
        "grad": "City of {name}",
        "opstina": "Municipality of {name}",
    },
}

_DATE_FORMATS = {Language.HU: "%Y. %m. %d.", Language.EN: "%d/%m/%Y."}
_SERBIAN_DATE = "%d. %m. %Y."
_QUOTED_SUBJECT_LENGTH = 120


@dataclass(frozen=True)
class Acknowledgement:
    subject: str
    body: str
    language: str


def tracking_url(municipality: Municipality, case) -> str:
    return (f"{settings.SALTER_PUBLIC_URL}/portal/{municipality.slug}/track/"
            f"?code={case.tracking_code}")


def _signature(municipality: Municipality, language: str, texts: dict[str, str]) -> str:
    if language == Language.SR_CYRL:
        name = municipality.name_cyrl or municipality.name
    else:
        name = (municipality.minority_names or {}).get(language) or municipality.name
    template = texts["grad" if municipality.kind == Municipality.Kind.CITY else "opstina"]
    return template.format(name=name)


def compose(*, municipality: Municipality, case, subject: str, language: str,
            after_hours: bool) -> Acknowledgement:
    """The acknowledgement's subject and body; unknown languages get Serbian Latin."""
    language = language if language in TEXTS else Language.SR_LATN
    texts = TEXTS[language]
    subject = " ".join(subject.split())[:_QUOTED_SUBJECT_LENGTH]
    values = {"subject": subject, "registry_number": case.registry_number}
    if case.due_at is not None:
        due_date = timezone.localtime(case.due_at).strftime(
            _DATE_FORMATS.get(language, _SERBIAN_DATE))
        handling = texts["handling_due"].format(due_date=due_date)
    else:
        handling = texts["handling"]
    opening = texts["received" if subject else "received_empty"].format(**values)
    paragraphs = [
        texts["greeting"],
        opening,
        *([texts["after_hours"]] if after_hours else []),
        handling,
        f"{texts['tracking']}\n{tracking_url(municipality, case)}",
        texts["reply"].format(**values),
        f"{texts['closing']}\n{_signature(municipality, language, texts)}",
    ]
    title = texts["subject" if subject else "subject_empty"].format(**values)
    return Acknowledgement(subject=title, body="\n\n".join(paragraphs) + "\n",
                           language=language)


def queue_acknowledgement(*, actor, municipality: Municipality, case, client, inbound,
                          incoming, now=None) -> OutboundMessage:
    """Queue the acknowledgement in the outbox, inside the caller's transaction."""
    from salter.channels.outbox import queue_message

    return queue_message(actor=actor, **acknowledgement_draft(
        municipality=municipality, case=case, client=client, inbound=inbound,
        incoming=incoming, now=now))


def acknowledgement_draft(*, municipality: Municipality, case, client, inbound, incoming,
                          now=None) -> dict:
    """The outbox's arguments for the acknowledgement (`queue_message` or, for a batch,
    `plan_messages`)."""
    now = now or timezone.now()
    ack = compose(municipality=municipality, case=case, subject=incoming.subject,
                  language=incoming.language or case.language,
                  after_hours=not municipality.is_open_at(now))
    in_reply_to = f"<{incoming.message_id}>" if incoming.message_id else ""
    references = " ".join(f"<{ref}>" for ref in incoming.references)
    return {"case": case, "client": client, "recipient": incoming.sender,
            "subject": ack.subject, "body": ack.body,
            "purpose": OutboundMessage.Purpose.ACKNOWLEDGEMENT, "inbound": inbound,
            "in_reply_to": in_reply_to, "references": references, "language": ack.language}
