"""The municipalities of Vojvodina as loaded by the data migration."""

import pytest
from django.utils.text import slugify

from salter.lang.transliteration import to_latin
from salter.tenancy.data.municipalities import DISTRICTS, MUNICIPALITIES, PILOTS
from salter.tenancy.models import Municipality, WorkingHours

pytestmark = pytest.mark.django_db

CITIES = {"novi-sad", "subotica", "zrenjanin", "pancevo", "sombor", "kikinda",
          "sremska-mitrovica", "vrsac"}


def test_migration_loads_45_municipalities_with_the_10_pilots_active():
    assert Municipality.objects.count() == 45
    active = set(Municipality.objects.active().values_list("slug", flat=True))
    assert active == set(PILOTS)
    assert len(active) == 10
    assert not Municipality.objects.filter(is_active=False, activated_at__isnull=False).exists()


def test_pilots_have_office_hours_monday_to_friday():
    for slug in PILOTS:
        hours = WorkingHours.objects.filter(municipality__slug=slug)
        assert sorted(hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]


def test_eight_cities_and_37_municipalities():
    cities = set(Municipality.objects.filter(kind=Municipality.Kind.CITY)
                 .values_list("slug", flat=True))
    assert cities == CITIES
    assert Municipality.objects.filter(kind=Municipality.Kind.MUNICIPALITY).count() == 37


def test_minority_names_as_in_the_statutes():
    names = dict(Municipality.objects.values_list("slug", "minority_names"))
    assert names["subotica"] == {"hu": "Szabadka", "hr": "Subotica"}
    assert names["becej"] == {"hu": "Óbecse"}
    assert names["kovacica"]["sk"] == "Kovačica"
    assert names["vrsac"]["ro"] == "Vârșeț"
    assert names["kula"]["rue"] == "Кула"
    assert names["vrbas"]["rue"] == "Вербас"
    assert names["kanjiza"] == {"hu": "Magyarkanizsa"}
    # Serbian only: Srem without minority languages in official use.
    assert names["indjija"] == {} and names["ruma"] == {}
    allowed = {"hu", "sk", "ro", "rue", "hr"}
    assert all(set(n) <= allowed for n in names.values())


@pytest.mark.parametrize("row", MUNICIPALITIES, ids=lambda row: row["slug"])
def test_slug_and_cyrillic_name_agree_with_the_latin_name(row):
    # The ASCII slug is the Latin name without diacritics (đ as dj).
    assert row["slug"] == slugify(row["name"].replace("đ", "dj").replace("Đ", "Dj"))
    # Cyrillic to Latin is unambiguous (Latin to Cyrillic is not: Odžaci is Оџаци).
    assert to_latin(row["name_cyrl"]) == row["name"]
    assert row["district"] in DISTRICTS


def test_seven_districts_hold_all_45():
    counts = {d: sum(1 for m in MUNICIPALITIES if m["district"] == d) for d in DISTRICTS}
    assert counts == {
        "Severnobački okrug": 3, "Srednjobanatski okrug": 5, "Severnobanatski okrug": 6,
        "Južnobanatski okrug": 8, "Zapadnobački okrug": 4, "Južnobački okrug": 12,
        "Sremski okrug": 7,
    }
