"""A deadline's life worked out on concrete dates: paused while the case waits on the
client and resumed with the time it had left, extended, restarted, recomputed under
another rule (`deadlines.evaluate`)."""

import datetime

import pytest

from salter.procedures.calendar import BusinessCalendar, local_moment
from salter.procedures.deadlines import EXTEND, PAUSE, RESTART, RESUME, evaluate, step

T = datetime.time
WEEK = {day: [(T(7, 30), T(15, 30))] for day in range(5)}


def at(text: str) -> datetime.datetime:
    """A Belgrade wall time such as "2026-04-09 23:30"."""
    return local_moment(datetime.datetime.fromisoformat(text))


@pytest.fixture
def office():
    return BusinessCalendar(WEEK)


def test_calendar_days_paused_keep_the_days_left(office):
    received = at("2026-03-02 09:00")  # Monday; 15 days end on Tuesday 17 March
    steps = [step(PAUSE, at("2026-03-05 10:00"))]

    paused = evaluate("15 calendar days", office, received, steps)
    resumed = evaluate("15 calendar days", office, received,
                       [*steps, step(RESUME, at("2026-03-20 11:00"))])

    assert evaluate("15 calendar days", office, received).due == at("2026-03-17 23:59:59")
    assert paused.due is None and paused.paused_at == at("2026-03-05 10:00")
    assert paused.left == datetime.timedelta(days=12)
    assert resumed.due == at("2026-04-01 23:59:59")  # 20 March + 12 days, a Wednesday


def test_a_resumed_calendar_deadline_ending_on_a_holiday_moves_to_the_next_working_day(
        office):
    received = at("2026-03-02 09:00")
    steps = [step(PAUSE, at("2026-03-05 10:00")),  # 12 days left
             step(RESUME, at("2026-03-29 09:00"))]  # 12 days: Good Friday, 10 April

    assert evaluate("15 calendar days", office, received, steps).due == at(
        "2026-04-14 23:59:59")


def test_working_hours_paused_keep_the_office_time_left(office):
    received = at("2026-03-03 09:00")  # Tuesday: 8 office hours end Wednesday 09:00
    steps = [step(PAUSE, at("2026-03-03 13:00")),  # 4 hours used, 4 left
             step(RESUME, at("2026-03-05 14:30"))]  # 1 hour on Thursday, 3 on Friday

    assert evaluate("8 working hours", office, received).due == at("2026-03-04 09:00")
    assert evaluate("8 working hours", office, received, steps).due == at("2026-03-06 10:30")


def test_working_days_across_orthodox_easter_keep_the_working_days_left(office):
    received = at("2026-04-08 10:00")  # Wednesday before Good Friday
    steps = [step(PAUSE, at("2026-04-09 12:00")),  # 14, 15, 16, 17 April left
             step(RESUME, at("2026-04-22 10:00"))]

    assert evaluate("5 working days", office, received).due == at("2026-04-17 23:59:59")
    assert evaluate("5 working days", office, received, steps).due == at(
        "2026-04-28 23:59:59")


def test_hours_around_the_clock_keep_the_plain_time_left(office):
    received = at("2026-03-28 20:00")  # 48 hours across the night the clocks go forward
    steps = [step(PAUSE, at("2026-03-29 20:00")), step(RESUME, at("2026-04-01 08:00"))]

    assert evaluate("48 hours", office, received).due == at("2026-03-30 21:00")
    assert evaluate("48 hours", office, received, steps).due == at("2026-04-02 09:00")


def test_a_deadline_already_passed_is_not_paused(office):
    received = at("2026-03-02 09:00")
    steps = [step(PAUSE, at("2026-03-20 10:00")), step(RESUME, at("2026-03-30 10:00"))]

    timing = evaluate("15 calendar days", office, received, steps)

    assert timing.due == at("2026-03-17 23:59:59") and not timing.is_paused


def test_an_extension_by_a_rule_counts_from_the_current_deadline(office):
    received = at("2026-03-02 09:00")  # due 17 March
    steps = [step(EXTEND, at("2026-03-10 09:00"), by="15 calendar days")]

    assert evaluate("15 calendar days", office, received, steps).due == at(
        "2026-04-01 23:59:59")


def test_an_extension_to_a_moment_and_then_a_pause(office):
    received = at("2026-03-02 09:00")
    steps = [step(EXTEND, at("2026-03-10 09:00"), until=at("2026-03-31 15:30").isoformat()),
             step(PAUSE, at("2026-03-21 09:00")),  # 10 days left
             step(RESUME, at("2026-03-25 09:00"))]

    assert evaluate("15 calendar days", office, received, steps).due == at(
        "2026-04-06 23:59:59")  # 4 April is a Saturday


def test_a_restart_counts_afresh(office):
    received = at("2026-01-05 09:00")
    steps = [step(RESTART, at("2026-03-02 09:00"))]

    assert evaluate("15 calendar days", office, received, steps).due == at(
        "2026-03-17 23:59:59")


def test_another_rule_replays_the_same_pauses(office):
    """A corrected procedure: the new rule, from receipt, through the same pause."""
    received = at("2026-03-02 09:00")
    steps = [step(PAUSE, at("2026-03-05 10:00")), step(RESUME, at("2026-03-20 11:00"))]

    # 30 days would end on 1 April; 27 were left at the pause, so 20 March + 27 days.
    assert evaluate("30 calendar days", office, received, steps).due == at(
        "2026-04-16 23:59:59")
