"""Lean bulk writes for the intake hot path.

`QuerySet.bulk_create` spends most of its time compiling: for every value of every row it
resolves expressions, asks the field for its placeholder and builds the SQL again. For a
batch of a hundred messages that was about half of the time the batch held SQLite's one
write lock. `insert` does the same job for plain model instances with the SQL built once
per model and a converter per field chosen once: values the database driver takes as they
are (str, int, bool, None) pass straight through, aware datetimes become what Django
writes for them, everything else goes through the field's own `get_db_prep_save`, as
Django would do it. Used for the intake batch, the accept of raw messages and the blob
store; everywhere else the ORM's own methods are fast enough.

What it does not do, on purpose: signals (`pre_save`/`post_save` are not sent by
`bulk_create` either), expressions as values, multi-table inheritance. The instances come
back saved, with their primary keys, as from `bulk_create`.

`unsaved` builds the instances themselves: `Model(**kwargs)` walks every field, pops its
keyword and sets it through its descriptor, and intake builds about ten instances a
settled message; `unsaved` builds one in about a third of the time.
"""

import copy
import datetime as dt
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connections, models, router
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
)
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.utils import DEFAULT_DB_ALIAS
from django.utils.functional import Promise

from salter.lang.transliteration import fold

_Converter = Callable[[object], object]
_IN_CHUNK = 500  # values per IN (…): far below every database's parameter limit
_PASS_THROUGH = {
    models.CharField: str, models.TextField: str, models.EmailField: str,
    models.SlugField: str, models.IntegerField: int, models.BigIntegerField: int,
    models.SmallIntegerField: int, models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int, models.PositiveBigIntegerField: int,
    models.BooleanField: bool, models.AutoField: int, models.BigAutoField: int,
    models.SmallAutoField: int,
}


def insert(model: type[models.Model], objs: Sequence[models.Model], *,
           using: str | None = None) -> list[models.Model]:
    """Insert `objs` (new instances of `model`) and set their primary keys.

    Foreign keys may point at instances saved earlier in the same transaction, as with
    `bulk_create`: their keys are read when the row is written.
    """
    objs = list(objs)
    if not objs:
        return objs
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.using(alias).bulk_create(objs)
    plan = _InsertPlan.of(model, connection)
    rows = [plan.row(obj) for obj in objs]
    per_statement = _rows_per_statement(connection, len(plan.fields), objs, plan.fields)
    pk = model._meta.pk
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            if plan.unnest is not None and len(chunk) > 1:
                cursor.execute(plan.unnest, [list(column) for column in zip(*chunk, strict=True)])
            else:
                cursor.execute(plan.sql(len(chunk)),
                               [value for row in chunk for value in row])
            keys = [row[0] for row in cursor.fetchall()]
            for obj, key in zip(objs[start:start + per_statement], keys, strict=True):
                setattr(obj, pk.attname, key)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs


def update(objs: Sequence[models.Model], fields: Sequence[str], *,
           using: str | None = None) -> None:
    """Write `fields` of saved instances. (`bulk_update` builds a CASE expression per
    field and row.) Foreign keys are read from related instances as in `insert`; of two
    instances of one row, the later one's values are written.

    PostgreSQL: one UPDATE per row, sent as one executemany. SQLite: one UPDATE … FROM
    (VALUES …) for as many rows as its parameter limit takes (`_rows_per_statement`). A
    table with a search index (`salter.searchindex`) writes it through its triggers, and
    FTS5 flushes what it holds to a segment of its own at the start of every statement
    that writes it: row by row, each message's text became a segment that later had to be
    merged (~90 µs a settled message, the largest statement of the intake's transaction)."""
    objs = list({obj.pk: obj for obj in objs}.values())
    if not objs:
        return
    model = type(objs[0])
    # A model whose manager refuses updates (the append-only case timeline) refuses
    # these too; on an empty queryset that costs no query.
    model._default_manager.none().update(**{name: None for name in fields})
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    # A derived field (a folded search text) is written with its sources.
    derived = [f for f in meta.concrete_fields if getattr(f, "derived", False)
               and f not in chosen and set(f.sources) & set(fields)]
    for obj in objs:
        for field in derived:
            field.pre_save(obj, add=False)
    chosen += derived
    convert = [_converter(field, connection) for field in chosen]
    relations = [(field.attname, field.cache_name) for field in chosen if field.is_relation]
    rows = []
    for obj in objs:
        _take_related_keys(obj, relations)
        rows.append([obj.pk] + [conv(getattr(obj, field.attname))
                                for field, conv in zip(chosen, convert, strict=True)])
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor != "sqlite":
            cursor.executemany(
                f"UPDATE {table} SET "
                + ", ".join(f"{quote(field.column)} = %s" for field in chosen)
                + f" WHERE {pk} = %s", [row[1:] + row[:1] for row in rows])
            return
        # VALUES names its columns column1 (the key), column2, …
        assignments = ", ".join(f"{quote(field.column)} = v.column{i}"
                                for i, field in enumerate(chosen, start=2))
        per_statement = _rows_per_statement(connection, len(rows[0]), rows)
        row_sql = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(f"UPDATE {table} SET {assignments} FROM (VALUES "
                           + ", ".join([row_sql] * len(chunk))
                           + f") AS v WHERE {table}.{pk} = v.column1",
                           [value for row in chunk for value in row])


