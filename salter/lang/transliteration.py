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
    "API", "HTMX", "HTML", "URL", "IMAP", "IMAPS", "IDLE", "TLS", "SMTP", "PDF", "CSV", "XLSX",
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


_CYRILLIC = re.compile("[\u0400-\u04ff]")
# One table for every letter but the capital digraph letters, whose case depends on
# their neighbours (Љубав → Ljubav, ЉУБАВ → LJUBAV).
_TO_LATIN = str.maketrans({
    **_CYR_TO_LAT,
    **{cyr.upper(): lat.upper() for cyr, lat in _CYR_TO_LAT.items() if len(lat) == 1},
})
_CAPITAL_DIGRAPH = re.compile("[ЉЊЏ]")


def _capital_digraph(match: re.Match) -> str:
    text, i = match.string, match.start()
    lat = _CYR_TO_LAT[match.group(0).lower()]
    nxt = text[i + 1] if i + 1 < len(text) else ""
    prev = text[i - 1] if i > 0 else ""
    shout = (nxt.isalpha() and nxt.isupper()) or (not nxt.isalpha() and prev.isupper())
    return lat.upper() if shout else lat.capitalize()


def to_latin(text: str) -> str:
    if not _CYRILLIC.search(text):
        return text
    return _CAPITAL_DIGRAPH.sub(_capital_digraph, text).translate(_TO_LATIN)


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


class _FoldTable(dict):
    """str.translate table from a lower-case character to its search form, filled the
    first time a character is met: Serbian Cyrillic to Latin, đ as dj, and whatever
    Unicode decomposes into a letter and accents (č, ő, é) to the bare letter."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        latin = _CYR_TO_LAT.get(char, char).replace("đ", "dj")
        folded = "".join(c for c in unicodedata.normalize("NFKD", latin)
                         if not unicodedata.combining(c))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """Search key: Latin script, lower case, no diacritics, đ as dj, single spaces.

    "Đorđević", "Djordjevic" and "Ђорђевић" all fold to "djordjevic".
    """
    return " ".join((text or "").lower().translate(_FOLD).split())
