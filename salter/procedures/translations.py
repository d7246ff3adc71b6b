"""Texts a municipality writes once per interface language: procedure names and
descriptions, checklist steps, reply templates.

A text is a mapping language → text. Serbian Latin ("sr-latn") is required; Hungarian and
English fall back to it when missing, and Serbian Cyrillic ("sr") is derived from it by the
transliterator unless written out (a name the transliterator would get wrong can be given).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from salter.lang.transliteration import to_cyrillic
from salter.tenancy.models import Language

MAIN = Language.SR_LATN.value
LANGUAGES = tuple(Language.values)
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != MAIN)


def normalize_language(language: str | None) -> str:
    language = (language or "").lower()
    return language if language in LANGUAGES else MAIN


def text_in(texts: dict, language: str | None) -> str:
    """The text for `language`, falling back as the module says."""
    language = normalize_language(language)
    main = texts.get(MAIN, "")
    given = texts.get(language)
    if given:
        return given
    return to_cyrillic(main) if language == Language.SR_CYRL else main


def validate_texts(value, field: str, *, required: bool = True) -> None:
    """`value` is a mapping of known languages to strings, Serbian Latin present."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        raise ValidationError({field: [_("Give the text as language: text pairs.")]})
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValidationError({field: [_("Unknown language %(languages)s; use %(known)s.")
                                       % {"languages": ", ".join(unknown),
                                          "known": ", ".join(LANGUAGES)}]})
    if required and not value.get(MAIN, "").strip():
        raise ValidationError({field: [_("The Serbian (Latin) text is required.")]})