def _rows_per_statement(connection, per_row: int, rows, fields=()) -> int:
    """Rows one statement writes. SQLite: as many as the connection's own limit on
    parameters takes (Django assumes 999, the limit of SQLite before 3.32), because each
    statement that writes a table with a search index costs FTS5 a segment of its own."""
    if connection.vendor != "sqlite":
        return max(1, connection.ops.bulk_batch_size(fields, rows))
    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, limit // per_row)


def build(model: type[models.Model], rows: Sequence[dict], **common) -> list[models.Model]:
    """Unsaved instances of `model`, each `common` plus its row ({attname: value}), built
    from one list of column values as `Model.from_db` builds loaded rows: keyword
    arguments and defaults per instance cost more than inserting the row."""
    columns = [field.attname for field in model._meta.concrete_fields]
    template = model(**common)
    values = [getattr(template, name) for name in columns]
    at = {name: i for i, name in enumerate(columns)}
    built = []
    for row in rows:
        own = values.copy()
        for name, value in row.items():
            own[at[name]] = value
        built.append(model(*own))
    return built


def unsaved(model: type[models.Model], **values) -> models.Model:
    """`model(**values)`, the same instance built without `Model.__init__`: every concrete
    field's default (a callable one called, a mutable one copied), then `values` by name
    or attname; a related instance is cached and its key read, as its descriptor does, and
    `insert` takes the key again if the instance is saved later. Anything the shortcut
    does not know — a property or unknown keyword, init signals, database routers, a
    field with a descriptor of its own — goes to `model(**values)` itself."""
    recipe = _Recipe.of(model)
    if (recipe is None or not values.keys() <= recipe.known or router.routers
            or _listened_to_on_init(model)):
        return model(**values)
    obj = model.__new__(model)
    own = obj.__dict__
    own.update(recipe.template)
    state = own["_state"] = ModelState()
    for attname, name, make in recipe.fresh:
        if name not in values and attname not in values:
            own[attname] = make()
    for name, field, key_name in recipe.relations:
        if name not in values:
            continue
        if field.attname in values:  # both the instance and its key: as Django has it
            return model(**values)
        related = values[name]
        if related is None:
            own[field.attname] = None
        elif not isinstance(related, field.remote_field.model._meta.concrete_model):
            return model(**values)  # which says why
        else:
            if state.db is None:
                state.db = related._state.db or DEFAULT_DB_ALIAS
            if related._state.db is None:
                related._state.db = state.db
            elif related._state.db != state.db:
                return model(**values)  # which refuses the relation
            own[field.attname] = getattr(related, key_name)
        state.fields_cache[field.cache_name] = related
    for name, value in values.items():
        if name not in recipe.by_instance:
            own[name] = value
    return obj


def _listened_to_on_init(model) -> bool:
    # No receivers at all is the usual case, and cheaper to see than asking for the model.
    return any(signal.receivers and signal.has_listeners(model)
               for signal in (pre_init, post_init))


class _Recipe:
    """What `unsaved` sets on a new instance of one model: the constant defaults in
    field order, the defaults made afresh for each instance, the forward relations."""

    _recipes: dict[type, "_Recipe | None"] = {}
    _IMMUTABLE = (type(None), str, int, float, bytes, Decimal, dt.date, dt.time,
                  dt.timedelta, uuid.UUID, Promise)

    @classmethod
    def of(cls, model) -> "_Recipe | None":
        if model not in cls._recipes:
            cls._recipes[model] = cls(model) if cls._supports(model) else None
        return cls._recipes[model]

    @staticmethod
    def _supports(model) -> bool:
        meta = model._meta
        if meta.abstract or meta.parents or model.__init__ is not models.Model.__init__:
            return False
        for field in meta.concrete_fields:
            if field.generated:
                continue
            if field.has_db_default():
                return False
            kind = ForeignKeyDeferredAttribute if field.is_relation else DeferredAttribute
            if type(getattr(model, field.attname)) is not kind:
                return False
            if field.is_relation and (
                    type(getattr(model, field.name)) is not ForwardManyToOneDescriptor
                    or len(field.related_fields) != 1):
                return False
        return True

    def __init__(self, model):
        self.template = {"_state": None}
        self.fresh = []
        self.relations = []
        self.known = set()
        for field in model._meta.concrete_fields:
            if field.generated:
                continue
            self.known.add(field.attname)
            if field.is_relation:
                self.known.add(field.name)
                self.relations.append(
                    (field.name, field, field.related_fields[0][1].attname))
            self.template[field.attname] = None
            if field.has_default() and callable(field.default):
                self.fresh.append((field.attname, field.name, field.default))
                continue
            default = field.get_default()
            if isinstance(default, self._IMMUTABLE):
                self.template[field.attname] = default
            else:
                self.fresh.append((field.attname, field.name,
                                   lambda value=default: copy.deepcopy(value)))
        self.by_instance = {name for name, _field, _key in self.relations}


