"""The acknowledgement a client gets when their message opens a case: registry number,
tracking link and what happens next, in the language and script they wrote in, worded for
the channel (a letter by e-mail, two lines by SMS), with a variant for messages sent
outside office hours.

The wording lives in translatable templates (`intake/acknowledgements/<variant>.txt`), so
the catalogues hold it like every other text of Šalter and `salter i18n check` covers it;
the Serbian Cyrillic text is generated from the Latin one by the project's
transliterator, so the two never say different things.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import pgettext

from salter.tenancy.models import Language, Municipality

_QUOTED_SUBJECT_LENGTH = 120
# Private use characters around a value's name: no translation or template contains them.
_STAND_IN = "\ue020{}\ue021"
_VALUES = ("registry_number", "tracking_url", "signature")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


@dataclass(frozen=True)
class Acknowledgement:
    subject: str
    body: str
    language: str


def tracking_url(municipality: Municipality, case, *, short: bool = False) -> str:
    """Where the client follows the case: the portal's page, or for a text message the
    short link (`/t/<code>`, ~40 characters) that leads there."""
    if short:
        return f"{settings.SALTER_PUBLIC_URL}/t/{case.tracking_code}"
    return (f"{settings.SALTER_PUBLIC_URL}/portal/{municipality.slug}/track/"
            f"?code={case.tracking_code}")


def signature(municipality: Municipality, language: str) -> str:
    """"Grad Subotica", "Szabadka Város Önkormányzata", "Општина Бечеј"…, in `language`."""
    if language == Language.SR_CYRL:
        name = municipality.name_cyrl or municipality.name
    else:
        name = (municipality.minority_names or {}).get(language) or municipality.name
    return _signature(name, municipality.kind == Municipality.Kind.CITY, language)


@lru_cache(maxsize=512)
def _signature(name: str, city: bool, language: str) -> str:
    with translation.override(language):
        if city:
            return pgettext("signature of a city", "City of %(name)s") % {"name": name}
        return pgettext("signature of a municipality", "Municipality of %(name)s") % {
            "name": name}


def compose(*, municipality: Municipality, case, subject: str, language: str,
            after_hours: bool, variant: str = "email") -> Acknowledgement:
    """The acknowledgement's subject and body; unknown languages get Serbian Latin."""
    language = language if language in Language.values else Language.SR_LATN
    subject = " ".join(subject.split())[:_QUOTED_SUBJECT_LENGTH]
    values = {
        "subject": subject, "registry_number": case.registry_number,
        "tracking_url": tracking_url(municipality, case, short=variant == "sms"),
        "signature": signature(municipality, language),
        "due_date": _due_date(case.due_at, language),
    }
    title, body = _wording(variant, language, after_hours=after_hours,
                           subject=bool(subject), due_date=bool(values["due_date"]))
    return Acknowledgement(subject=_filled(title, values), body=_filled(body, values),
                           language=language)


@lru_cache(maxsize=256)
def _wording(variant: str, language: str, **switches: bool) -> tuple[str, str]:
    """(subject, body) of the variant in the language, rendered once with a stand-in for
    every value: intake acknowledges thousands of cases a minute, and rendering the
    templates for each took a quarter of a message's processing. The values go in with
    `_filled`; the switches are what the templates choose between."""
    context = {name: _STAND_IN.format(name) for name in _VALUES}
    context.update({name: _STAND_IN.format(name) if on else ""
                    for name, on in switches.items()})
    with translation.override(language):
        body = _paragraphs(render_to_string(f"intake/acknowledgements/{variant}.txt",
                                            context))
        title = ""
        if variant == "email":
            title = " ".join(render_to_string("intake/acknowledgements/email_subject.txt",
                                              context).split())
    return title, body


def _filled(text: str, values: dict) -> str:
    for name, value in values.items():
        text = text.replace(_STAND_IN.format(name), value)
    return text


def _due_date(due_at, language: str) -> str:
    """The date in the language's short form (01/03/2026, 1.03.2026., 2026.03.01.)."""
    if due_at is None:
        return ""
    return dateformat.format(timezone.localtime(due_at),
                             formats.get_format("SHORT_DATE_FORMAT", lang=language))


def _paragraphs(text: str) -> str:
    """The rendered template with one blank line between paragraphs and none around."""
    text = _TRAILING_SPACE.sub("\n", text.strip())
    return _BLANK_LINES.sub("\n\n", text) + "\n"


def acknowledgement_draft(*, municipality: Municipality, case, client, inbound, item,
                          after_hours: bool, variant: str, language: str) -> dict:
    """The outbox's arguments for the acknowledgement (`plan_messages`), answering the
    client's message on its own channel, from the endpoint it came in on."""
    ack = compose(municipality=municipality, case=case, subject=item.subject,
                  language=language, after_hours=after_hours, variant=variant)
    in_reply_to = f"<{item.external_id}>" if item.external_id else ""
    references = " ".join(f"<{ref}>" for ref in item.replies_to)
    return {"case": case, "client": client, "recipient": item.sender.value,
            "subject": ack.subject, "body": ack.body, "channel": inbound.channel,
            "purpose": "ack", "inbound": inbound, "in_reply_to": in_reply_to,
            "references": references, "language": ack.language,
            "endpoint": inbound.endpoint_id}
