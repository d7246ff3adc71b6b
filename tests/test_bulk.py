"""salter.bulk writes the same rows Django's bulk_create and save would."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils.translation import gettext_lazy

from salter import bulk
from salter.cases.models import Case, CaseEvent, Channel, Priority
from salter.cases.workflow import Status
from salter.clients.models import Client, ContactPoint
from salter.documents.models import Blob


@pytest.mark.django_db
def test_insert_sets_keys_and_reads_back_what_bulk_create_writes(municipality):
    when = datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC)
    ours = [Case(municipality=municipality, subject=f"Rupa na putu {i}", channel=Channel.EMAIL,
                 status=Status.NEW, priority=Priority.HIGH, created_at=when, year=2026,
                 sequence=i, registry_number=f"351-{i}/2026", language="sr-latn")
            for i in range(1, 4)]
    bulk.insert(Case, ours)
    assert [c.pk for c in ours] == sorted(c.pk for c in ours) and all(c.pk for c in ours)
    assert not ours[0]._state.adding
    theirs = Case(municipality=municipality, subject="Rupa na putu 9", channel=Channel.EMAIL,
                  status=Status.NEW, priority=Priority.HIGH, created_at=when, year=2026,
                  sequence=9, registry_number="351-9/2026", language="sr-latn")
    Case.objects.bulk_create([theirs])
    columns = [f.attname for f in Case._meta.concrete_fields
               if f.attname not in {"id", "subject", "sequence", "registry_number",
                                    "tracking_code", "updated_at"}]
    mine = Case.objects.filter(pk=ours[0].pk).values(*columns).get()
    django = Case.objects.filter(pk=theirs.pk).values(*columns).get()
    assert mine == django
    assert Case.objects.get(pk=ours[1].pk).created_at == when


@pytest.mark.django_db
def test_insert_takes_keys_of_instances_saved_after_it_was_built(municipality,
                                                                 django_assert_num_queries):
    client = Client(municipality=municipality, first_name="Jelena", last_name="Đorđević")
    point = ContactPoint(municipality=municipality, client=client,
                         kind=ContactPoint.Kind.EMAIL, value="jelena@example.net")
    bulk.insert(Client, [client])
    bulk.insert(ContactPoint, [point])
    assert ContactPoint.objects.get(pk=point.pk).client_id == client.pk
    with django_assert_num_queries(0):
        assert point.client is client  # still the instance, not loaded again


@pytest.mark.django_db
def test_insert_refuses_a_relation_to_an_unsaved_instance(municipality):
    client = Client(municipality=municipality, first_name="Jelena", last_name="Đorđević")
    point = ContactPoint(municipality=municipality, client=client,
                         kind=ContactPoint.Kind.EMAIL, value="jelena@example.net")
    with pytest.raises(ValueError, match="unsaved"):
        bulk.insert(ContactPoint, [point])


@pytest.mark.django_db
def test_insert_converts_json_enums_lazy_text_and_auto_now_add(municipality):
    case = Case.objects.create(municipality=municipality, subject="Buka", year=2026,
                               sequence=1, registry_number="1/2026")
    event = CaseEvent(municipality=municipality, case=case, kind=CaseEvent.Kind.NOTE,
                      text=gettext_lazy("Note"), after={"ćirilica": "Ђорђевић", "n": [1, 2]},
                      ref=None)
    bulk.insert(CaseEvent, [event])
    blob = Blob(sha256="a" * 64, size=3)
    bulk.insert(Blob, [blob])
    stored = CaseEvent.objects.get(pk=event.pk)
    assert stored.kind == "note" and stored.text == "Note"
    assert stored.after == {"ćirilica": "Ђорђевић", "n": [1, 2]} and stored.ref is None
    assert Blob.objects.get(pk=blob.pk).created_at is not None


@pytest.mark.django_db
def test_insert_splits_statements_at_the_parameter_limit(municipality):
    # More than fits in one statement on SQLite; PostgreSQL has no such limit.
    rows = (connection.features.max_query_params or 4000) // 4 + 7
    blobs = [Blob(sha256=f"{i:064x}", size=i) for i in range(rows)]
    bulk.insert(Blob, blobs)
    assert len({b.pk for b in blobs}) == rows
    assert dict(Blob.objects.values_list("pk", "size")) == {b.pk: b.size for b in blobs}


@pytest.mark.django_db
def test_update_writes_only_the_named_fields(municipality):
    cases = [Case.objects.create(municipality=municipality, subject=f"Buka {i}", year=2026,
                                 sequence=i, registry_number=f"{i}/2026") for i in (1, 2)]
    for case in cases:
        case.status, case.subject = Status.IN_PROGRESS, "changed"
    bulk.update(cases, ["status"])
    assert list(Case.objects.order_by("pk").values_list("status", "subject")) == [
        ("in_progress", "Buka 1"), ("in_progress", "Buka 2")]


@pytest.mark.django_db
def test_update_refuses_what_the_model_refuses(municipality):
    case = Case.objects.create(municipality=municipality, subject="Buka", year=2026,
                               sequence=1, registry_number="1/2026")
    event = CaseEvent.objects.create(municipality=municipality, case=case,
                                     kind=CaseEvent.Kind.NOTE, text="Prva beleška")
    event.text = "Prepravljena"
    with pytest.raises(TypeError, match="append-only"):
        bulk.update([event], ["text"])
    assert CaseEvent.objects.get(pk=event.pk).text == "Prva beleška"


@pytest.mark.django_db
def test_update_takes_keys_of_instances_saved_after_they_were_attached(municipality):
    point = ContactPoint.objects.create(
        municipality=municipality, kind=ContactPoint.Kind.EMAIL, value="a@example.net",
        client=Client.objects.create(municipality=municipality, last_name="Prvi"))
    later = Client(municipality=municipality, last_name="Drugi")
    point.client = later
    bulk.insert(Client, [later])
    bulk.update([point], ["client"])
    assert ContactPoint.objects.get(pk=point.pk).client_id == later.pk


@pytest.mark.parametrize("value", [
    datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/Belgrade")),  # DST change
    datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
    None,
])
def test_datetimes_reach_the_database_as_django_writes_them(value):
    field = Case._meta.get_field("created_at")
    assert bulk._converter(field, connection)(value) == field.get_db_prep_save(value,
                                                                                connection)


@pytest.mark.django_db
def test_build_gives_each_row_its_values_over_the_common_ones(municipality):
    built = bulk.build(Client, [{"last_name": "Prvi"}, {"last_name": "Drugi", "place": "Palić"}],
                       municipality=municipality, place="Subotica")
    assert [(c.last_name, c.place, c.municipality_id, c.pk) for c in built] == [
        ("Prvi", "Subotica", municipality.pk, None), ("Drugi", "Palić", municipality.pk, None)]
    assert built[0]._state.adding


@pytest.mark.django_db
def test_find_reads_columns_of_rows_by_a_field_and_equal_fields(municipality,
                                                               other_municipality):
    ours = Client.objects.create(municipality=municipality, last_name="Petrović")
    Client.objects.create(municipality=other_municipality, last_name="Petrović")
    Client.objects.create(municipality=municipality, last_name="Jovanović")

    found = bulk.find(Client, "last_name", ["Petrović", "Nikolić"] * 300,
                      columns=("pk", "last_name"), municipality=municipality)

    assert found == [(ours.pk, "Petrović")]
