"""Guess the language and script a client wrote in, so that we answer in the same.

Only the four languages Šalter speaks are considered; Serbian is the fallback. The guess
uses letters (Cyrillic vs Latin, Hungarian ő/ű) and a few very common words: messages to
a municipality are short, so anything heavier would not be more reliable.
"""

import re

from salter.tenancy.models import Language

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_HUNGARIAN_WORDS = {
    "és", "hogy", "nem", "az", "egy", "van", "kérem", "tisztelt", "köszönöm", "meg",
    "vagy", "ez", "is", "már", "csak", "mint", "kérjük", "önkormányzat", "utca",
}
_ENGLISH_WORDS = {
    "the", "and", "please", "dear", "you", "is", "are", "for", "with", "this", "that",
    "thank", "thanks", "regards", "of", "to", "my", "would", "could", "street",
}
_SERBIAN_WORDS = {
    "je", "i", "da", "se", "na", "u", "za", "molim", "poštovani", "hvala", "ulica",
    "nije", "su", "od", "sa", "kako", "ali", "pozdrav",
}


def detect_language(text: str) -> str:
    """Return a `Language` value: sr (Cyrillic), sr-latn, hu or en."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return Language.SR_LATN
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    if cyrillic * 2 > len(letters):
        return Language.SR_CYRL
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {
        Language.HU: sum(w in _HUNGARIAN_WORDS for w in words)
        + 2 * sum(1 for c in text if c in "őűŐŰ"),
        Language.EN: sum(w in _ENGLISH_WORDS for w in words),
        Language.SR_LATN: sum(w in _SERBIAN_WORDS for w in words)
        + sum(1 for c in text if c in "čćšžđČĆŠŽĐ"),
    }
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else Language.SR_LATN
