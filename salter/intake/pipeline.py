"""The intake pipeline, one road for every channel:

    stored raw item → the channel's adapter → neutral Item → look up → decide → apply

`process_batch` takes stored messages (a batch of up to BATCH_SIZE, or one: a single
message is a batch of one), has each channel's adapter read its raw bytes into an `Item`
(`salter.channels.adapters`), reads what the database knows about them
(`intake.lookup`), decides what each becomes (`intake.decide`, pure) and applies the
decisions in one transaction through the bulk actions (`intake.apply`). This module
imports no channel.

Exactly once: the transaction first claims the messages still RECEIVED (FOR UPDATE SKIP
LOCKED on PostgreSQL, the IMMEDIATE write lock on SQLite) and settles all of them or
none. A worker killed at any point leaves either nothing (the messages are still
RECEIVED and `requeue_stale` hands them out again) or everything. Reading the bytes,
storing attachments, looking up and deciding happen before the transaction, so the
database is held only for the writes; inside it, what may have changed meanwhile is
checked (another worker's claim, a copy of a message settled, a sender registered) and
the batch decided again if so.

Copies of a message (the same external id by two paths, e.g. to two of the
municipality's mailboxes) are settled one after the other under a lock per id
(`lock_external_ids`): the first opens or continues the case, the others are duplicates,
even when two workers take them at the same moment.

Nothing is lost and nothing stops the rest: an item its adapter cannot read is
QUARANTINED with the reason; a batch that fails as a whole is tried once more, then each
message alone, so that a poison message quarantines only itself. Quarantined messages can
be replayed after a fix.
"""

import hashlib
import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from salter.channels.adapters import adapter_for, processing_tasks
from salter.channels.models import InboundMessage
from salter.documents.storage import read_blob, unsaved_blobs
from salter.intake import apply, lookup
from salter.intake.context import Contexts
from salter.intake.decide import decide
from salter.intake.items import Unreadable
from salter.lang.deferred import Deferred
from salter.tasks import enqueue_on_commit, waiting

logger = logging.getLogger(__name__)

State = InboundMessage.State
OUTCOMES = ("created", "appended", "answered", "duplicate", "ignored", "review",
            "quarantined")
# A worker that died this many times on one message will die on it again.
MAX_ATTEMPTS = 5
# Messages one housekeeping round hands out again, at most, of each kind.
REQUEUE_LIMIT = 5000
# Messages per processing task and transaction: large enough that the per-batch
# queries and commit cost little per message, small enough that workers share the work
# and a killed worker leaves few messages to hand out again.
BATCH_SIZE = 100
_SETTLED_OUTCOME = {State.DUPLICATE: "duplicate", State.IGNORED: "ignored",
                    State.REVIEW: "review", State.QUARANTINED: "quarantined"}


# --- queueing -------------------------------------------------------------------------------


@task()
def process_inbound_task(inbound_id: int) -> str:
    return process_inbound(inbound_id)


@task()
def process_inbound_batch_task(inbound_ids: list[int]) -> dict[str, int]:
    return _count(process_batch(inbound_ids).values())


def enqueue_processing(inbound_ids, *, single: bool = False) -> None:
    """Hand messages to the workers, each alone or in batches of BATCH_SIZE, once the
    caller's transaction has committed (`salter.tasks.enqueue_on_commit`)."""
    ids = list(inbound_ids)
    # One transaction for all the task rows: on SQLite one commit instead of one each.
    with transaction.atomic():
        if single:
            for pk in ids:
                enqueue_on_commit(process_inbound_task, pk)
            return
        for start in range(0, len(ids), BATCH_SIZE):
            enqueue_on_commit(process_inbound_batch_task, ids[start:start + BATCH_SIZE])


