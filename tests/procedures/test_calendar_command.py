"""`salter calendar due …` and `salter calendar show …`."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from salter.procedures import actions
from salter.tenancy.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def due(received: str, rule: str, municipality: str = "subotica") -> dict:
    output = run("due", "--municipality", municipality, "--received", received,
                 "--rule", rule)
    assert output.count("\n") == 1  # one JSON line
    return json.loads(output)


def test_due_prints_one_json_line_with_the_deadline_in_belgrade_time(municipality):
    answer = due("2026-04-09T23:30", "1 calendar day")
    assert answer == {
        "due": "2026-04-14T23:59:59+02:00",
        "due_utc": "2026-04-14T21:59:59Z",
        "rule": "1 calendar day",
        "received": "2026-04-09T23:30:00+02:00",
        "municipality": "subotica",
        "calendar_days": 5,
        "working_days": 1,
        "days_off": [{"date": "2026-04-10", "why": "Good Friday"},
                     {"date": "2026-04-11", "why": "Holy Saturday"},
                     {"date": "2026-04-12", "why": "Easter"},
                     {"date": "2026-04-13", "why": "Easter Monday"}],
        "moved_from": {"date": "2026-04-10", "why": "Good Friday"},
    }


@pytest.mark.parametrize("received, rule, expected", [
    ("2026-03-27T09:00", "15 calendar days", "2026-04-14T23:59:59+02:00"),
    ("2026-01-16T11:00", "30 calendar days", "2026-02-18T23:59:59+01:00"),
    ("2026-03-03T11:00", "60 calendar days", "2026-05-04T23:59:59+02:00"),
    ("2027-04-29T12:00", "5 working days", "2027-05-11T23:59:59+02:00"),
    ("2026-03-27T14:30", "3 working hours", "2026-03-30T09:30:00+02:00"),
    ("2026-10-23T13:00", "4 working hours", "2026-10-26T09:00:00+01:00"),
    ("2026-03-28T12:00", "48 hours", "2026-03-30T13:00:00+02:00"),
    ("2026-12-31T16:00", "next opening", "2027-01-04T07:30:00+01:00"),
    ("2026-03-27T14:30:00+01:00", "3 working hours", "2026-03-30T09:30:00+02:00"),
    ("2026-03-27T13:30:00Z", "3 working hours", "2026-03-30T09:30:00+02:00"),
    ("2026-04-09T23:30", "1 radni dan", "2026-04-14T23:59:59+02:00"),
])
def test_due_for_each_kind_of_rule(municipality, received, rule, expected):
    assert due(received, rule)["due"] == expected


def test_due_counts_the_days_and_says_what_moved_the_deadline(municipality):
    answer = due("2026-01-16T11:00", "30 calendar days")
    assert answer["moved_from"] == {"date": "2026-02-15", "why": "Statehood Day"}
    assert answer["calendar_days"] == 33
    assert [d["date"] for d in answer["days_off"]] == ["2026-02-15", "2026-02-16",
                                                        "2026-02-17"]
    # 17 Jan – 18 Feb: 33 days, 10 weekend days (one of them Statehood Day), two more
    # holidays on Monday and Tuesday.
    assert answer["working_days"] == 33 - 10 - 2
    assert "moved_from" not in due("2026-04-09T23:30", "15 calendar days")


def test_due_speaks_the_language_asked_for(municipality):
    output = run("due", "--municipality", "subotica", "--received", "2026-04-09T23:30",
                 "--rule", "1 calendar day", "--language", "sr-latn")
    assert json.loads(output)["moved_from"]["why"] == "Veliki petak"


@pytest.mark.parametrize("args, message", [
    (("--rule", "15 days"), "Unknown deadline rule “15 days”"),
    (("--rule", "0 working days"), "counts from 1 to 999"),
    (("--received", "2026-13-01"), "--received: “2026-13-01” is not an ISO date and time"),
    (("--received", "yesterday"), "is not an ISO date and time"),
    (("--received", "2026-03-29T02:30"), "does not exist in Belgrade"),
    (("--received", "2026-10-25T02:30"), "happens twice in Belgrade"),
    (("--municipality", "atlantida"), "Unknown municipality “atlantida”"),
])
def test_due_refuses_bad_input_with_a_clear_message(municipality, args, message):
    given = {"--municipality": "subotica", "--received": "2026-04-09T10:00",
             "--rule": "15 calendar days"}
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message):
        run("due", *[part for pair in given.items() for part in pair])


def test_bad_input_exits_non_zero_from_the_command_line(municipality, capsys):
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["salter", "calendar", "due", "--municipality", "subotica",
                           "--received", "2026-04-09T10:00", "--rule", "soon"]).execute()
    assert exit_.value.code != 0
    assert "Unknown deadline rule “soon”" in capsys.readouterr().err


def test_show_lists_the_non_working_days_of_a_year_one_per_line(municipality):
    lines = run("show", "subotica", "--year", "2026").splitlines()
    assert lines == [
        "2026-01-01  Thu  holiday    New Year's Day",
        "2026-01-02  Fri  holiday    New Year's Day",
        "2026-01-07  Wed  holiday    Orthodox Christmas",
        "2026-02-15  Sun  holiday    Statehood Day",
        "2026-02-16  Mon  holiday    Statehood Day",
        "2026-02-17  Tue  holiday    Statehood Day (day off in lieu)",
        "2026-04-10  Fri  holiday    Good Friday",
        "2026-04-11  Sat  holiday    Holy Saturday",
        "2026-04-12  Sun  holiday    Easter",
        "2026-04-13  Mon  holiday    Easter Monday",
        "2026-05-01  Fri  holiday    Labour Day",
        "2026-05-02  Sat  holiday    Labour Day",
        "2026-11-11  Wed  holiday    Armistice Day",
    ]


def test_show_includes_the_municipalitys_own_days(municipality):
    admin = make_member(municipality, Role.ADMIN, username="admin")
    actions.add_day_off(actor=admin, date=datetime.date(2020, 9, 1), reason="Dan grada",
                        every_year=True)
    actions.add_special_opening(actor=admin, date=datetime.date(2027, 3, 13),
                                opens=datetime.time(8), closes=datetime.time(12),
                                reason="Radna subota")
    output = run("show", "subotica", "--year", "2027")
    assert "2027-09-01  Wed  municipal  Dan grada" in output.splitlines()
    assert "2027-03-13  Sat  open       08:00–12:00 Radna subota" in output.splitlines()
    assert "2027-05-04  Tue  holiday    Labour Day (day off in lieu)" in output.splitlines()


def test_show_all_adds_the_weekends(municipality):
    lines = run("show", "subotica", "--year", "2026", "--all").splitlines()
    weekends = [line for line in lines if " closed " in line]
    # 2026 has 104 Saturdays and Sundays; 15 Feb, 11 Apr, 12 Apr and 2 May are holidays.
    assert len(weekends) == 104 - 4
    assert "2026-01-03  Sat  closed     no office hours" in lines


def test_show_in_hungarian(municipality):
    output = run("show", "subotica", "--year", "2027", "--language", "hu")
    assert "2027-05-04" in output and "A munka ünnepe (áthelyezett pihenőnap)" in output


@pytest.mark.parametrize("args, message", [
    (("atlantida", "--year", "2026"), "Unknown municipality “atlantida”"),
    (("subotica", "--year", "1999"), "--year: give a year from 2007 to 2100"),
])
def test_show_refuses_bad_input(municipality, args, message):
    with pytest.raises(CommandError, match=message):
        run("show", *args)
