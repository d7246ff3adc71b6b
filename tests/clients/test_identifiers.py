import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from salter.clients.contact import format_phone, normalize_email, normalize_phone
from salter.clients.identifiers import validate_jmbg, validate_mb, validate_pib


def jmbg_check(first12: str) -> int:
    weights = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    check = 11 - sum(int(d) * w for d, w in zip(first12, weights, strict=True)) % 11
    return 0 if check > 9 else check


@pytest.mark.parametrize("value", ["0101990710006", "1505985800010"])
def test_valid_jmbg_accepted(value):
    first12 = value[:12]
    value = first12 + str(jmbg_check(first12))
    assert validate_jmbg(value) == value


@given(st.from_regex(r"\A(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])[0-9]{8}\Z"))
def test_jmbg_wrong_check_digit_rejected(first12):
    good = jmbg_check(first12)
    bad = first12 + str((good + 1) % 10)
    with pytest.raises(ValidationError):
        validate_jmbg(bad)


@pytest.mark.parametrize("value", ["123", "abcdefghijklm", "3213990710006", ""])
def test_malformed_jmbg_rejected(value):
    with pytest.raises(ValidationError):
        validate_jmbg(value)


def test_real_pib_and_mb_pass_and_typos_fail():
    assert validate_pib("113 460 262") == "113460262"
    assert validate_mb("17162543") == "17162543"
    with pytest.raises(ValidationError):
        validate_pib("113460263")
    with pytest.raises(ValidationError):
        validate_mb("17162544")


def test_phones_normalise_to_e164_with_serbia_as_default():
    assert normalize_phone("064 123 4567") == "+381641234567"
    assert normalize_phone("+381 24 555 111") == "+38124555111"
    assert normalize_phone("+36 1 234 5678") == "+3612345678"
    assert format_phone("+381641234567") == "064 1234567"
    with pytest.raises(ValidationError):
        normalize_phone("12")


def test_email_lowercased_and_validated():
    assert normalize_email("  Ana.Kovac@Example.RS ") == "ana.kovac@example.rs"
    with pytest.raises(ValidationError):
        normalize_email("ana@")
