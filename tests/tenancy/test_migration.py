"""The data migration can run again over existing rows without duplicating or
deactivating anything."""

import importlib

import pytest
from django.apps import apps

from salter.tenancy.models import Municipality, WorkingHours

pytestmark = pytest.mark.django_db

migration = importlib.import_module("salter.tenancy.migrations.0002_vojvodina_municipalities")


def test_running_the_load_again_changes_nothing():
    Municipality.objects.filter(slug="ada").update(is_active=True)
    before = list(Municipality.objects.order_by("slug").values())
    hours = WorkingHours.objects.count()
    migration.load(apps, None)
    assert list(Municipality.objects.order_by("slug").values()) == before
    assert WorkingHours.objects.count() == hours


def test_load_restores_names_of_an_existing_row():
    Municipality.objects.filter(slug="senta").update(name="x", minority_names={})
    migration.load(apps, None)
    senta = Municipality.objects.get(slug="senta")
    assert senta.name == "Senta"
    assert senta.minority_names == {"hu": "Zenta"}
    assert not senta.is_active
