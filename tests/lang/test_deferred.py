"""Texts decided now and read later: each reader gets them in their own language."""

import json

from django.utils import translation
from django.utils.translation import gettext_noop

from salter.lang.deferred import Deferred

AUTOMATIC = Deferred(gettext_noop("automatic reply"))
NOT_A_PARTY = Deferred(gettext_noop(
    "%(sender)s is not a party of case %(number)s; a staff member must decide whether the "
    "message belongs to it."),
    {"sender": Deferred(gettext_noop("An unknown sender")), "number": "IV-03-351-7/2026"})


def shown(text: Deferred, language: str) -> str:
    with translation.override(language):
        return str(text)


def test_each_reader_reads_it_in_their_language():
    assert shown(AUTOMATIC, "sr-latn") == "automatski odgovor"
    assert shown(AUTOMATIC, "sr") == "аутоматски одговор"
    assert shown(AUTOMATIC, "hu") == "automatikus válasz"
    assert shown(AUTOMATIC, "en") == "automatic reply"


def test_values_are_put_in_and_a_deferred_value_is_translated_too():
    english = shown(NOT_A_PARTY, "en")
    hungarian = shown(NOT_A_PARTY, "hu")

    assert english.startswith("An unknown sender is not a party of case IV-03-351-7/2026")
    assert "IV-03-351-7/2026" in hungarian and "is not a party" not in hungarian
    assert shown(Deferred(gettext_noop("The message cannot be read: %s"), ("prazna poruka",)),
                 "en") == "The message cannot be read: prazna poruka"


def test_kept_in_a_json_column_it_reads_the_same():
    for text in (AUTOMATIC, NOT_A_PARTY,
                 Deferred(gettext_noop("Processing never finished in %(n)d attempts: "
                                       "the worker stopped each time."), {"n": 5})):
        again = Deferred.from_data(json.loads(json.dumps(text.as_data())))
        assert again == text
        assert shown(again, "hu") == shown(text, "hu")
