"""The public holidays of Serbia as the business calendar sees them.

Expected days are worked out from the Law on state and other holidays: New Year 1–2 Jan,
Orthodox Christmas 7 Jan, Statehood Day 15–16 Feb, Orthodox Easter from Good Friday to
Easter Monday, Labour Day 1–2 May, Armistice Day 11 Nov; a state holiday on a Sunday
gives the first following working day off (art. 3a), religious holidays do not move.
Orthodox Easter: 20 April 2025, 12 April 2026, 2 May 2027.
"""

import datetime

import pytest
from django.utils import translation

from salter.procedures.calendar import (
    HOLIDAY_NAMES,
    BusinessCalendar,
    holiday_label,
    public_holidays,
)

D = datetime.date
WEEKDAYS = {day: [(datetime.time(7, 30), datetime.time(15, 30))] for day in range(5)}

EXPECTED = {
    2025: [D(2025, 1, 1), D(2025, 1, 2), D(2025, 1, 7), D(2025, 2, 15), D(2025, 2, 16),
           D(2025, 2, 17),  # 16 Feb on a Sunday
           D(2025, 4, 18), D(2025, 4, 19), D(2025, 4, 20), D(2025, 4, 21),
           D(2025, 5, 1), D(2025, 5, 2), D(2025, 11, 11)],
    2026: [D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 7), D(2026, 2, 15), D(2026, 2, 16),
           D(2026, 2, 17),  # 15 Feb on a Sunday, the 16th a holiday anyway: Tuesday
           D(2026, 4, 10), D(2026, 4, 11), D(2026, 4, 12), D(2026, 4, 13),
           D(2026, 5, 1), D(2026, 5, 2), D(2026, 11, 11)],
    2027: [D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 7), D(2027, 2, 15), D(2027, 2, 16),
           D(2027, 4, 30), D(2027, 5, 1), D(2027, 5, 2), D(2027, 5, 3),
           D(2027, 5, 4),  # 2 May on Easter Sunday, Monday is Easter Monday: Tuesday
           D(2027, 11, 11)],
}


@pytest.mark.parametrize("year", sorted(EXPECTED))
def test_the_non_working_public_holidays_of_a_year(year):
    assert sorted(public_holidays(year)) == EXPECTED[year]


def test_orthodox_easter_2026_is_12_april_with_good_friday_to_easter_monday():
    days = public_holidays(2026)
    assert days[D(2026, 4, 10)] == ("Good Friday",)
    assert days[D(2026, 4, 12)] == ("Easter Sunday",)
    assert days[D(2026, 4, 13)] == ("Easter Monday",)
    assert D(2026, 4, 5) not in days  # Catholic Easter is a working day for the office
    assert D(2026, 4, 6) not in days


def test_easter_2027_meets_labour_day_and_the_day_off_moves_past_easter_monday():
    calendar = BusinessCalendar(WEEKDAYS)
    with translation.override("en"):
        assert calendar.day_off(D(2027, 5, 1)).why == "Holy Saturday; Labour Day"
        assert calendar.day_off(D(2027, 5, 2)).why == "Easter; Labour Day"
        assert calendar.day_off(D(2027, 5, 4)).why == "Labour Day (day off in lieu)"
    assert calendar.next_working_day(D(2027, 4, 30)) == D(2027, 5, 5)


def test_new_year_on_a_saturday_gives_no_day_off_in_lieu_but_on_a_weekend_it_does():
    calendar = BusinessCalendar(WEEKDAYS)
    # 2027: Friday and Saturday, nothing falls on a Sunday: Monday 4 January is worked.
    assert calendar.is_working_day(D(2027, 1, 4))
    # 2028: Saturday and Sunday: Monday 3 January is off.
    assert not calendar.is_working_day(D(2028, 1, 3))
    assert calendar.next_working_day(D(2028, 1, 1)) == D(2028, 1, 4)
    # 2023: Sunday and Monday: Tuesday 3 January is off.
    assert calendar.next_working_day(D(2023, 1, 1)) == D(2023, 1, 4)


def test_past_years_match_what_the_ministry_announced():
    # 2016: Easter Monday on 2 May, Labour Day on Sunday and Monday: 29 April – 3 May.
    assert [d for d in public_holidays(2016) if d.month in (4, 5)] == [
        D(2016, 4, 29), D(2016, 4, 30), D(2016, 5, 1), D(2016, 5, 2), D(2016, 5, 3)]
    # 2022: New Year on Saturday and Sunday: 1–3 January.
    assert [d for d in public_holidays(2022) if d.month == 1][:3] == [
        D(2022, 1, 1), D(2022, 1, 2), D(2022, 1, 3)]


def test_armistice_day_on_a_sunday_moves_but_christmas_on_a_sunday_does_not():
    calendar = BusinessCalendar(WEEKDAYS)
    assert D(2029, 11, 11).weekday() == 6 and not calendar.is_working_day(D(2029, 11, 12))
    assert D(2029, 1, 7).weekday() == 6 and calendar.is_working_day(D(2029, 1, 8))


@pytest.mark.parametrize("language, expected", [
    ("en", "Statehood Day (day off in lieu)"),
    ("sr-latn", "Dan državnosti Srbije (slobodan dan)"),
    ("sr", "Дан државности Србије (слободан дан)"),
    ("hu", "Szerbia államiságának napja (áthelyezett pihenőnap)"),
])
def test_holiday_names_are_said_in_the_interface_language(language, expected):
    with translation.override(language):
        assert holiday_label("Statehood Day (observed)") == expected


def test_every_holiday_name_the_package_gives_has_our_translation():
    names = {name.removesuffix(" (observed)")
             for year in range(2007, 2051) for names in public_holidays(year).values()
             for name in names}
    assert names == set(HOLIDAY_NAMES)