def find(model: type[models.Model], field: str, values: Sequence, *,
         columns: Sequence[str] = ("pk",), using: str | None = None, **equal) -> list[tuple]:
    """Rows (the `columns`) of `model` whose `field` is one of `values` and whose other
    fields equal `equal`, in plain SQL: the ORM's IN look-up prepares a batch's values one
    by one, which took four times as long as the query."""
    connection = connections[using or router.db_for_write(model)]
    meta, quote = model._meta, connection.ops.quote_name

    def column(name: str) -> str:
        return quote((meta.pk if name == "pk" else meta.get_field(name)).column)

    head = (f"SELECT {', '.join(column(name) for name in columns)} "
            f"FROM {quote(meta.db_table)} WHERE "
            + "".join(f"{column(name)} = %s AND " for name in equal)
            + f"{column(field)} IN ")
    fixed = [getattr(value, "pk", value) for value in equal.values()]
    unique = list(dict.fromkeys(values))
    found = []
    with connection.cursor() as cursor:
        for start in range(0, len(unique), _IN_CHUNK):
            chunk = unique[start:start + _IN_CHUNK]
            cursor.execute(head + "(" + ", ".join(["%s"] * len(chunk)) + ")", fixed + chunk)
            found += cursor.fetchall()
    return found


class _InsertPlan:
    """The column list, converters and SQL of one model on one connection."""

    _plans: dict[tuple[type, str], "_InsertPlan"] = {}

    @classmethod
    def of(cls, model, connection) -> "_InsertPlan":
        key = (model, connection.alias)
        if key not in cls._plans:
            cls._plans[key] = cls(model, connection)
        return cls._plans[key]

    def __init__(self, model, connection):
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{model.__name__}: multi-table inheritance is not supported")
        if meta.pk is not meta.auto_field:
            raise TypeError(f"{model.__name__}: only models with an automatic key")
        self.fields = [f for f in meta.concrete_fields
                       if f is not meta.pk and not f.generated]
        if any(f.has_db_default() for f in self.fields):
            raise TypeError(f"{model.__name__}: database defaults are not supported")
        self._columns = [(f.attname, _insert_converter(f, connection)) for f in self.fields]
        # Fields whose value is computed when the row is written: auto_now(_add), and
        # derived ones such as folded search texts (`salter.lang.fields`).
        self._auto = [f for f in self.fields
                      if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                      or getattr(f, "derived", False)]
        self._relations = [(f.attname, f.cache_name) for f in self.fields if f.is_relation]
        quote = connection.ops.quote_name
        table = quote(meta.db_table)
        into = f"INSERT INTO {table} (" + ", ".join(quote(f.column) for f in self.fields) + ")"
        self._head = into + " VALUES "
        self._row_sql = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self._tail = f" RETURNING {table}.{quote(meta.pk.column)}"
        self.unnest = self._unnest_sql(connection, into)

    def _unnest_sql(self, connection, into: str) -> str | None:
        """PostgreSQL: the rows as one array a column (`unnest`), as Django's bulk_create
        does there. A statement of a few parameters is planned in a fraction of the time
        of one with a placeholder per value, and psycopg caches its parsing (it parses a
        statement of more than 50 parameters again on every execution, in Python). Not
        for binary columns (a bytea array cost more than it saved) or types of their own."""
        if connection.vendor != "postgresql":
            return None
        types = []
        for field in self.fields:
            target = field.target_field if field.is_relation else field
            if (target.get_internal_type() not in connection.data_types
                    or target.get_internal_type() == "BinaryField"
                    or hasattr(field, "get_placeholder")):
                return None
            # varchar[] rather than varchar(50)[]: the column checks the length.
            types.append(field.db_type(connection).split("(")[0])
        arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
        return f"{into} SELECT * FROM unnest({arrays}){self._tail}"

    def row(self, obj) -> list:
        for field in self._auto:
            field.pre_save(obj, add=True)
        # The values straight from the instance's dict: a new instance has every field
        # there, and the descriptors cost more than the converters.
        values = obj.__dict__
        _take_related_keys(obj, self._relations)
        try:
            return [conv(values[attname]) for attname, conv in self._columns]
        except KeyError:  # a deferred field, loaded by its descriptor
            return [conv(getattr(obj, attname)) for attname, conv in self._columns]

    def sql(self, rows: int) -> str:
        return self._head + ", ".join([self._row_sql] * rows) + self._tail


