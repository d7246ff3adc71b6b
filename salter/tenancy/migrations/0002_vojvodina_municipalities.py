"""Load the 45 local self-governments of Vojvodina and activate the ten pilots.

Idempotent: rows are matched by slug, so running it on a database that already has some
of them (created by hand or by an earlier version) fills in the names instead of failing.
A municipality that is already active stays active; non-pilots are never activated here.
Pilots get the usual office hours (Mon–Fri 7:30–15:30) when they have none; departments
and case types come from `salter municipality activate`, which the demo runs.
"""

import datetime

from django.db import migrations
from django.utils import timezone

from salter.tenancy.data.municipalities import MUNICIPALITIES, PILOTS


def load(apps, schema_editor):
    Municipality = apps.get_model("tenancy", "Municipality")
    WorkingHours = apps.get_model("tenancy", "WorkingHours")
    now = timezone.now()
    for row in MUNICIPALITIES:
        municipality, _created = Municipality.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "name_cyrl": row["name_cyrl"],
                "kind": row["kind"],
                "district": row["district"],
                "minority_names": dict(row["minority_names"]),
            },
        )
        if row["slug"] not in PILOTS:
            continue
        if not municipality.is_active:
            municipality.is_active = True
            municipality.activated_at = now
            municipality.save(update_fields=["is_active", "activated_at"])
        if not WorkingHours.objects.filter(municipality=municipality).exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(municipality=municipality, weekday=day,
                             opens=datetime.time(7, 30), closes=datetime.time(15, 30))
                for day in range(5)
            )


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
