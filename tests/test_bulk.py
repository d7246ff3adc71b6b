"""salter.bulk writes the same rows Django's bulk_create and save would."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models, transaction
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from salter import bulk
from salter.cases.models import Case, CaseEvent, CaseParty, Channel, Priority
from salter.cases.workflow import Status
from salter.channels.models import OutboundMessage
from salter.clients.models import Client, ContactPoint
from salter.documents.models import Blob, Document
from salter.procedures.models import Deadline
from salter.search import matching
from tests.factories import make_department, make_procedure


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
def test_insert_of_many_rows_gives_each_its_own_values_and_key(municipality):
    """On PostgreSQL the rows go as one array a column (`unnest`): each key must come
    back to its own instance, JSON, lazy text and a column of NULLs as they were."""
    case = Case.objects.create(municipality=municipality, subject="Buka", year=2026,
                               sequence=1, registry_number="1/2026")
    afters = [{"ćirilica": "Ђорђевић", "n": [1, 2]}, None, ["a", {"b": None}], {}, "tekst"]
    events = [CaseEvent(municipality=municipality, case=case, kind=CaseEvent.Kind.NOTE,
                        text=gettext_lazy("Note") if i == 0 else f"Beleška {i}",
                        after=after, ref=None)
              for i, after in enumerate(afters)]
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(CaseEvent, events)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert ("unnest" in inserts[0]) == (connection.vendor == "postgresql")
    stored = {e.pk: (e.text, e.after, e.ref) for e in CaseEvent.objects.filter(case=case)}
    assert stored == {e.pk: ("Note" if i == 0 else f"Beleška {i}", afters[i], None)
                      for i, e in enumerate(events)}


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


@pytest.fixture
def parameter_limit():
    """SQLite's limit on the parameters of a statement, lowered to what older versions
    allowed (999) for the test; PostgreSQL's limit is far above what the tests write."""
    if connection.vendor != "sqlite":
        yield 4000
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    yield 999
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


@pytest.mark.django_db
def test_insert_splits_statements_at_the_parameter_limit(municipality, parameter_limit):
    rows = parameter_limit // 4 + 7  # more than fits in one statement on SQLite
    blobs = [Blob(sha256=f"{i:064x}", size=i) for i in range(rows)]
    with CaptureQueriesContext(connection) as queries:
        bulk.insert(Blob, blobs)
    assert len({b.pk for b in blobs}) == rows
    assert dict(Blob.objects.values_list("pk", "size")) == {b.pk: b.size for b in blobs}
    if connection.vendor == "sqlite":
        assert len(queries.captured_queries) == 2


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
def test_update_writes_every_row_and_of_two_instances_of_one_row_the_later(
        municipality, parameter_limit):
    cases = bulk.insert(Case, [Case(municipality=municipality, subject=f"Buka {i}",
                                    year=2026, sequence=i, registry_number=f"{i}/2026")
                               for i in range(1, 701)])
    for case in cases:
        case.status, case.priority = Status.IN_PROGRESS, case.sequence % 7
    again = Case(pk=cases[0].pk, municipality=municipality, status=Status.RESOLVED,
                 priority=99)
    with CaptureQueriesContext(connection) as queries:
        bulk.update([*cases, again], ["status", "priority"])
    written = dict(Case.objects.values_list("sequence", "priority"))
    assert written == {1: 99} | {i: i % 7 for i in range(2, 701)}
    assert set(Case.objects.exclude(sequence=1).values_list("status", flat=True)) == {
        "in_progress"}
    assert Case.objects.get(sequence=1).status == "resolved"
    # An executemany is recorded as "<n> times: UPDATE …".
    updates = [q for q in queries.captured_queries if "UPDATE" in q["sql"][:20]]
    if connection.vendor == "sqlite":
        # Three parameters a row, 999 a statement: 333 rows each.
        assert parameter_limit == 999
        assert len(updates) == 3
    else:
        assert len(updates) == 1  # one executemany


@pytest.mark.django_db
def test_update_keeps_the_search_index_of_the_rows_it_writes(municipality):
    cases = [Case.objects.create(municipality=municipality, subject=f"Buka {i}", year=2026,
                                 sequence=i, registry_number=f"{i}/2026",
                                 search_text=f"buka {i}") for i in (1, 2, 3)]
    for case in cases[:2]:
        case.subject = case.search_text = f"kontejner pored zgrade {case.sequence}"
    bulk.update(cases[:2], ["subject", "search_text"])

    def found(*terms):
        return set(Case.objects.filter(matching(Case, terms, municipality)).values_list(
            "sequence", flat=True))

    assert found("kontejner") == {1, 2}
    assert found("zgrade", "2") == {2}
    assert found("buka") == {3}


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