def _take_related_keys(obj, relations) -> None:
    """Related instances saved after `obj` was built: take their keys now, as Model.save()
    and bulk_create do. `relations` are (attname, cache name) pairs; read and written in
    the instance's dict and related cache, which keep the instance (the descriptors cost
    more and forget it)."""
    values, cached = obj.__dict__, obj._state.fields_cache
    for attname, cache_name in relations:
        related = cached.get(cache_name)
        if related is not None and values.get(attname) is None:
            if related.pk is None:
                raise ValueError(f"{type(obj).__name__}.{cache_name} points at an unsaved "
                                 "instance")
            values[attname] = related.pk


def _converter(field, connection) -> _Converter:
    """A function from an attribute value to what the driver is given for the column."""

    def prepare(value):
        return field.get_db_prep_save(value, connection)

    target = field.target_field if field.is_relation else field
    if type(target) is models.DateTimeField:
        return _datetime_converter(connection, prepare)
    plain = next((kind for cls, kind in _PASS_THROUGH.items()
                  if type(target) is cls), None)
    if plain is None:
        return prepare

    def fast(value):
        # `type is`, not isinstance: a str enum member or a lazy translation is not
        # handed to the driver as it is.
        if value is None or type(value) is plain:
            return value
        return prepare(value)

    return fast


def _insert_converter(field, connection) -> _Converter:
    """`_converter`, and for the kinds most values of an intake batch are: JSON as the
    backend adapts it (`adapt_json_value`, what the field's `get_db_prep_save` ends in),
    a choices enum member as its value (what the driver is given for it anyway)."""
    convert = _converter(field, connection)
    target = field.target_field if field.is_relation else field
    if type(target) is models.JSONField:
        adapt, encoder = connection.ops.adapt_json_value, target.encoder

        def json_value(value):
            if value is None:  # SQL NULL, as the field's get_db_prep_save has it
                return None
            if type(value) is dict or type(value) is list:
                return adapt(value, encoder)
            return convert(value)

        return json_value
    plain = next((kind for cls, kind in _PASS_THROUGH.items() if type(target) is cls), None)
    if plain is not str and plain is not int:
        return convert

    def choice_value(value):
        if value is None or type(value) is plain:
            return value
        if isinstance(value, models.Choices) and isinstance(value, plain):
            return value._value_
        return convert(value)

    return choice_value


def _datetime_converter(connection, prepare) -> _Converter:
    """Aware datetimes as Django stores them, without its per-value checks: as they are
    for PostgreSQL, as naive UTC text for SQLite (what `adapt_datetimefield_value`
    writes); anything else goes through the field."""
    if not settings.USE_TZ:
        return prepare
    if connection.vendor == "postgresql":
        def to_column(value):
            return value
    elif connection.vendor == "sqlite" and connection.timezone == UTC:
        def to_column(value):
            return str(value.astimezone(UTC).replace(tzinfo=None))
    else:
        return prepare

    def fast(value):
        if type(value) is datetime and value.tzinfo is not None:
            return to_column(value)
        return prepare(value)

    return fast


def insert_rows(model: type[models.Model], rows: Sequence[dict], *,
                using: str | None = None) -> int:
    """Insert plain rows ({attname: value}, primary key included) without building model
    instances: for the benchmark's generator, which writes millions of rows whose keys it
    chose itself. Columns a row leaves out take the field's default, computed once per
    call, or for a derived field (a folded search text) its value from the row's
    sources. Returns the number of rows."""
    if not rows:
        return 0
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    given = rows[0].keys()
    getters = []
    for field in fields:
        convert = _converter(field, connection)
        if field.attname in given:
            getters.append(lambda row, name=field.attname, conv=convert: conv(row[name]))
        elif getattr(field, "derived", False):
            getters.append(lambda row, sources=field.sources: fold(
                " ".join(str(row.get(name) or "") for name in sources)))
        else:
            default = convert(field.get_default())
            getters.append(lambda row, value=default: value)
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ("
           + ", ".join(quote(f.column) for f in fields) + ") VALUES ("
           + ", ".join(["%s"] * len(fields)) + ")")
    values = [[get(row) for get in getters] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(values)
