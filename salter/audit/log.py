"""Recording accesses to personal data (decision 15).

The access functions (`access_case`, `access_client`, `access_inbound`,
`access_document`), the search module and the API call `record`; views never do, so no
view can forget it. During a web request records are collected and written together
when the response is ready (`AccessLogMiddleware`): one INSERT, whatever the page read.
If that write fails the page is not shown. A change is recorded inside the transaction
of the action that makes it, so that a change is never committed without its record.
Outside a request (commands, a shell) each record is written at once. The worker then
seals new records into their municipality's hash chain every few seconds, in batches
(`salter.audit.seal`), so that no page waits for the chain's lock.

Only people are recorded: the actor is a `Membership`, and its municipality is the
municipality of the record; Šalter's own work (intake, the worker) is in the case
timeline. Nothing of another municipality is ever recorded under this one: `record`
refuses it.
"""

import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import BooleanField, CharField, Func, Value
from django.db.models.sql import InsertQuery
from django.utils import timezone

from salter.audit.models import AccessRecord, Action, Target
from salter.tenancy.models import Membership

__all__ = ["Action", "Target", "collecting", "digest", "record", "record_change", "write"]

GENESIS = "0" * 64


@dataclass
class Access:
    actor: Membership
    action: str
    target: str
    target_id: int | None
    subjects: tuple[int, ...] = ()
    detail: str = ""
    count: int | None = None
    reason: str = ""
    at: datetime = field(default_factory=timezone.now)

    def key(self) -> tuple:
        return (self.actor.pk, self.action, self.target, self.target_id, self.detail,
                self.reason)


@dataclass
class _Request:
    address: str = ""
    path: str = ""
    pending: list[Access] = field(default_factory=list)
    changed: set[tuple[str, int | None]] = field(default_factory=set)


_current: ContextVar[_Request | None] = ContextVar("salter_access_log", default=None)


def _is_person(actor) -> bool:
    return isinstance(actor, Membership)


def record(actor, action: str, target: str, target_id=None, *, municipality_id=None,
           subjects=(), detail: str = "", count: int | None = None, reason: str = "") -> None:
    """Record that `actor` did `action` to a record of kind `target`.

    `municipality_id` is the record's own municipality: anything but the actor's is a
    programming error, and raises before anything is shown. `subjects` are the ids of the
    clients whose data it touched.
    """
    if not _is_person(actor):
        return
    if municipality_id is not None and municipality_id != actor.municipality_id:
        raise ValueError("an access is recorded only in the actor's own municipality")
    access = Access(actor=actor, action=action, target=target, target_id=target_id,
                    subjects=tuple(sorted({int(s) for s in subjects if s is not None})),
                    detail=(detail or "")[:300], count=count, reason=(reason or "")[:500])
    request = _current.get()
    if action == Action.CHANGE:
        if request is not None:
            request.changed.add((target, target_id))
        write([access], address=request.address if request else "",
              path=request.path if request else "")
    elif request is not None:
        request.pending.append(access)
    else:
        write([access])


def record_change(actor, target: str, target_id, *, municipality_id, subjects=(),
                  detail: str = "", reason: str = "") -> None:
    """A change made by an action, written in the action's own transaction."""
    record(actor, Action.CHANGE, target, target_id, municipality_id=municipality_id,
           subjects=subjects, detail=detail, reason=reason)


@contextmanager
def collecting(*, address: str = "", path: str = ""):
    """Collect the records of one request, and write them when it is done."""
    request = _Request(address=address[:45], path=path[:300])
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)
    write(_worth_writing(request), address=request.address, path=request.path)


def _worth_writing(request: _Request) -> list[Access]:
    """One record per distinct access of the request: a page that looks a case up twice
    viewed it once, and a change of a record already stands for having opened it."""
    seen, kept = set(), []
    for access in request.pending:
        if access.action == Action.VIEW and (access.target, access.target_id) in request.changed:
            continue
        if access.key() in seen:
            continue
        seen.add(access.key())
        kept.append(access)
    return kept


def write(accesses: list[Access], *, address: str = "", path: str = "") -> None:
    """Insert `accesses` as records not yet sealed into their chains: one INSERT. Inside
    a transaction (an action's) they commit with it; otherwise in their own, whose commit
    does not wait for the disk (`_quick_commit`)."""
    if not accesses:
        return
    rows = [AccessRecord(
        municipality_id=a.actor.municipality_id, seq=None, at=a.at, actor=a.actor,
        actor_name=a.actor.user.get_username(), action=a.action, target=a.target,
        target_id=a.target_id, detail=a.detail, count=a.count, reason=a.reason,
        address=address, path=path, subjects=list(a.subjects)) for a in accesses]
    if connection.in_atomic_block:
        AccessRecord.objects.bulk_create(rows)
    elif connection.vendor == "postgresql":
        _insert_without_waiting_for_the_disk(rows)
    else:
        with _quick_commit():
            AccessRecord.objects.bulk_create(rows)


def _insert_without_waiting_for_the_disk(rows: list[AccessRecord]) -> None:
    """PostgreSQL: one autocommit INSERT whose first row also turns synchronous_commit off
    for its own transaction (`set_config(…, is_local)`), so that its commit returns
    without waiting for the WAL to reach the disk: one round trip (decision 15)."""
    rows[0].prev_hash = Func(Value("synchronous_commit"), Value("off"),
                             Value(True, output_field=BooleanField()), function="set_config",
                             template="left(%(function)s(%(expressions)s), 0)",
                             output_field=CharField())
    fields = [f for f in AccessRecord._meta.concrete_fields if not f.primary_key]
    query = InsertQuery(AccessRecord)
    query.insert_values(fields, rows)
    with connection.cursor() as cursor:
        for sql, params in query.get_compiler(connection=connection).as_sql():
            cursor.execute(sql, params)


@contextmanager
def _quick_commit():
    """SQLite: a transaction of its own whose commit returns once the database has the
    records, without waiting for the disk (`synchronous=NORMAL`, taken only between
    transactions). An error of Šalter's, or of the web process, cannot lose them; only the
    machine losing power in that fraction of a second can (decision 15)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        with transaction.atomic():
            yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")


def _canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest(row: AccessRecord) -> str:
    """The row's link: SHA-256 over the previous link and everything the row says."""
    content = {
        "municipality": row.municipality_id, "seq": row.seq, "at": _canonical_time(row.at),
        "actor": row.actor_id, "actor_name": row.actor_name, "action": row.action,
        "target": row.target, "target_id": row.target_id, "detail": row.detail,
        "count": row.count, "reason": row.reason, "address": row.address, "path": row.path,
        "subjects": list(row.subjects),
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{row.prev_hash}\n{text}".encode()).hexdigest()
