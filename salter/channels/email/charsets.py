"""Decode bytes of unknown or mislabelled charset into text.

Mail in Vojvodina arrives in UTF-8, windows-125x, ISO-8859-x and KOI8, and the
declared charset is often wrong (cp1250 declared as iso-8859-1 or us-ascii,
UTF-8 declared as windows-1250, KOI8-R declared as windows-1251). We try UTF-8
strictly first, because random 8-bit text almost never decodes as valid UTF-8,
and otherwise score each single-byte candidate by how plausible its result is
for Serbian (Latin and Cyrillic), Hungarian and the other languages of the
province. Decoding never raises: the worst case is U+FFFD.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

# Tried in this order; on a tie the declared charset wins, then the earliest here.
CANDIDATES = tuple(
    codecs.lookup(name).name
    for name in (
        "cp1250",
        "iso8859-2",
        "cp1251",
        "koi8-r",
        "koi8-u",
        "iso8859-5",
        "iso8859-16",
        "cp1252",
        "latin-1",
    )
)

_CYRILLIC = tuple(codecs.lookup(name).name for name in ("cp1251", "koi8-r", "koi8-u", "iso8859-5"))
_LATIN = tuple(name for name in CANDIDATES if name not in _CYRILLIC)

# Aliases seen in real headers that Python's codec registry does not know.
_ALIASES = {
    "win-1250": "cp1250",
    "win1250": "cp1250",
    "x-cp1250": "cp1250",
    "win-1251": "cp1251",
    "win1251": "cp1251",
    "x-cp1251": "cp1251",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
    "default": "",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-8-i": "iso8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gbk",
}

_SERBIAN = set("čćšžđČĆŠŽĐ")
_HUNGARIAN = set("őűŐŰ")
# Letters of the province's other languages and shared accented letters:
# plausible, but they do not tell the Latin codecs apart.
_REGIONAL_LATIN = set("áéíóöúüÁÉÍÓÖÚÜäôľĺŕťďňýÄÔĽĹŔŤĎŇÝăâîșțşţĂÂÎȘȚŞŢ")
_REGIONAL_CYRILLIC = set("іїєґІЇЄҐ")  # Rusyn and Ukrainian
_COMMON_PUNCT = set("„“”‘’‚–—…€«»°©®·•§±×\u00a0")


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    codec: str  # Python codec name actually used
    note: str  # "" when the declared charset was right (or nothing was guessed)


@lru_cache(maxsize=256)
def normalize_charset(declared: str | None) -> str:
    """Return the Python codec name for a declared MIME charset, "" if unusable."""
    if not declared:
        return ""
    name = declared.strip().strip("\"'").lower()
    # RFC 2231 allows a language suffix: utf-8*sr
    name = name.split("*", 1)[0]
    name = _ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return ""


def _is_single_byte(codec: str) -> bool:
    return codec in _SINGLE_BYTE


_SINGLE_BYTE = {codecs.lookup(c).name for c in CANDIDATES} | {
    codecs.lookup(c).name
    for c in (
        "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14",
        "iso8859-15", "cp1253", "cp1254", "cp1257", "cp437", "cp850", "cp852", "cp855",
        "cp866", "mac-roman", "mac-latin2", "mac-cyrillic",
    )
}


@lru_cache(maxsize=4096)
def _char_score(ch: str) -> float:
    if ch in _SERBIAN:
        return 3.0
    if ch in _HUNGARIAN:
        return 2.0
    if ch in _REGIONAL_LATIN or ch in _REGIONAL_CYRILLIC:
        return 1.0
    if "\u0400" <= ch <= "\u045f":
        return 2.0 if ch.islower() else 1.0
    if ch in _COMMON_PUNCT:
        return 0.5
    if ch == "\ufffd" or "\x80" <= ch <= "\x9f":
        return -10.0
    category = unicodedata.category(ch)
    if category.startswith("L"):
        return -1.0
    return -3.0


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_ascii_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def plausibility(text: str) -> float:
    """Score decoded 8-bit text: higher means more like the province's languages.

    Besides per-letter scores, context separates look-alikes: Cyrillic glued to
    ASCII letters ("kвrem") is Hungarian read as cp1251, and runs of accented
    Latin letters ("Ďîřňîâŕíč") are Cyrillic read as cp1250.
    """
    score = 0.0
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        score += _char_score(ch)
        prev_ch = text[i - 1] if i else " "
        next_ch = text[i + 1] if i < last else " "
        if _is_cyrillic(ch):
            if _is_ascii_letter(prev_ch) or _is_ascii_letter(next_ch):
                score -= 4.0
        elif ch.isalpha() and (
            (prev_ch >= "\x80" and prev_ch.isalpha()) or (next_ch >= "\x80" and next_ch.isalpha())
        ):
            score -= 2.5
    return score


# Hungarian letters at the same place in every Latin codec we meet (unlike ľ or ą, which
# another codec's š or ž turns into).
_HUNGARIAN_SHARED = set("áéíóöúüÁÉÍÓÖÚÜ")
# Punctuation that no other codec's letter turns into (© is Š read in the wrong codec).
_SHARED_PUNCT = set("„“”‘’‚–—…€")


def _is_high_letter(ch: str) -> bool:
    return ch >= "\x80" and ch.isalpha()


def _unmistakable(text: str) -> bool:
    """Whether no other codec can read these bytes more plausibly, so the declared one is
    taken without comparing: every 8-bit character is a Serbian or Hungarian letter
    inside a word of plain letters, lower-case Cyrillic of our alphabets inside a
    Cyrillic word, or punctuation of the windows codecs. Read in another codec such
    bytes give runs of accented letters, Cyrillic beside plain letters, controls or
    letters that score lower (`plausibility`), never a better reading."""
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch < "\x80":
            continue
        prev_ch = text[i - 1] if i else " "
        next_ch = text[i + 1] if i < last else " "
        if _is_cyrillic(ch):
            if (_char_score(ch) < 2.0 or _is_ascii_letter(prev_ch) or _is_ascii_letter(next_ch)
                    or not (_is_cyrillic(prev_ch) or _is_cyrillic(next_ch))):
                return False
        elif ch in _SERBIAN or ch in _HUNGARIAN or ch in _HUNGARIAN_SHARED:
            if (_is_high_letter(prev_ch) or _is_high_letter(next_ch)
                    or not (_is_ascii_letter(prev_ch) or _is_ascii_letter(next_ch))):
                return False
        elif ch not in _SHARED_PUNCT:
            return False
    return True


# Each run of 8-bit bytes with one ASCII neighbour on each side: enough
# context for scoring, and much less text to decode per candidate.
_EIGHT_BIT_RUNS = re.compile(rb".?[\x80-\xff]+.?", re.DOTALL)
_SAMPLE_LIMIT = 1024
_FINALISTS_PER_SCRIPT = 1


def _sample(data: bytes) -> bytes:
    runs = _EIGHT_BIT_RUNS.findall(data[: _SAMPLE_LIMIT * 16])
    return b" ".join(runs)[:_SAMPLE_LIMIT]


@lru_cache(maxsize=64)
def _byte_scores(codec: str) -> tuple[float, ...]:
    """Context-free score of each high byte (0x80-0xFF) decoded with codec."""
    return tuple(_char_score(bytes([b]).decode(codec, "replace")) for b in range(0x80, 0x100))


def _quick_score(histogram: Counter[int], codec: str) -> float:
    scores = _byte_scores(codec)
    return sum(scores[byte - 0x80] * count for byte, count in histogram.items() if byte >= 0x80)


def guess_codec(data: bytes, declared_codec: str = "") -> str:
    """Pick the most plausible single-byte codec for 8-bit, non-UTF-8 data.

    A per-byte score over a histogram ranks the candidates cheaply; the
    declared codec and the best of each script are then decoded and
    scored with context, which is what tells Latin from Cyrillic.
    """
    sample = _sample(data)
    declared_fits = declared_codec and _is_single_byte(declared_codec)
    if declared_fits and _unmistakable(sample.decode(declared_codec, "replace")):
        return declared_codec
    histogram = Counter(sample)
    finalists = []
    if declared_fits:
        finalists.append(declared_codec)
    for group in (_LATIN, _CYRILLIC):
        ranked = sorted(group, key=lambda c: -_quick_score(histogram, c))
        finalists.extend(c for c in ranked[:_FINALISTS_PER_SCRIPT] if c not in finalists)
    best, best_score = finalists[0], float("-inf")
    for codec in finalists:
        score = plausibility(sample.decode(codec, "replace"))
        if score > best_score:  # on a tie the earlier finalist (the declared one) stays
            best, best_score = codec, score
    return best


# Outside the scripts and symbols our mail uses. Valid UTF-8 that decodes to
# these may be single-byte text that happens to form UTF-8 sequences
# (cp1251 "ајђ" is the bytes of U+0F10, a Tibetan mark).
_UNUSUAL = re.compile(
    "[^\x00-\u05ff\u1e00-\u1eff\u2000-\u22ff\u2500-\u27bf\ufeff\U0001f000-\U0001faff]"
)


def _single_byte_reading(data: bytes, codec: str) -> str:
    """The single-byte codec that reads data far more plausibly than UTF-8, or ""."""
    sample = _sample(data)
    high_bytes = sum(1 for byte in sample if byte >= 0x80)
    chosen = guess_codec(data, codec)
    if plausibility(sample.decode(chosen, "replace")) >= high_bytes:
        return chosen
    return ""


def _mostly_utf8(data: bytes, *, trusted: bool) -> bool:
    """UTF-8 with a few damaged bytes (a cut multi-byte character, a stray
    byte): valid sequences outnumber the broken ones, which single-byte text
    almost never produces by accident. Declared UTF-8 gets the benefit of
    the doubt sooner."""
    text = _sample(data).decode("utf-8", "replace")
    broken = text.count("\ufffd")
    valid = sum(1 for ch in text if ch >= "\x80") - broken
    if trusted:
        return valid >= 1 and valid >= broken
    return valid >= 2 and valid >= 3 * broken


def _describe(declared: str | None) -> str:
    return declared.strip().strip("\"'").lower() if declared else ""


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode bytes as text, correcting a missing or wrong declared charset."""
    codec = normalize_charset(declared)
    if data.isascii():
        if codec and not _is_single_byte(codec) and codec not in ("ascii", "utf-8"):
            # 7-bit encodings such as ISO-2022-JP or UTF-7 need their codec.
            try:
                return Decoded(data.decode(codec), codec, "")
            except (UnicodeDecodeError, LookupError):
                pass
        return Decoded(data.decode("ascii"), "ascii", "")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _UNUSUAL.search(text):
            return Decoded(text, "utf-8", _note(declared, codec, "utf-8"))
        chosen = _single_byte_reading(data, codec)
        if not chosen:
            return Decoded(text, "utf-8", _note(declared, codec, "utf-8"))
        return Decoded(data.decode(chosen, "replace"), chosen, _note(declared, codec, chosen))
    if codec and not _is_single_byte(codec) and codec not in ("ascii", "utf-8"):
        try:
            return Decoded(data.decode(codec), codec, "")
        except (UnicodeDecodeError, LookupError):
            pass
    if _mostly_utf8(data, trusted=codec == "utf-8"):
        return Decoded(data.decode("utf-8", "replace"), "utf-8", _note(declared, codec, "utf-8"))
    chosen = guess_codec(data, codec)
    return Decoded(data.decode(chosen, "replace"), chosen, _note(declared, codec, chosen))


def _note(declared: str | None, codec: str, chosen: str) -> str:
    if codec == chosen or (not codec and chosen == "utf-8"):
        return ""
    label = _describe(declared)
    if not label:
        return f"no charset declared, decoded as {_mime_name(chosen)}"
    return f"declared {label}, decoded as {_mime_name(chosen)}"


_MIME_NAMES = {
    "cp1250": "windows-1250",
    "cp1251": "windows-1251",
    "cp1252": "windows-1252",
    "iso8859-1": "iso-8859-1",
    "iso8859-2": "iso-8859-2",
    "iso8859-5": "iso-8859-5",
    "iso8859-16": "iso-8859-16",
}


def _mime_name(codec: str) -> str:
    return _MIME_NAMES.get(codec, codec)