def _count(outcomes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- processing -----------------------------------------------------------------------------


def process_inbound(inbound_id: int) -> str:
    """Settle one message (a batch of one); returns its outcome (one of OUTCOMES)."""
    return process_batch([inbound_id])[int(inbound_id)]


def process_batch(inbound_ids) -> dict[int, str]:
    """Settle stored messages; {id: outcome}. Messages settled already answer with the
    outcome they had."""
    ids = list(dict.fromkeys(int(pk) for pk in inbound_ids))
    InboundMessage.objects.filter(pk__in=ids, state=State.RECEIVED).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    rows = sorted(InboundMessage.objects.filter(pk__in=ids)
                  .select_related("raw", "endpoint__department"),
                  key=lambda m: (m.received_at, m.pk))
    outcomes = {pk: "missing" for pk in ids}
    outcomes.update({m.pk: settled_outcome(m) for m in rows if m.state != State.RECEIVED})
    contexts = Contexts()
    by_municipality: dict[int, list[InboundMessage]] = {}
    for inbound in rows:
        if inbound.state == State.RECEIVED:
            by_municipality.setdefault(inbound.municipality_id, []).append(inbound)
    for municipality_id, of_municipality in by_municipality.items():
        outcomes.update(_process(of_municipality, contexts.get(municipality_id)))
    return outcomes


def _process(rows, ctx) -> dict[int, str]:
    entries, outcomes = [], {}
    for inbound in rows:
        try:
            entries.append((inbound, interpret(inbound, ctx)))
        except Unreadable as exc:
            outcomes[inbound.pk] = quarantine(inbound.pk, unreadable_reason(exc))
        except OperationalError:
            raise
        except Exception as exc:
            logger.exception("inbound %s: its adapter failed", inbound.pk)
            outcomes[inbound.pk] = quarantine(inbound.pk, failure_reason(exc))
    if entries:
        outcomes.update(_settle_or_split(entries, ctx, store_files(entries)))
    for pk in [pk for pk, outcome in outcomes.items() if outcome == "deferred"]:
        # Not claimed by this batch: settled meanwhile by another worker (its outcome is
        # the answer), or held by one right now (deferred).
        settled = current_outcome(pk)
        if settled != State.RECEIVED:
            outcomes[pk] = settled
    return outcomes


def interpret(inbound: InboundMessage, ctx):
    """The channel's adapter reads the stored bytes into a neutral Item."""
    adapter = adapter_for(inbound.channel)
    if adapter is None:
        raise Unreadable(Deferred(
            gettext_noop("Šalter cannot read messages of this channel yet.")))
    try:
        raw = read_blob(inbound.raw)
    except FileNotFoundError as exc:
        raise Unreadable(Deferred(gettext_noop("The raw bytes are missing from the store: "
                                               "%s"), (exc.filename,))) from exc
    return adapter.interpret(inbound, raw, ctx)


def store_files(entries, *, staff: bool = False) -> dict[int, tuple]:
    """The attachments' files, written before the transaction; their Blob rows are saved
    in it (`apply.write`), so that neither waits for, nor holds up, another worker's
    write. {inbound id: ((blob, filename, content type), …)}. Automatic messages' are
    kept only when staff put the message on a case (`staff`)."""
    attached = [(inbound, item) for inbound, item in entries if item.attachments
                and (staff or (not item.automatic and item.report is None))]
    blobs = iter(unsaved_blobs([a.data for _inbound, item in attached
                                for a in item.attachments]))
    return {inbound.pk: tuple((next(blobs), a.filename or "attachment",
                               a.content_type or "application/octet-stream")
                              for a in item.attachments)
            for inbound, item in attached}


def _settle_or_split(entries, ctx, files) -> dict[int, str]:
    """Settle the batch; should that fail, each message alone, so that a message that
    breaks the batch quarantines only itself."""
    try:
        return _settle_twice(entries, ctx, files)
    except OperationalError:
        # The database itself is in trouble (locked, connection lost): not the messages'
        # fault. They stay RECEIVED and `requeue_stale` hands them out again.
        logger.exception("intake batch: database error, the messages will be retried")
        return {inbound.pk: "deferred" for inbound, _item in entries}
    except Exception as exc:
        if len(entries) == 1:
            logger.exception("inbound %s: processing failed", entries[0][0].pk)
            return {entries[0][0].pk: quarantine(entries[0][0].pk, failure_reason(exc))}
        logger.exception("intake batch failed; settling its messages one by one")
    outcomes = {}
    for inbound, item in entries:
        alone = {inbound.pk: files[inbound.pk]} if inbound.pk in files else {}
        outcomes.update(_settle_or_split([(inbound, item)], ctx, alone))
    return outcomes


def _settle_twice(entries, ctx, files) -> dict[int, str]:
    """Once more if settling fails: the usual cause is another worker registering one of
    the batch's new senders at the same moment (PostgreSQL), which the second attempt
    finds as a client."""
    try:
        return settle(entries, ctx, files=files)
    except OperationalError:
        raise
    except Exception as exc:
        logger.warning("intake batch failed (%s: %s); trying it once more",
                       type(exc).__name__, exc)
        return settle(entries, ctx, files=files)


def settle(entries, ctx, *, files=None, decide_with=decide, actor=None,
           claim_state: str = State.RECEIVED) -> dict[int, str]:
    """Look up, decide and apply, for (InboundMessage, Item) of one municipality; one
    transaction. `decide_with(entries, known, ctx)` is `decide`, or a staff member's
    decision on messages set aside (`intake.review`), who is then the `actor` and claims
    messages in REVIEW instead of RECEIVED. Messages another worker holds or settled
    meanwhile answer "deferred"; the caller reads their outcome."""
    files = files or {}

    def decided(current):
        for of_message in files.values():
            for blob, _name, _type in of_message:
                # A transaction tried before may have rolled back the key it gave the
                # blob; the plan's documents must take the key this one gives.
                blob.pk = None
        known = lookup.look_up(ctx, current)
        return known, apply.plan(decide_with(current, known, ctx), ctx, actor=actor,
                                 files=files)

    known, plan = decided(entries)
    with transaction.atomic():
        claimed = _claim([inbound.pk for inbound, _item in entries], claim_state)
        mine = [(inbound, item) for inbound, item in entries if inbound.pk in claimed]
        outcomes = {inbound.pk: "deferred" for inbound, _item in entries
                    if inbound.pk not in claimed}
        if not mine:
            return outcomes
        lock_external_ids(ctx.municipality.pk, [item.external_id for _inbound, item in mine])
        copies_then = {copy.pk for copy in known.copies.values()}
        if len(mine) < len(entries) or lookup.settled_copy_ids(
                ctx.municipality, mine) != copies_then:
            known, plan = decided(mine)
        try:
            with transaction.atomic():
                outcomes.update(apply.write(plan))
        except ValidationError:
            # A sender this batch registers as new became a client meanwhile
            # (`save_clients` checks before it inserts; the savepoint left nothing).
            known, plan = decided(mine)
            outcomes.update(apply.write(plan))
    return outcomes


def _claim(ids: list[int], state: str) -> set[int]:
    """The batch's rows still in `state`, locked until commit; rows another worker holds
    are skipped (that worker settles them)."""
    rows = InboundMessage.objects.filter(pk__in=ids, state=state)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return set(rows.values_list("pk", flat=True))


def lock_external_ids(municipality_id: int, external_ids) -> None:
    """Inside a transaction: settle messages of one external id one transaction at a
    time, so that two copies of a message processed at the same moment give one case and
    one duplicate. On PostgreSQL a transaction-level advisory lock per id, taken in one
    order; SQLite's writers take turns anyway."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(municipality_id, external_id)
                   for external_id in external_ids if external_id})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) "
                       "AS k ORDER BY 1) AS keys", [keys])


def _lock_key(municipality_id: int, external_id: str) -> int:
    digest = hashlib.blake2b(f"salter.message-id:{municipality_id}:{external_id}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def settled_outcome(inbound: InboundMessage) -> str:
    if inbound.state == State.PROCESSED:
        return inbound.outcome or "appended"
    return _SETTLED_OUTCOME.get(inbound.state, inbound.state)


def current_outcome(pk: int) -> str:
    return settled_outcome(InboundMessage.objects.get(pk=pk))


def unreadable_reason(exc: Unreadable) -> Deferred:
    return Deferred(gettext_noop("The message cannot be read: %s"), (exc.reason,))


def failure_reason(exc: Exception) -> Deferred:
    return Deferred(gettext_noop("Processing failed: %s"), (f"{type(exc).__name__}: {exc}",))


def quarantine(pk: int, reason) -> str:
    """Set a message aside with the reason, unless it was settled meanwhile."""
    with transaction.atomic():
        updated = InboundMessage.objects.filter(pk=pk, state=State.RECEIVED).update(
            state=State.QUARANTINED, outcome="quarantined", **apply.reason_columns(reason),
            processed_at=timezone.now())
    return "quarantined" if updated else current_outcome(pk)


# --- recovery -------------------------------------------------------------------------------


def requeue_stale(*, older_than_seconds: float, max_attempts: int = MAX_ATTEMPTS) -> dict:
    """Hand out again messages left RECEIVED for longer than `older_than_seconds`.

    One a worker started on and never finished (the worker died) goes in a task of its
    own, so that a message that kills workers harms only itself; one that has had
    `max_attempts` is quarantined. One never started is waiting in a backlog (an outage,
    more mail than the workers keep up with): it is handed out again, in batches, only
    when no task that settles stored messages (intake's, or a channel's own such as the
    SMS batches, `Adapter.processing_tasks`) is waiting any more — the task that carried
    it was lost — and not while the queue still holds the tasks that will reach it."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    stale = InboundMessage.objects.filter(state=State.RECEIVED, received_at__lt=cutoff).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=cutoff),
        Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=cutoff),
    )
    hopeless = list(stale.filter(attempts__gte=max_attempts).values_list("pk", flat=True))
    for pk in hopeless:
        quarantine(pk, Deferred(gettext_noop(
            "Processing never finished in %(n)d attempts: the worker stopped each time."),
            {"n": max_attempts}))
    abandoned = list(stale.filter(attempts__lt=max_attempts, last_attempt_at__isnull=False)
                     .values_list("pk", flat=True)[:REQUEUE_LIMIT])
    lost = []
    if not waiting(process_inbound_batch_task, process_inbound_task, *processing_tasks()):
        lost = list(stale.filter(last_attempt_at__isnull=True).order_by("pk")
                    .values_list("pk", flat=True)[:REQUEUE_LIMIT])
    if abandoned or lost:
        with transaction.atomic():
            InboundMessage.objects.filter(pk__in=abandoned + lost).update(queued_at=now)
            enqueue_processing(abandoned, single=True)
            enqueue_processing(lost)
    return {"requeued": len(abandoned) + len(lost), "quarantined": len(hopeless)}


def replay(inbound: InboundMessage) -> str:
    """Process a quarantined message again (after a fix), now, in this process."""
    with transaction.atomic():
        updated = InboundMessage.objects.filter(
            pk=inbound.pk, state=State.QUARANTINED).update(
            state=State.RECEIVED, outcome="", reason="", reason_data=None, attempts=0,
            processed_at=None, queued_at=timezone.now())
    if not updated:
        return current_outcome(inbound.pk)
    return process_inbound(inbound.pk)
