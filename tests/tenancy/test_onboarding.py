"""`salter municipality …`: onboarding a municipality of Vojvodina."""

import io

import pytest
from django.core.management import CommandError, call_command

from salter.procedures.models import CaseType
from salter.tenancy.models import Department, Municipality, WorkingHours
from salter.tenancy.onboarding import UnknownMunicipality, activate_municipality
from tests.factories import make_department

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("municipality", *args, stdout=out)
    return out.getvalue()


def test_activate_onboards_an_inactive_municipality():
    output = run("activate", "ada")
    ada = Municipality.objects.get(slug="ada")
    assert ada.is_active and ada.activated_at is not None
    assert ada.default_language == "sr-latn"
    names = set(ada.departments.values_list("name", flat=True))
    assert {"Odeljenje za urbanizam", "Odeljenje za komunalne poslove",
            "Služba za opšte poslove i pisarnica", "Kabinet predsednika opštine",
            "JKP Vodovod i kanalizacija"} <= names
    assert "JKP Toplana" not in names  # heating utility only for cities by default
    assert ada.departments.filter(kind=Department.Kind.OUTSIDE_BODY).exists()
    assert ada.departments.get(name="Odeljenje za urbanizam").registry_unit == "IV-03"
    info = CaseType.objects.get(municipality=ada, code="public-information")
    assert (info.classification, info.resolution_rule) == ("031", "15 calendar days")
    urbanism = CaseType.objects.get(municipality=ada, classification="351")
    assert urbanism.department.name == "Odeljenje za urbanizam"
    assert CaseType.objects.get(municipality=ada, classification="434").department.name == (
        "Odeljenje za finansije i lokalnu poresku administraciju")
    hours = WorkingHours.objects.filter(municipality=ada)
    assert sorted(hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    assert {(h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M")) for h in hours} == {
        ("07:30", "15:30")}
    assert "Activated Ada" in output and "351 Urbanizam i izgradnja" in output


def test_a_city_gets_the_mayors_cabinet_and_a_heating_utility():
    run("activate", "novi-sad")
    names = set(Department.objects.filter(municipality__slug="novi-sad")
                .values_list("name", flat=True))
    assert {"Kabinet gradonačelnika", "JKP Toplana"} <= names


def test_activating_twice_creates_nothing_new():
    run("activate", "ada")
    ada = Municipality.objects.get(slug="ada")
    counts = (ada.departments.count(), ada.case_types.count(), ada.working_hours.count())
    activated_at = ada.activated_at
    output = run("activate", "ada")
    ada.refresh_from_db()
    assert (ada.departments.count(), ada.case_types.count(), ada.working_hours.count()) == counts
    assert ada.activated_at == activated_at
    assert "already active" in output and "Nothing to do" in output


def test_existing_departments_are_kept_and_no_defaults_added():
    senta = Municipality.objects.get(slug="senta")
    make_department(senta, name="Odeljenje za opštu upravu")
    report = activate_municipality("senta")
    assert report.departments == []
    assert list(senta.departments.values_list("name", flat=True)) == [
        "Odeljenje za opštu upravu"]
    # Case types still come, without a department they could not be matched to.
    assert senta.case_types.count() == len(report.case_types) > 0


def test_unknown_slug_is_a_clear_error_with_nonzero_exit():
    with pytest.raises(CommandError, match="Unknown municipality “atlantida”"):
        run("activate", "atlantida")
    with pytest.raises(UnknownMunicipality):
        activate_municipality("atlantida")
    assert Municipality.objects.count() == 45


def test_deactivate_keeps_data_and_list_shows_state():
    run("activate", "ada")
    assert "Deactivated ada" in run("deactivate", "ada")
    ada = Municipality.objects.get(slug="ada")
    assert not ada.is_active and ada.departments.exists()
    assert "was not active" in run("deactivate", "ada")
    listing = run("list")
    assert len(listing.strip().splitlines()) == 45
    line = next(x for x in listing.splitlines() if x.startswith("subotica "))
    assert "active" in line and "grad" in line


def test_public_contacts_are_validated():
    from django.core.exceptions import ValidationError

    from salter.tenancy.onboarding import set_public_contacts

    senta = Municipality.objects.get(slug="senta")
    set_public_contacts(senta, email=" Pisarnica@Senta.example ", phone="+381 24 000 000")
    senta.refresh_from_db()
    assert (senta.email, senta.phone) == ("pisarnica@senta.example", "+381 24 000 000")
    with pytest.raises(ValidationError):
        set_public_contacts(senta, email="not an address")
    senta.refresh_from_db()
    assert senta.email == "pisarnica@senta.example"
