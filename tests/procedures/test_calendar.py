"""The business calendar: when a municipality is open and when a time limit ends.

Every municipality here keeps Monday–Friday 07:30–15:30 unless a test says otherwise.
Expected moments are worked out by hand from ZUP (the day of receipt is not counted; a
time limit whose last day is not a working day ends with the next working day; it ends
with the last second of its last day), the holidays (see test_holidays.py) and the
clocks of Belgrade: CET (+01:00) until the last Sunday of March (29 March 2026), CEST
(+02:00) until the last Sunday of October (25 October 2026).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from salter.procedures import actions, calendar
from salter.procedures.calendar import (
    BusinessCalendar,
    CalendarError,
    calendar_for,
    local_moment,
)
from salter.procedures.models import CalendarDay
from salter.tenancy.models import WorkingHours
from salter.tenancy.roles import Role
from tests.factories import make_member, make_municipality

T = datetime.time
D = datetime.date
WEEK = {day: [(T(7, 30), T(15, 30))] for day in range(5)}


def at(text: str) -> datetime.datetime:
    """A Belgrade wall time such as "2026-04-09 23:30"."""
    return local_moment(datetime.datetime.fromisoformat(text))


@pytest.fixture
def office():
    return BusinessCalendar(WEEK)


@pytest.fixture
def admin(municipality):
    return make_member(municipality, Role.ADMIN, username="admin")


# -- open or closed ---------------------------------------------------------------------------


@pytest.mark.parametrize("moment, expected", [
    ("2026-06-01 07:29:59", False),  # Monday, before opening
    ("2026-06-01 07:30", True),
    ("2026-06-01 15:29:59", True),
    ("2026-06-01 15:30", False),  # closing time is closed
    ("2026-06-06 10:00", False),  # Saturday
    ("2026-04-13 10:00", False),  # Easter Monday
    ("2026-02-17 10:00", False),  # Statehood Day, the day off in lieu
    ("2026-02-18 10:00", True),
])
def test_is_open_by_hours_weekends_and_holidays(office, moment, expected):
    assert office.is_open(at(moment)) is expected


def test_is_open_reads_a_utc_moment_in_belgrade_time(office):
    # 06:45 UTC is 07:45 in winter (open) but 05:45 UTC is 06:45 (closed).
    assert office.is_open(datetime.datetime(2026, 1, 12, 6, 45, tzinfo=datetime.UTC))
    assert not office.is_open(datetime.datetime(2026, 1, 12, 5, 45, tzinfo=datetime.UTC))
    # In summer 05:45 UTC is 07:45.
    assert office.is_open(datetime.datetime(2026, 6, 1, 5, 45, tzinfo=datetime.UTC))


def test_a_naive_moment_is_refused(office):
    with pytest.raises(CalendarError):
        office.is_open(datetime.datetime(2026, 6, 1, 10, 0))


def test_a_day_with_a_break_has_two_office_periods():
    split = BusinessCalendar({0: [(T(13, 0), T(15, 30)), (T(7, 30), T(12, 0))]})
    assert split.is_open(at("2026-06-01 11:59"))
    assert not split.is_open(at("2026-06-01 12:30"))
    assert split.next_opening(at("2026-06-01 12:30")) == at("2026-06-01 13:00")
    # 10:00 + 5 h: two hours until the break, two and a half after it, half an hour on
    # the next Monday (only Mondays are worked here).
    assert split.add_working_hours(at("2026-06-01 10:00"), 5) == at("2026-06-08 08:00")


def test_a_municipality_without_office_hours_keeps_the_usual_ones():
    assert BusinessCalendar({}).is_open(at("2026-06-01 10:00"))
    assert not BusinessCalendar({}).is_open(at("2026-06-06 10:00"))


# -- next opening -----------------------------------------------------------------------------


@pytest.mark.parametrize("moment, expected", [
    ("2026-04-09 23:30", "2026-04-14 07:30"),  # the night before Good Friday
    ("2026-04-11 10:00", "2026-04-14 07:30"),  # Holy Saturday
    ("2026-06-01 06:00", "2026-06-01 07:30"),  # before opening the same day
    ("2026-06-01 10:00", "2026-06-02 07:30"),  # while open: the next office day
    ("2027-04-29 16:00", "2027-05-05 07:30"),  # Easter and Labour Day 2027
    ("2026-12-31 16:00", "2027-01-04 07:30"),  # New Year on Friday and Saturday
])
def test_next_opening(office, moment, expected):
    assert office.next_opening(at(moment)) == at(expected)


# -- calendar days (ZUP) ----------------------------------------------------------------------


@pytest.mark.parametrize("received, days, expected", [
    # Received at 23:30 the day before Good Friday: 10–13 April are holidays.
    ("2026-04-09 23:30", 1, "2026-04-14 23:59:59"),
    ("2026-04-09 23:30", 3, "2026-04-14 23:59:59"),
    ("2026-04-09 23:30", 15, "2026-04-24 23:59:59"),
    # 15 days from 27 March end on Holy Saturday 11 April: moved to Tuesday 14 April.
    ("2026-03-27 09:00", 15, "2026-04-14 23:59:59"),
    # Statehood Day on a Sunday: 14–17 February closed (Saturday, two holidays, in lieu).
    ("2026-02-13 10:00", 1, "2026-02-18 23:59:59"),
    # ZUP 30 days from 16 January end on Sunday 15 February: Wednesday 18 February.
    ("2026-01-16 11:00", 30, "2026-02-18 23:59:59"),
    # ZUP 60 days from 3 March end on Saturday 2 May (Labour Day): Monday 4 May.
    ("2026-03-03 11:00", 60, "2026-05-04 23:59:59"),
    # 2027: Good Friday 30 April to the day in lieu on 4 May.
    ("2027-04-29 12:00", 1, "2027-05-05 23:59:59"),
    ("2027-04-29 12:00", 15, "2027-05-14 23:59:59"),
    # New Year 2027 on Friday and Saturday: Monday 4 January.
    ("2026-12-31 10:00", 1, "2027-01-04 23:59:59"),
    # New Year 2028 on Saturday and Sunday, Monday 3 January in lieu: Tuesday 4 January.
    ("2027-12-31 10:00", 1, "2028-01-04 23:59:59"),
    # Across the spring clock change: ends in summer time.
    ("2026-03-20 10:00", 10, "2026-03-30 23:59:59"),
    # Received on a Saturday: counting starts on Sunday all the same.
    ("2026-06-06 10:00", 2, "2026-06-08 23:59:59"),
])
def test_add_calendar_days(office, received, days, expected):
    assert office.add_calendar_days(at(received), days) == at(expected)


def test_the_day_of_receipt_is_the_belgrade_day_not_the_utc_one(office):
    # 00:30 on Thursday 15 January in Belgrade is still Wednesday in UTC.
    received = datetime.datetime(2026, 1, 14, 23, 30, tzinfo=datetime.UTC)
    assert office.add_calendar_days(received, 1) == at("2026-01-16 23:59:59")


def test_a_deadline_is_an_instant_with_the_offset_of_its_day(office):
    due = office.add_calendar_days(at("2026-03-20 10:00"), 10)
    assert due.isoformat() == "2026-03-30T23:59:59+02:00"
    assert due.astimezone(datetime.UTC) == datetime.datetime(2026, 3, 30, 21, 59, 59,
                                                               tzinfo=datetime.UTC)
    winter = office.add_calendar_days(at("2026-10-20 10:00"), 10)
    assert winter.isoformat() == "2026-10-30T23:59:59+01:00"


# -- working days -----------------------------------------------------------------------------


@pytest.mark.parametrize("received, days, expected", [
    ("2026-04-09 23:30", 1, "2026-04-14 23:59:59"),
    ("2026-02-13 10:00", 2, "2026-02-19 23:59:59"),  # 18 and 19 February
    ("2027-04-29 12:00", 5, "2027-05-11 23:59:59"),  # 5, 6, 7, 10, 11 May
    ("2026-12-31 10:00", 5, "2027-01-11 23:59:59"),  # 4, 5, 6, (7 Christmas), 8, 11 Jan
    ("2026-06-05 16:00", 1, "2026-06-08 23:59:59"),  # after hours on Friday: Monday
    ("2026-06-06 10:00", 1, "2026-06-08 23:59:59"),  # on Saturday: Monday
])
def test_add_working_days(office, received, days, expected):
    assert office.add_working_days(at(received), days) == at(expected)


# -- working hours ----------------------------------------------------------------------------


@pytest.mark.parametrize("received, hours, expected", [
    ("2026-04-09 23:30", 3, "2026-04-14 10:30"),  # from the opening after Easter
    ("2026-06-01 10:00", 4, "2026-06-01 14:00"),
    ("2026-06-01 10:00", 8, "2026-06-02 10:00"),
    ("2026-06-01 07:30", 8, "2026-06-01 15:30"),  # a whole office day, ends at closing
    ("2027-04-29 14:30", 8, "2027-05-05 14:30"),  # one hour Thursday, seven on 5 May
    # Spring clock change over the weekend: one hour on Friday (CET), two on Monday (CEST).
    ("2026-03-27 14:30", 3, "2026-03-30 09:30"),
    # Autumn: two and a half hours on Friday (CEST), one and a half on Monday (CET).
    ("2026-10-23 13:00", 4, "2026-10-26 09:00"),
])
def test_add_working_hours(office, received, hours, expected):
    assert office.add_working_hours(at(received), hours) == at(expected)


def test_working_hours_across_the_clock_change_are_office_hours_not_utc_hours(office):
    due = office.add_working_hours(at("2026-03-27 14:30"), 3)
    assert due.isoformat() == "2026-03-30T09:30:00+02:00"  # 07:30 UTC, not 08:30
    assert office.working_time_between(at("2026-10-23 13:00"), at("2026-10-26 09:00")) == (
        datetime.timedelta(hours=4))


def test_hours_around_the_clock_count_the_real_hours_of_a_clock_change_night(office):
    # 48 hours from Saturday noon before the spring change: Monday 13:00 on the clock.
    assert office.add_hours(at("2026-03-28 12:00"), 48) == at("2026-03-30 13:00")
    # And before the autumn change: Monday 11:00.
    assert office.add_hours(at("2026-10-24 12:00"), 48) == at("2026-10-26 11:00")
    # Not moved off a holiday: the law gives 48 hours.
    assert office.add_hours(at("2026-04-09 12:00"), 48) == at("2026-04-11 12:00")


def test_nothing_less_than_one_working_day_or_hour_is_counted(office):
    with pytest.raises(CalendarError):
        office.add_working_days(at("2026-06-01 10:00"), 0)
    with pytest.raises(CalendarError):
        office.add_working_hours(at("2026-06-01 10:00"), 0)


# -- wall times the clocks skip or repeat -----------------------------------------------------


def test_a_wall_time_the_clocks_skip_or_repeat_is_refused_unless_its_offset_is_given():
    with pytest.raises(CalendarError, match="does not exist"):
        local_moment(datetime.datetime(2026, 3, 29, 2, 30))
    with pytest.raises(CalendarError, match="happens twice"):
        local_moment(datetime.datetime(2026, 10, 25, 2, 30))
    second = local_moment(datetime.datetime.fromisoformat("2026-10-25T02:30+01:00"))
    assert second.isoformat() == "2026-10-25T02:30:00+01:00"


# -- a municipality's own days ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_citys_day_every_year_and_a_declared_day_off(admin, municipality):
    actions.add_day_off(actor=admin, date=D(2026, 9, 1), reason="Dan grada",
                        every_year=True)
    actions.add_day_off(actor=admin, date=D(2026, 12, 31), reason="Odluka gradonačelnika")
    cal = calendar_for(municipality)
    assert not cal.is_open(at("2026-09-01 10:00"))  # Tuesday
    assert not cal.is_open(at("2027-09-01 10:00"))  # Wednesday, a year later
    assert cal.is_open(at("2025-09-01 10:00"))  # before the day was set
    assert cal.day_off(D(2027, 9, 1)).why == "Dan grada"
    assert cal.day_off(D(2027, 9, 1)).kind == "municipal"
    assert cal.add_calendar_days(at("2026-08-31 10:00"), 1) == at("2026-09-02 23:59:59")
    # 31 December and the New Year: 4 January 2027.
    assert cal.add_calendar_days(at("2026-12-30 10:00"), 1) == at("2027-01-04 23:59:59")
    assert cal.is_working_day(D(2027, 12, 31))  # declared for 2026 only


@pytest.mark.django_db
def test_a_municipal_day_off_on_a_sunday_gives_no_day_in_lieu(admin, municipality):
    actions.add_day_off(actor=admin, date=D(2026, 9, 6), reason="Dan grada")
    assert calendar_for(municipality).is_working_day(D(2026, 9, 7))


@pytest.mark.django_db
def test_an_office_open_on_a_saturday_counts_as_a_working_day(admin, municipality):
    actions.add_special_opening(actor=admin, date=D(2026, 3, 14), opens=T(8, 0),
                                closes=T(12, 0), reason="Radna subota")
    cal = calendar_for(municipality)
    assert cal.is_open(at("2026-03-14 10:00"))
    assert not cal.is_open(at("2026-03-14 12:00"))
    assert cal.add_calendar_days(at("2026-03-13 10:00"), 1) == at("2026-03-14 23:59:59")
    assert cal.add_working_hours(at("2026-03-13 15:00"), 2) == at("2026-03-14 09:30")
    assert cal.next_opening(at("2026-03-13 16:00")) == at("2026-03-14 08:00")


@pytest.mark.django_db
def test_an_office_may_open_on_a_holiday(admin, municipality):
    actions.add_special_opening(actor=admin, date=D(2026, 5, 2), opens=T(7, 0),
                                closes=T(19, 0), reason="Dežurstvo matične službe")
    assert calendar_for(municipality).is_open(at("2026-05-02 18:00"))


@pytest.mark.django_db
def test_office_hours_by_weekday_with_a_break(admin, municipality):
    actions.set_office_hours(actor=admin, weekday=2, periods=[(T(7, 0), T(11, 0)),
                                                              (T(14, 0), T(18, 0))])
    actions.set_office_hours(actor=admin, weekday=4, periods=[])
    assert calendar.is_open(municipality, at("2026-06-03 17:00"))  # Wednesday afternoon
    assert not calendar.is_open(municipality, at("2026-06-03 12:00"))
    assert not calendar.is_open(municipality, at("2026-06-05 10:00"))  # no Fridays
    assert calendar.next_opening(municipality, at("2026-06-04 16:00")) == at(
        "2026-06-08 07:30")
    assert calendar_for(municipality).day_off(D(2026, 6, 5)).kind == "closed"


@pytest.mark.django_db
def test_bad_office_hours_and_days_are_refused_and_nothing_changes(admin, officer,
                                                                  municipality):
    before = list(WorkingHours.objects.filter(municipality=municipality).values_list(
        "weekday", "opens", "closes"))
    with pytest.raises(ValidationError) as error:
        actions.set_office_hours(actor=admin, weekday=0, periods=[(T(12, 0), T(8, 0))])
    assert "closes" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_office_hours(actor=admin, weekday=0, periods=[(T(8, 0), T(12, 0)),
                                                                  (T(11, 0), T(15, 0))])
    assert "opens" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.set_office_hours(actor=admin, weekday=7, periods=[])
    assert "weekday" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.set_office_hours(actor=officer, weekday=0, periods=[])
    assert list(WorkingHours.objects.filter(municipality=municipality).values_list(
        "weekday", "opens", "closes")) == before

    actions.add_day_off(actor=admin, date=D(2026, 9, 1), reason="Dan grada")
    with pytest.raises(ValidationError) as error:
        actions.add_day_off(actor=admin, date=D(2026, 9, 1), reason="Opet")
    assert "date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_day_off(actor=admin, date=D(2026, 9, 2), reason="  ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.add_special_opening(actor=admin, date=D(2026, 3, 14), opens=T(12, 0),
                                    closes=T(8, 0), reason="Radna subota")
    assert "closes" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.add_day_off(actor=officer, date=D(2026, 9, 3), reason="Ne")
    assert list(CalendarDay.objects.filter(municipality=municipality).values_list(
        "date", flat=True)) == [D(2026, 9, 1)]


@pytest.mark.django_db
def test_removing_a_day_off_opens_the_office_again(admin, other_municipality,
                                                   municipality):
    day = actions.add_day_off(actor=admin, date=D(2026, 9, 1), reason="Dan grada")
    assert not calendar.is_open(municipality, at("2026-09-01 10:00"))
    other_admin = make_member(other_municipality, Role.ADMIN, username="otheradmin")
    with pytest.raises(ValidationError):
        actions.remove_calendar_day(actor=other_admin, day=day)
    actions.remove_calendar_day(actor=admin, day=day)
    assert calendar.is_open(municipality, at("2026-09-01 10:00"))


# -- one read, many answers -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_calendar_is_read_in_two_queries_and_then_answers_without_any(
        municipality, django_assert_num_queries):
    moments = [at("2026-04-09 10:00") + datetime.timedelta(minutes=7 * n)
               for n in range(2000)]
    with django_assert_num_queries(2):
        answers = [calendar.is_open(municipality, moment) for moment in moments]
        calendar.add_calendar_days(municipality, moments[0], 30)
    assert True in answers and False in answers


@pytest.mark.django_db
def test_a_change_to_the_hours_is_seen_at_once_by_this_process(municipality):
    assert calendar.is_open(municipality, at("2026-06-06 10:00")) is False
    WorkingHours.objects.create(municipality=municipality, weekday=5, opens=T(8, 0),
                                closes=T(12, 0))
    assert calendar.is_open(municipality, at("2026-06-06 10:00")) is True


@pytest.mark.django_db
def test_calendars_are_per_municipality(admin, municipality, other_municipality):
    actions.add_day_off(actor=admin, date=D(2026, 9, 1), reason="Dan grada")
    assert not calendar.is_open(municipality, at("2026-09-01 10:00"))
    assert calendar.is_open(other_municipality, at("2026-09-01 10:00"))


def test_new_municipality_gets_the_usual_hours(db):
    m = make_municipality()
    assert calendar.is_open(m, at("2026-06-01 10:00"))
