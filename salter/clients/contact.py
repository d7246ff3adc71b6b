"""Normalising contact points, so that one address or number is always written one way."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

DEFAULT_REGION = "RS"


def normalize_email(value: str) -> str:
    address = (value or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid") from None
    return address


def normalize_phone(value: str) -> str:
    """E.164, reading numbers without a country code as Serbian ("064 123 4567")."""
    message = _("Enter a valid telephone number, e.g. 064 123 4567 or +381 24 555 111.")
    try:
        number = phonenumbers.parse((value or "").strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """How a number is shown to Serbian staff: national format for +381, else international."""
    number = phonenumbers.parse(e164, DEFAULT_REGION)
    if number.country_code == 381:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
