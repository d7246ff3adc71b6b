"""Text messages as the network counts them: the GSM 03.38 alphabet, UCS-2 and segments.

A message whose every character is in the GSM 7-bit default alphabet or its extension
table goes out as GSM-7: 160 septets in one message, 153 a part when concatenated (the
UDH takes the rest); a character of the extension table (€ [ ] { } | ^ ~ \\ and form
feed) takes two septets, the escape and itself. Anything else (Serbian Cyrillic, č ć đ
š ž) makes the whole message UCS-2: 70 UTF-16 code units in one, 67 a part; a
character outside the Basic Multilingual Plane (an emoji) is two units.
"""

from dataclasses import dataclass

# GSM 03.38 default alphabet, in septet order (0x00–0x7F); 0x1B is the escape to the
# extension table and stands for no character of its own.
DEFAULT_ALPHABET = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
ESCAPE = 0x1B
# The extension table: septet after the escape → character.
EXTENSION = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[",
             0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}

_SEPTET = {char: code for code, char in enumerate(DEFAULT_ALPHABET) if code != ESCAPE}
_EXTENDED = {char: code for code, char in EXTENSION.items()}

GSM7 = "gsm7"
UCS2 = "ucs2"
# (characters in a single message, characters a part of a concatenated one)
LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}
# Kannel's sendsms refuses more than its sendsms-user's max-messages parts; ten parts
# are 1,530 GSM characters or 670 UCS-2 ones, longer than any answer should be.
MAX_PARTS = 10


def septets(char: str) -> int | None:
    """How many septets `char` takes in GSM-7 (1 or 2), None if it has no GSM form."""
    if char in _SEPTET:
        return 1
    if char in _EXTENDED:
        return 2
    return None


def fits_gsm7(text: str) -> bool:
    return all(septets(char) is not None for char in text)


def encode_septets(text: str) -> bytes:
    """The unpacked septets (one byte each) of `text`; ValueError for a character that
    has no GSM form."""
    out = bytearray()
    for char in text:
        if char in _SEPTET:
            out.append(_SEPTET[char])
        elif char in _EXTENDED:
            out += bytes((ESCAPE, _EXTENDED[char]))
        else:
            raise ValueError(f"{char!r} is not in the GSM 7-bit alphabet")
    return bytes(out)


def decode_septets(data: bytes) -> str:
    """Unpacked septets (one byte each, as gateways hand them over) to text. An escape
    followed by a septet the extension table lacks is read as that septet's default
    character (GSM 03.38: the receiver shows the default character); ValueError for a
    byte above 0x7F, which is not a septet."""
    out, i = [], 0
    while i < len(data):
        code = data[i]
        if code > 0x7F:
            raise ValueError(f"byte {code:#04x} at {i} is not a GSM septet")
        if code == ESCAPE:
            i += 1
            if i < len(data):
                following = data[i]
                if following > 0x7F:
                    raise ValueError(f"byte {following:#04x} at {i} is not a GSM septet")
                out.append(EXTENSION.get(following, DEFAULT_ALPHABET[following]
                                         if following != ESCAPE else " "))
            i += 1
            continue
        out.append(DEFAULT_ALPHABET[code])
        i += 1
    return "".join(out)


def ucs2_units(text: str) -> int:
    """UTF-16 code units: characters outside the BMP are two."""
    return len(text.encode("utf-16-be")) // 2


@dataclass(frozen=True)
class Segments:
    """How a text goes out: its coding, its length in the coding's units, the number of
    messages it takes and how many units are left in the last one."""

    coding: str
    units: int
    parts: int
    left: int

    @property
    def per_part(self) -> int:
        single, multi = LIMITS[self.coding]
        return single if self.parts <= 1 else multi


def segments(text: str) -> Segments:
    if fits_gsm7(text):
        coding, units = GSM7, sum(septets(char) for char in text)
    else:
        coding, units = UCS2, ucs2_units(text)
    single, multi = LIMITS[coding]
    if units <= single:
        return Segments(coding, units, 1, single - units)
    parts = _parts(text, coding, multi)
    return Segments(coding, units, parts, _left(text, coding, multi, parts))


def _parts(text: str, coding: str, per_part: int) -> int:
    """Parts of a concatenated message: an extension character's two septets and a
    surrogate pair's two units are never split between two parts."""
    parts, used = 1, 0
    for char in text:
        size = septets(char) if coding == GSM7 else ucs2_units(char)
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def _left(text: str, coding: str, per_part: int, parts: int) -> int:
    used = 0
    for char in text:
        size = septets(char) if coding == GSM7 else ucs2_units(char)
        if used + size > per_part:
            used = 0
        used += size
    return per_part - used
