"""Deadline rules: what an administrator may write and how Šalter reads it."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from salter.procedures.calendar import local_moment
from salter.procedures.deadlines import (
    CALENDAR_DAYS,
    HOURS,
    NEXT_OPENING,
    WORKING_DAYS,
    WORKING_HOURS,
    InvalidRule,
    Rule,
    due_at,
    normalize_rule,
    parse_rule,
    validate_rule,
)


@pytest.mark.parametrize("text, rule", [
    ("15 calendar days", Rule(CALENDAR_DAYS, 15)),
    ("1 calendar day", Rule(CALENDAR_DAYS, 1)),
    ("  5   Working  Days ", Rule(WORKING_DAYS, 5)),
    ("8 working hours", Rule(WORKING_HOURS, 8)),
    ("48 hours", Rule(HOURS, 48)),
    ("next opening", Rule(NEXT_OPENING)),
    ("Next Opening", Rule(NEXT_OPENING)),
    # Serbian, both scripts, the grammatical forms a clerk writes.
    ("15 kalendarskih dana", Rule(CALENDAR_DAYS, 15)),
    ("1 kalendarski dan", Rule(CALENDAR_DAYS, 1)),
    ("30 календарских дана", Rule(CALENDAR_DAYS, 30)),
    ("2 radna dana", Rule(WORKING_DAYS, 2)),
    ("5 радних дана", Rule(WORKING_DAYS, 5)),
    ("8 radnih sati", Rule(WORKING_HOURS, 8)),
    ("4 radna časa", Rule(WORKING_HOURS, 4)),
    ("48 sati", Rule(HOURS, 48)),
    ("48 часова", Rule(HOURS, 48)),
    ("sledeće otvaranje", Rule(NEXT_OPENING)),
    ("прво следеће отварање", Rule(NEXT_OPENING)),
    # Hungarian.
    ("15 naptári nap", Rule(CALENDAR_DAYS, 15)),
    ("5 munkanap", Rule(WORKING_DAYS, 5)),
    ("8 munkaóra", Rule(WORKING_HOURS, 8)),
    ("48 óra", Rule(HOURS, 48)),
    ("következő nyitás", Rule(NEXT_OPENING)),
])
def test_rules_are_read_in_english_and_as_serbian_or_hungarian_aliases(text, rule):
    assert parse_rule(text) == rule


@pytest.mark.parametrize("text, canonical", [
    ("1 calendar days", "1 calendar day"),
    ("2 working day", "2 working days"),
    ("1 radni sat", "1 working hour"),
    ("15 kalendarskih dana", "15 calendar days"),
    ("NEXT OPENING", "next opening"),
])
def test_a_rule_is_stored_in_its_english_form(text, canonical):
    assert normalize_rule(text) == canonical


@pytest.mark.parametrize("text, message", [
    ("", "Enter a deadline rule"),
    ("   ", "Enter a deadline rule"),
    ("15 days", "Unknown deadline rule “15 days”"),
    ("fifteen calendar days", "Unknown deadline rule"),
    ("15 calendar days or so", "Unknown deadline rule"),
    ("-3 working days", "Unknown deadline rule"),
    ("2.5 working hours", "Unknown deadline rule"),
    ("next openings", "Unknown deadline rule"),
    ("0 working days", "counts from 1 to 999, not 0"),
    ("1000 calendar days", "counts from 1 to 999, not 1000"),
])
def test_an_unreadable_rule_is_refused_with_what_would_be_read(text, message):
    with pytest.raises(InvalidRule, match=message) as error:
        parse_rule(text)
    if "Unknown" in message:
        assert "N calendar days, N working days, N working hours, N hours, next opening" in (
            str(error.value))


def test_the_validator_gives_a_django_validation_error():
    validate_rule("15 calendar days")
    with pytest.raises(ValidationError) as error:
        validate_rule("15 days")
    assert error.value.code == "invalid_rule"


@pytest.mark.django_db
@pytest.mark.parametrize("rule, expected", [
    ("15 calendar days", "2026-04-14T23:59:59+02:00"),  # the 11th is Holy Saturday
    ("5 working days", "2026-04-03T23:59:59+02:00"),  # 30, 31 March, 1, 2, 3 April
    ("8 working hours", "2026-03-30T14:30:00+02:00"),  # 1 h Friday, 7 h Monday
    ("48 hours", "2026-03-29T15:30:00+02:00"),  # Friday 14:30 CET + 48 h, in CEST
    ("next opening", "2026-03-30T07:30:00+02:00"),
])
def test_due_at_evaluates_a_rule_from_the_moment_of_receipt(municipality, rule, expected):
    received = local_moment(datetime.datetime(2026, 3, 27, 14, 30))
    assert due_at(municipality, received, rule).isoformat() == expected