# --- unsaved instances ----------------------------------------------------------------------

# Defaults that differ from one call to the next (a moment, a random tracking code): taken
# over from Django's instance before the rest is compared.
_VARYING = {"tracking_code", "created_at", "at", "next_attempt_at"}


def _unsaved_and_django(municipality):
    """Pairs of keyword arguments for the models intake builds: FKs as instances (saved
    and not) and as ids, None for a relation, JSON, enums, defaults left out."""
    department = make_department(municipality)
    procedure = make_procedure(municipality, department=department)
    blob = Blob.objects.create(sha256="b" * 64, size=1)
    client = Client(municipality=municipality, first_name="Jelena", last_name="Đorđević")
    case = Case(municipality=municipality, subject="Rupa", channel=Channel.EMAIL, year=2026,
                sequence=1, registry_number="1/2026")
    when = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    return [
        (Case, dict(municipality=municipality, subject="Buka", description="noću",
                    channel=Channel.EMAIL, case_type=procedure, department=department,
                    priority=Priority.HIGH, language="sr-cyrl", created_at=when,
                    location="Palić", year=2026, sequence=2, registry_number="2/2026")),
        (Case, dict(municipality=municipality, subject="Buka", channel=Channel.SMS,
                    case_type=None, department=None, year=2026, sequence=3,
                    registry_number="3/2026")),
        (CaseEvent, dict(municipality_id=municipality.pk, case=case, kind=CaseEvent.Kind.NOTE,
                         actor=None, actor_label="intake", text="Poruka",
                         after={"ćirilica": "Ђорђевић", "n": [1, 2]}, ref={"inbound": 7})),
        (CaseParty, dict(municipality=municipality, case=case, client=client)),
        (Client, dict(municipality=municipality, first_name="Ana", last_name="Kiš",
                      place="Subotica")),
        (ContactPoint, dict(municipality=municipality, client=client,
                            kind=ContactPoint.Kind.EMAIL, value="jelena@example.net")),
        (Deadline, dict(municipality_id=municipality.pk, case=case,
                        kind=Deadline.Kind.RESOLUTION, rule="15 calendar days",
                        started_at=when, due_at=when + timedelta(days=15))),
        (OutboundMessage, dict(municipality=municipality, channel=Channel.EMAIL, inbound=None,
                               purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT, case=case,
                               client=client, recipient="jelena@example.net",
                               endpoint_id=None, subject="Primljeno", body_text="Hvala",
                               language="sr-latn", external_id="<1@salter>",
                               metadata={"in_reply_to": "<a@b>"}, created_by=None)),
        (OutboundMessage, dict(municipality=municipality, case=None, client=None,
                               recipient="ana@example.net", subject="Primljeno",
                               body_text="Hvala")),
        (Document, dict(municipality_id=municipality.pk, blob=blob, filename="Ćelija.pdf",
                        case=case, source=Channel.EMAIL, client_id=None)),
    ], (client, case)


def _fields(obj) -> dict:
    return {name: value for name, value in vars(obj).items() if name != "_state"}


def _state(obj) -> tuple:
    state = vars(obj._state)
    return (state.get("db"), obj._state.adding,
            {name: id(related) for name, related in state.get("fields_cache", {}).items()})


@pytest.mark.django_db
def test_unsaved_builds_the_instance_the_model_builds(municipality):
    pairs, _parents = _unsaved_and_django(municipality)
    for model, values in pairs:
        theirs, ours = model(**values), bulk.unsaved(model, **values)
        assert type(ours) is model and ours._state.adding
        for name in _VARYING & _fields(theirs).keys() - values.keys():
            assert type(getattr(ours, name)) is type(getattr(theirs, name))
            setattr(ours, name, getattr(theirs, name))
        assert _fields(ours) == _fields(theirs), model
        assert list(_fields(ours)) == list(_fields(theirs)), model  # in field order
        assert _state(ours) == _state(theirs), model


