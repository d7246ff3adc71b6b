"""What a text message says, read the way citizens write them: numbers in any national or
international spelling, alphanumeric sender ids, opt-out words in either script, and
Serbian written without diacritics to fit the GSM alphabet."""

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

from salter.clients.contact import DEFAULT_REGION
from salter.lang.transliteration import to_latin

# An alphanumeric sender id (a bank, a carrier): letters, digits, spaces and a few marks,
# at most 11 characters, at least one letter. It cannot receive a reply.
_ALPHANUMERIC = re.compile(r"^(?=.*[^\W\d_])[\w .&\-]{1,11}$")
_SEPARATORS = re.compile(r"[\s\-./()]")


@dataclass(frozen=True)
class Number:
    """A sender or receiver as the gateway gave it: `e164` when it is a telephone number,
    `alphanumeric` when it is a name that cannot be answered, neither when withheld or
    unreadable; `foreign` when the number is not Serbian."""

    given: str
    e164: str = ""
    alphanumeric: bool = False
    foreign: bool = False


def normalise_number(value: str) -> Number:
    """06x…, 00381…, +381…, 381… (as some SMSCs send it) to E.164; any other country's
    number in international form is kept in E.164 too."""
    given = (value or "").strip()
    digits = _SEPARATORS.sub("", given)
    if not digits:
        return Number(given)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.isdigit() and digits.startswith("381") and len(digits) >= 11:
        digits = "+" + digits
    if re.fullmatch(r"\+?\d{3,15}", digits):
        try:
            parsed = phonenumbers.parse(digits, DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            return Number(given)
        if phonenumbers.is_valid_number(parsed):
            return Number(given, phonenumbers.format_number(
                parsed, phonenumbers.PhoneNumberFormat.E164),
                foreign=parsed.country_code != 381)
        return Number(given)
    if _ALPHANUMERIC.match(given):
        return Number(given, alphanumeric=True)
    return Number(given)


def endpoint_address(value: str) -> str:
    """How an endpoint's number is written: E.164, or the short code as it is (1234)."""
    number = normalise_number(value)
    return number.e164 or _SEPARATORS.sub("", (value or "").strip())


# --- opt-out ---------------------------------------------------------------------------------

STOP_WORDS = frozenset({"stop", "odjava", "стоп", "одјава"})
START_WORDS = frozenset({"start", "prijava", "старт", "пријава"})


def _keyword(text: str) -> str:
    """The text as one folded word: lower case, Cyrillic kept apart from Latin (СТОП is
    stop in Cyrillic; to_latin would make it STOP, which is the same word anyway)."""
    words = re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text or "").lower())
    return words[0] if len(words) == 1 else ""


def opt_out_word(text: str) -> str:
    """"stop" for a text that is only an opt-out word, "start" for one that resumes, else
    "" (any case, either script, punctuation and spaces around it ignored)."""
    word = _keyword(text)
    if word in STOP_WORDS or to_latin(word) in STOP_WORDS:
        return "stop"
    if word in START_WORDS or to_latin(word) in START_WORDS:
        return "start"
    return ""


# --- Latin without diacritics ------------------------------------------------------------------

_PLAIN = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "Č": "C", "Ć": "C",
                        "Š": "S", "Ž": "Z", "đ": "dj", "Đ": "Dj"})


def plain_latin(text: str) -> str:
    """Serbian in Latin script without diacritics, the way one texts to save segments:
    Cyrillic transliterated (lj, nj, dž), č ć → c, š → s, ž → z, đ → dj; other
    accented letters lose their accent unless GSM-7 has them (é, ö, ü stay)."""
    from salter.channels.sms.gsm import septets

    latin = to_latin(text).translate(_PLAIN)
    out = []
    for char in latin:
        if septets(char) is None:
            bare = "".join(c for c in unicodedata.normalize("NFKD", char)
                           if not unicodedata.combining(c))
            char = bare if bare and all(septets(c) is not None for c in bare) else char
        out.append(char)
    return "".join(out)
