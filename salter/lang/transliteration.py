"""Serbian Cyrillic ⇄ Latin, and the folded form used for search.

Serbian has an exact one-to-one mapping between its two alphabets, except that the Latin
digraphs lj, nj and dž are single Cyrillic letters (љ, њ, џ) — and in a few words they
are not (nadživeti is надживети). Converting to Cyrillic leaves alone what is not Serbian
text: addresses and links, format placeholders (%(name)s, %s, {name}), HTML tags, codes
mixing letters and digits, words with q, w, x or y, and the words in LATIN_WORDS.
"""

import re
import unicodedata

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž",
    "з": "z", "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n",
    "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
}
_LAT_TO_CYR = {lat: cyr for cyr, lat in _CYR_TO_LAT.items()}
# Longest first so that "lj" wins over "l".
_LAT_PATTERN = re.compile(
    "|".join(sorted((re.escape(k) for k in _LAT_TO_CYR), key=len, reverse=True)),
    re.IGNORECASE,
)
# Word beginnings where a Latin digraph is two Cyrillic letters.
# Only whole prefixes: "odž" alone would also split the town of Odžaci (Оџаци).
_SPLIT_DIGRAPH_PREFIXES = (
    "nadživ", "nadžnje", "podžup", "podžanr", "podživ", "odžal", "odživ",
    "konjug", "injek", "injunk", "vanjezi",
)
_SPLIT_DIGRAPH_WORDS = re.compile(
    r"\b(?:" + "|".join(_SPLIT_DIGRAPH_PREFIXES) + r")", re.IGNORECASE
)
# Foreign names and technical tokens that Serbian Cyrillic text keeps in Latin letters.
# (SMS, JMBG, PIB, MB and JKP are domesticated abbreviations: СМС, ЈМБГ, ПИБ, МБ, ЈКП.)
LATIN_WORDS = (
    "API", "HTMX", "HTML", "URL", "IMAP", "SMTP", "PDF",
    "Message-ID", "Auto-Submitted", "Precedence",  # e-mail header names
)
_UNTOUCHABLE = re.compile(
    r"\S*(?:@|://|www\.)\S*"  # e-mail addresses and links
    r"|%\([^)\s]*\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    r"|%[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"  # %s, %d, %%
    r"|\{[^{}\s]*\}"  # {name}
    r"|<[^<>]*>|&#?\w+;"  # HTML tags and entities
    # Codes mixing letters and digits: tracking codes (7KX4-MP29QD), registry numbers whose
    # unit mark is a Roman numeral (IV-03-351-127/2026).
    r"|(?<![\w./-])(?=[\w./-]*\d)(?=[\w./-]*[A-Za-z])[\w./-]+"
    r"|\b\w*[qwxyQWXY]\w*\b"  # words with letters Serbian does not have
    r"|\b(?:" + "|".join(re.escape(w) for w in LATIN_WORDS) + r")\b"
)


def to_latin(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        lower = ch.lower()
        lat = _CYR_TO_LAT.get(lower)
        if lat is None:
            out.append(ch)
        elif ch == lower:
            out.append(lat)
        elif len(lat) == 1:
            out.append(lat.upper())
        else:
            # Љ → "LJ" inside an upper-case word, "Lj" at the start of a capitalised one.
            nxt = text[i + 1] if i + 1 < len(text) else ""
            prev = text[i - 1] if i > 0 else ""
            shout = (nxt.isalpha() and nxt.isupper()) or (not nxt.isalpha() and prev.isupper())
            out.append(lat.upper() if shout else lat.capitalize())
    return "".join(out)


def _latin_run_to_cyrillic(text: str) -> str:
    def letter(match: re.Match) -> str:
        chunk = match.group(0)
        cyr = _LAT_TO_CYR[chunk.lower()]
        return cyr.upper() if chunk[0].isupper() else cyr

    def split_prefix(match: re.Match) -> str:
        word = match.group(0)
        # Transliterate the prefix letter by letter so the digraph stays two letters.
        return "".join(_LAT_PATTERN.sub(letter, c) for c in word)

    return _LAT_PATTERN.sub(letter, _SPLIT_DIGRAPH_WORDS.sub(split_prefix, text))


def to_cyrillic(text: str) -> str:
    pieces, last = [], 0
    for match in _UNTOUCHABLE.finditer(text):
        pieces.append(_latin_run_to_cyrillic(text[last:match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_latin_run_to_cyrillic(text[last:]))
    return "".join(pieces)


def fold(text: str) -> str:
    """Search key: Latin script, lower case, no diacritics, đ as dj, single spaces.

    "Đorđević", "Djordjevic" and "Ђорђевић" all fold to "djordjevic".
    """
    latin = to_latin(text or "").lower().replace("đ", "dj")
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(c)
    )
    return " ".join(stripped.split())