@pytest.mark.django_db
def test_unsaved_calls_callable_defaults_and_never_shares_a_mutable_one(municipality):
    first, second = (bulk.unsaved(Deadline, municipality=municipality, kind="resolution")
                     for _ in range(2))
    first.steps.append({"pause": "2026-11-25"})
    assert second.steps == [] and Deadline().steps == []
    messages = [bulk.unsaved(OutboundMessage, municipality=municipality) for _ in range(2)]
    assert messages[0].metadata == {} and messages[0].metadata is not messages[1].metadata
    codes = {bulk.unsaved(Case, municipality=municipality).tracking_code for _ in range(5)}
    assert len(codes) == 5


@pytest.mark.django_db
def test_unsaved_with_what_it_does_not_know_is_the_model_itself(municipality):
    with pytest.raises(TypeError, match="unexpected keyword"):
        bulk.unsaved(Case, municipality=municipality, colour="red")
    with pytest.raises(ValueError, match="must be a"):
        bulk.unsaved(CaseParty, municipality=municipality, case=municipality)
    both = bulk.unsaved(CaseParty, municipality=municipality, case=None, case_id=5)
    assert both.case_id == 5


@pytest.mark.django_db
def test_unsaved_sends_the_init_signals_when_someone_listens(municipality):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=CaseParty)
    try:
        party = bulk.unsaved(CaseParty, municipality=municipality, case=None)
    finally:
        post_init.disconnect(receiver, sender=CaseParty)
    assert seen == [party]
    bulk.unsaved(CaseParty, municipality=municipality, case=None)
    assert seen == [party]


@pytest.mark.django_db
def test_unsaved_instances_write_the_rows_model_instances_write(municipality, clock):
    pairs, (client, case) = _unsaved_and_django(municipality)
    built = []
    for model, values in pairs:
        theirs, ours = model(**values), bulk.unsaved(model, **values)
        for name in _VARYING & _fields(theirs).keys() - values.keys():
            setattr(ours, name, getattr(theirs, name))
        built.append((model, ours, theirs))
    # The parents are saved after their children were built: insert reads their keys.
    bulk.insert(Client, [client])
    bulk.insert(Case, [case])

    def written(model, obj) -> dict:
        with transaction.atomic():
            bulk.insert(model, [obj])
            row = model.objects.filter(pk=obj.pk).values().get()
            transaction.set_rollback(True)
        del row["id"]
        return row

    for model, ours, theirs in built:
        assert written(model, ours) == written(model, theirs), model
    document = next(ours for model, ours, _ in built if model is Document)
    assert document.search_text == "celija.pdf"  # derived, as for Document(…)


# --- converters ---------------------------------------------------------------------------

def _as_sent(value):
    """A value as the driver sends it: psycopg's Jsonb by the text it writes."""
    if hasattr(value, "dumps") and hasattr(value, "obj"):
        return ("json", value.dumps(value.obj))
    return value


@pytest.mark.parametrize(("model", "name", "value"), [
    (CaseEvent, "after", {"ćirilica": "Ђорђевић", "n": [1, 2.5, None, True]}),
    (CaseEvent, "after", {}),
    (CaseEvent, "ref", {"inbound": 7, "documents": []}),
    (CaseEvent, "before", None),
    (CaseEvent, "after", "just text"),
    (Deadline, "steps", []),
    (Deadline, "steps", [{"pause": "2026-11-25T09:30:00+00:00"}]),
    (OutboundMessage, "metadata", {"in_reply_to": "<a@b>", "references": "<a@b> <c@d>"}),
    (Case, "status", Status.NEW),
    (Case, "status", "in_progress"),
    (Case, "language", Case._meta.get_field("language").default),
    (Case, "priority", Priority.HIGH),
    (Case, "priority", 3),
    (Case, "priority", None),
    (CaseEvent, "kind", CaseEvent.Kind.MESSAGE_IN),
    (Deadline, "state", Deadline.State.RUNNING),
    (CaseParty, "role", CaseParty.Role.SUBMITTER),
    (ContactPoint, "kind", ContactPoint.Kind.EMAIL),
    (OutboundMessage, "attempts", 0),
    (CaseEvent, "text", gettext_lazy("Note")),
    (Case, "municipality", 12),
])
def test_insert_converters_give_the_driver_what_the_field_gives_it(model, name, value):
    field = model._meta.get_field(name)
    ours = bulk._insert_converter(field, connection)(value)
    django = field.get_db_prep_save(value, connection)
    assert _as_sent(ours) == _as_sent(django)
    assert type(ours) is type(django) or type(ours) in (str, int)
    if isinstance(value, models.Choices):
        assert type(ours) is type(value._value_)  # the plain value, not the member
