"""Serbian personal and business identifiers: JMBG, PIB and MB, with their checksums.

Each `validate_*` returns the normalised digits or raises ValidationError with a message
for the form field.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_NON_DIGITS = re.compile(r"[\s.\-/]")


def _digits(value: str, length: int, message) -> str:
    digits = _NON_DIGITS.sub("", value or "")
    if len(digits) != length or not digits.isdigit():
        raise ValidationError(message, code="invalid")
    return digits


def validate_jmbg(value: str) -> str:
    """JMBG: 13 digits DDMMYYYRRBBBK, K a mod-11 check over the first twelve."""
    message = _("Enter a valid JMBG (13 digits with a correct check digit).")
    digits = _digits(value, 13, message)
    day, month = int(digits[0:2]), int(digits[2:4])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        raise ValidationError(message, code="invalid")
    weights = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:12], weights, strict=True)) % 11
    check = 11 - remainder
    if check > 9:
        check = 0
    if check != int(digits[12]):
        raise ValidationError(message, code="invalid")
    return digits


def validate_pib(value: str) -> str:
    """PIB: 9 digits, the last an ISO 7064 MOD 11,10 check digit."""
    message = _("Enter a valid PIB (9 digits with a correct check digit).")
    digits = _digits(value, 9, message)
    product = 10
    for d in digits[:8]:
        total = (int(d) + product) % 10 or 10
        product = (2 * total) % 11
    if (11 - product) % 10 != int(digits[8]):
        raise ValidationError(message, code="invalid")
    return digits


def validate_mb(value: str) -> str:
    """MB (matični broj of a company): 8 digits, the last a mod-11 check with the
    weights 2..7 counted from the right."""
    message = _("Enter a valid MB (8 digits with a correct check digit).")
    digits = _digits(value, 8, message)
    weights = (2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:7], weights, strict=True)) % 11
    check = 0 if remainder in (0, 1) else 11 - remainder
    if check != int(digits[7]):
        raise ValidationError(message, code="invalid")
    return digits
