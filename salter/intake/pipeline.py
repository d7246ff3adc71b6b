"""The intake pipeline: raw → parse → identify client → thread → route → create or
append → acknowledge.

Exactly once: a batch of messages is settled in one transaction (`batch.settle_batch`)
that first claims their InboundMessage rows still RECEIVED, and that also creates or
appends to the cases, queues the acknowledgements and records the outcomes; the rare
message the batch leaves aside gets the same in a transaction of its own (`_settle`).
A worker killed at any point leaves either nothing (the messages are still RECEIVED and
`requeue_stale` hands them out again) or everything. Parsing, storing attachments and
threading happen before the transaction, so the database is held only for the writes.

Copies of a message (the same Message-ID by two paths, e.g. to two of the municipality's
mailboxes) are settled one after the other under a lock per Message-ID
(`lock_message_ids`): the first opens or continues the case, the others are DUPLICATE,
even when two workers take them at the same moment.

Nothing is lost and nothing stops the rest: a message that cannot be read, or whose
processing raises, is QUARANTINED with the reason and can be replayed after a fix.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks import task

from salter import bulk
from salter.cases.models import CaseParty, Channel
from salter.channels.models import InboundMessage, Mailbox
from salter.documents.storage import store_blobs, unsaved_blobs
from salter.intake.acknowledgements import queue_acknowledgement
from salter.intake.bounces import record_bounce
from salter.intake.cases import append_to_case, create_case_from_intake, intake_actor
from salter.intake.email import interpret_email
from salter.intake.incoming import Incoming, Unreadable
from salter.intake.senders import create_sender, find_sender
from salter.intake.threads import find_case
from salter.lang.deferred import Deferred
from salter.procedures.routing import RuleSet
from salter.tasks import enqueue_on_commit
from salter.tenancy.models import Municipality

logger = logging.getLogger(__name__)

State = InboundMessage.State
OUTCOMES = ("created", "appended", "duplicate", "ignored", "review", "quarantined")
# A worker that died this many times on one message will die on it again.
MAX_ATTEMPTS = 5
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
    """Settle one message; returns its outcome (one of OUTCOMES)."""
    return process_batch([inbound_id]).get(int(inbound_id), "ignored")


def process_batch(inbound_ids) -> dict[int, str]:
    """Settle messages; {id: outcome}.

    Parsing and storing attachments happen first, outside any transaction; then the
    messages are settled together in one transaction (`batch.settle_batch`). Should that
    fail, each is settled alone in its own transaction, so a message that breaks the
    batch quarantines only itself.
    """
    ids = list(dict.fromkeys(int(pk) for pk in inbound_ids))
    now = timezone.now()
    InboundMessage.objects.filter(pk__in=ids, state=State.RECEIVED).update(
        attempts=F("attempts") + 1, last_attempt_at=now)
    rows = list(InboundMessage.objects.filter(pk__in=ids)
                .select_related("raw", "mailbox__department"))
    outcomes = {inbound.pk: settled_outcome(inbound) for inbound in rows
                if inbound.state != State.RECEIVED}
    prepared, unreadable = _prepare([r for r in rows if r.state == State.RECEIVED])
    for inbound, reason in unreadable:
        outcomes[inbound.pk] = quarantine(inbound.pk, reason)
    for item in _needing_one_by_one(prepared, ids_with_copies(rows)):
        item.alone = True
    pending = prepared
    while pending:
        ready, pending = _this_round(pending)
        outcomes.update(_settle_round(ready))
        if pending:
            _thread_batch_or_go_alone(pending)
    return outcomes


def _this_round(pending):
    """(messages to settle now, replies to another of them, which wait for the next
    round: their case exists only once this round has committed)."""
    waiting = {p.incoming.message_id for p in pending if p.incoming and not p.alone}
    later = [p for p in pending if p.incoming and not p.alone
             and waiting.intersection(p.incoming.references)]
    if len(later) == len(pending):  # a loop of replies: nothing can go first
        for item in later:
            item.alone = True
        return pending, []
    held = {id(p) for p in later}
    return [p for p in pending if id(p) not in held], later


def _thread_batch_or_go_alone(prepared) -> None:
    """Thread the batch; if that fails, every message takes the one-message path, which
    quarantines whichever one causes the failure."""
    from salter.intake.batch import thread_batch

    try:
        thread_batch(prepared)
    except OperationalError:
        raise
    except Exception:
        logger.exception("intake batch: threading failed; settling one by one")
        for item in prepared:
            item.alone = True


def _settle_round(prepared) -> dict[int, str]:
    try:
        outcomes, alone = _settle_together(prepared)
    except OperationalError:
        logger.exception("intake batch: database error, the messages will be retried")
        return {p.inbound.pk: "deferred" for p in prepared}
    except Exception:
        logger.exception("intake batch failed; settling its messages one by one")
        outcomes, alone = {}, prepared
    for item in alone:
        outcomes[item.inbound.pk] = _process_one(item.inbound, item.ctx)
    for pk in [pk for pk, outcome in outcomes.items() if outcome == "deferred"]:
        # Not claimed by this batch: settled meanwhile by another worker (its outcome is
        # the answer), or held by one right now (deferred).
        settled = current_outcome(pk)
        if settled != State.RECEIVED:
            outcomes[pk] = settled
    return outcomes


def _settle_together(prepared):
    """Settle the batch; once more if that fails, since the usual cause is a worker
    that registered one of its new senders concurrently (PostgreSQL), and the second
    attempt finds that client."""
    # Imported here: the batch module builds on this one's helpers.
    from salter.intake.batch import settle_batch

    try:
        return settle_batch(prepared)
    except OperationalError:
        raise
    except Exception as exc:
        logger.warning("intake batch failed (%s: %s); trying it once more",
                       type(exc).__name__, exc)
        return settle_batch(prepared)


def _prepare(rows):
    """Parse each message and write its attachments' files, outside any transaction:
    ([batch.Prepared], [(unreadable message, reason)])."""
    from salter.intake.batch import Prepared

    contexts, prepared, unreadable = Contexts(), [], []
    for inbound in rows:
        ctx = contexts.get(inbound.municipality_id)
        try:
            incoming = interpret(inbound, ctx)
        except Unreadable as exc:
            unreadable.append((inbound, unreadable_reason(exc)))
            continue
        except Exception:
            # The one-message path will quarantine it with the reason.
            logger.exception("inbound %s: cannot be interpreted", inbound.pk)
            prepared.append(Prepared(inbound, None, (), ctx, alone=True))
            continue
        prepared.append(Prepared(inbound, incoming, (), ctx))
    _thread_batch_or_go_alone(prepared)
    attached = [p for p in prepared if p.incoming and not p.incoming.automatic
                and p.incoming.attachments]
    # Files now, rows in the batch's transaction (`batch.settle_batch`): neither waits
    # for, nor holds up, another worker's write.
    blobs = iter(unsaved_blobs([a.data for p in attached for a in p.incoming.attachments]))
    for item in attached:
        attachments = item.incoming.attachments
        item.files = _files(attachments, islice(blobs, len(attachments)))
    return prepared, unreadable


def _needing_one_by_one(prepared, copies: set[int]):
    """Messages the batch cannot settle: copies of another message (by Message-ID), and
    ones whose parsed Message-ID differs from the one scanned at accept."""
    for item in prepared:
        incoming = item.incoming
        if incoming is None:
            continue
        if (item.inbound.pk in copies
                or (incoming.message_id and incoming.message_id != item.inbound.message_id)):
            yield item


def ids_with_copies(rows) -> set[int]:
    """Messages of the batch whose Message-ID another stored message shares: only these
    need the duplicate check, which the one-message path makes. One query per
    municipality of the batch instead of one per message (by the municipality's
    Message-ID index). The batch asks again inside its transaction, after
    `lock_message_ids`, for copies that arrived meanwhile."""
    by_id: dict[tuple[int, str], list[int]] = {}
    for inbound in rows:
        if inbound.message_id:
            by_id.setdefault((inbound.municipality_id, inbound.message_id), []).append(
                inbound.pk)
    seen: dict[tuple[int, str], int] = {}
    for municipality_id in {m for m, _id in by_id}:
        ids = [message_id for m, message_id in by_id if m == municipality_id]
        for (message_id,) in bulk.find(InboundMessage, "message_id", ids,
                                       columns=("message_id",),
                                       municipality_id=municipality_id):
            key = (municipality_id, message_id)
            seen[key] = seen.get(key, 0) + 1
    return {pk for key, pks in by_id.items() if seen.get(key, 0) > 1 for pk in pks}


def settled_outcome(inbound: InboundMessage) -> str:
    if inbound.state == State.PROCESSED:
        return inbound.outcome or "appended"
    return _SETTLED_OUTCOME.get(inbound.state, inbound.state)


@dataclass
class Context:
    """What every message of a municipality needs, read once per batch."""

    municipality: Municipality
    rules: RuleSet
    own_addresses: frozenset[str]

    def actor(self, channel: str):
        return intake_actor(self.municipality, channel)


class Contexts:
    """Contexts of the municipalities met in one batch."""

    def __init__(self):
        self._loaded: dict[int, Context] = {}

    def get(self, municipality_id: int) -> Context:
        if municipality_id not in self._loaded:
            self._loaded[municipality_id] = _load_context(municipality_id)
        return self._loaded[municipality_id]


def _load_context(municipality_id: int) -> Context:
    municipality = (Municipality.objects.prefetch_related("working_hours")
                    .get(pk=municipality_id))
    addresses = set(Mailbox.objects.filter(municipality=municipality)
                    .values_list("address", flat=True))
    addresses.update({municipality.email, getattr(settings, "SALTER_MAIL_FROM", "")})
    return Context(municipality=municipality, rules=RuleSet(municipality),
                   own_addresses=frozenset(a.lower() for a in addresses if a))


def interpret(inbound: InboundMessage, ctx: Context) -> Incoming:
    if inbound.channel == Channel.EMAIL:
        return interpret_email(inbound, own_addresses=ctx.own_addresses)
    raise Unreadable(Deferred(
        gettext_noop("Šalter cannot read messages of this channel yet.")))


def _process_one(inbound: InboundMessage, ctx: Context) -> str:
    try:
        incoming = interpret(inbound, ctx)
        files = () if incoming.automatic else store_files(incoming)
        with transaction.atomic():
            locked = _lock_received(inbound.pk)
            if locked is None:
                return current_outcome(inbound.pk)
            locked.raw, locked.mailbox = inbound.raw, inbound.mailbox
            return _settle(locked, incoming, files, ctx)
    except Unreadable as exc:
        return quarantine(inbound.pk, unreadable_reason(exc))
    except OperationalError:
        # The database itself is in trouble (locked, connection lost): not the message's
        # fault. It stays RECEIVED and `requeue_stale` hands it out again.
        logger.exception("inbound %s: database error, will be retried", inbound.pk)
        return "deferred"
    except Exception as exc:
        logger.exception("inbound %s: processing failed", inbound.pk)
        return quarantine(inbound.pk, f"{type(exc).__name__}: {exc}")


def _lock_received(pk: int) -> InboundMessage | None:
    inbound = InboundMessage.objects.select_for_update().get(pk=pk)
    return inbound if inbound.state == State.RECEIVED else None


def current_outcome(pk: int) -> str:
    return settled_outcome(InboundMessage.objects.get(pk=pk))


def store_files(incoming: Incoming) -> tuple:
    """Attachments into the content-addressed store (one sync, one small transaction),
    before the transaction that settles the message: a rolled back transaction leaves
    only unreferenced blobs, which cost nothing."""
    attachments = incoming.attachments
    return _files(attachments, store_blobs([a.data for a in attachments]))


def _files(attachments, blobs) -> tuple:
    """(blob, file name, content type) of each attachment: what documents are made of."""
    return tuple((blob, a.filename or "attachment",
                  a.content_type or "application/octet-stream")
                 for a, blob in zip(attachments, blobs, strict=True))


def _settle(inbound: InboundMessage, incoming: Incoming, files, ctx: Context) -> str:
    copy_parsed_fields(inbound, incoming)
    actor = ctx.actor(inbound.channel)
    if incoming.automatic:
        if incoming.bounce is not None:
            record_bounce(actor=actor, municipality=ctx.municipality, bounce=incoming.bounce)
        return finish(inbound, State.IGNORED, "ignored", reason=incoming.automatic)
    lock_message_ids(inbound.municipality_id, [inbound.message_id])
    earlier = _earlier_copy(inbound)
    if earlier is not None:
        inbound.client_id = earlier.client_id
        return finish(inbound, State.DUPLICATE, "duplicate", case=earlier.case,
                      reason=Deferred(gettext_noop(
                          "The same message (Message-ID) was already received as message "
                          "%(id)s."), {"id": earlier.pk}))
    inbound.client = find_sender(ctx.municipality, incoming)
    case = find_case(ctx.municipality, subject=incoming.subject,
                     references=incoming.references)
    if case is not None:
        return _continue_case(inbound, incoming, files, case, ctx)
    if not incoming.sender:
        return finish(inbound, State.REVIEW, "review",
                      reason=missing_sender_reason())
    case = open_case(inbound, incoming, files, ctx, actor=actor)
    return finish(inbound, State.PROCESSED, "created", case=case)


def unreadable_reason(exc: Unreadable) -> Deferred:
    return Deferred(gettext_noop("The message cannot be read: %s"), (exc.reason,))


def missing_sender_reason() -> Deferred:
    return Deferred(gettext_noop(
        "The sender's address is missing or not valid, so nobody can be answered; open a "
        "case by hand if needed."))


def not_a_party_reason(sender: str, case) -> Deferred:
    return Deferred(gettext_noop(
        "%(sender)s is not a party of case %(number)s; a staff member must decide whether "
        "the message belongs to it."),
        {"sender": sender or Deferred(gettext_noop("An unknown sender")),
         "number": case.registry_number})


def copy_parsed_fields(inbound: InboundMessage, incoming: Incoming) -> None:
    """What the parser found, onto the row (its lengths are the columns')."""
    inbound.sender = incoming.sender[:254]
    inbound.subject = incoming.subject[:300]
    inbound.body_text = incoming.text
    inbound.language = incoming.language
    inbound.message_id = (incoming.message_id or inbound.message_id)[:255]


def _earlier_copy(inbound: InboundMessage) -> InboundMessage | None:
    """The same message by another path (its bytes differ, its Message-ID does not)."""
    if not inbound.message_id:
        return None
    # No ordering: any settled copy will do, and ORDER BY would make SQLite scan.
    earlier = (InboundMessage.objects
            .filter(municipality_id=inbound.municipality_id, channel=inbound.channel,
                    message_id=inbound.message_id,
                    state__in=[State.PROCESSED, State.REVIEW, State.DUPLICATE])
            .exclude(pk=inbound.pk).select_related("case").order_by()[:1])
    return next(iter(earlier), None)


def lock_message_ids(municipality_id: int, message_ids) -> None:
    """Inside a transaction: settle messages of one Message-ID one transaction at a time,
    so that two copies of a message (sent to two of the municipality's mailboxes, say)
    processed at the same moment give one case and one duplicate. On PostgreSQL a
    transaction-level advisory lock per Message-ID, taken in one order; SQLite's writers
    take turns anyway."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({_lock_key(municipality_id, message_id)
                   for message_id in message_ids if message_id})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(%s::bigint[]) "
                       "AS k ORDER BY 1) AS keys", [keys])


def _lock_key(municipality_id: int, message_id: str) -> int:
    digest = hashlib.blake2b(f"salter.message-id:{municipality_id}:{message_id}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _continue_case(inbound, incoming, files, case, ctx) -> str:
    client = inbound.client
    if client is None or not CaseParty.objects.filter(case=case, client=client).exists():
        # Privacy: whoever knows a case number must not be able to write into it.
        return finish(inbound, State.REVIEW, "review", review_case=case,
                      reason=not_a_party_reason(incoming.sender, case))
    actor = ctx.actor(inbound.channel)
    case, is_new = append_to_case(
        channel=inbound.channel, case=case, inbound=inbound, files=files, actor=actor,
        open_case=lambda: open_case(inbound, incoming, files, ctx, actor=actor))
    return finish(inbound, State.PROCESSED, "created" if is_new else "appended", case=case)


def open_case(inbound, incoming: Incoming, files, ctx: Context, *, actor):
    """Route and open a case for the message, and acknowledge it. Inside the caller's
    transaction; finds or creates the client first."""
    if inbound.client is None and incoming.sender:
        inbound.client = create_sender(actor=actor, incoming=incoming)
    decision = ctx.rules.route(sender_domain=incoming.sender_domain,
                               text=f"{incoming.subject}\n{incoming.text}",
                               mailbox=inbound.mailbox, client=inbound.client)
    case = create_case_from_intake(
        channel=inbound.channel, municipality=ctx.municipality, client=inbound.client,
        subject=incoming.subject, text=incoming.text, inbound=inbound, files=files,
        route=decision, language=incoming.language, received_at=inbound.received_at,
        actor=actor)
    if inbound.channel == Channel.EMAIL and incoming.sender:
        queue_acknowledgement(actor=actor, municipality=ctx.municipality, case=case,
                              client=inbound.client, inbound=inbound, incoming=incoming)
    return case


def finish(inbound: InboundMessage, state: str, outcome: str, *,
           reason: str | Deferred = "", case=None, review_case=None) -> str:
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=state, outcome=outcome, **reason_columns(reason), case=case,
        client=inbound.client_id,
        review_case=review_case, processed_at=timezone.now(), sender=inbound.sender,
        subject=inbound.subject, body_text=inbound.body_text, language=inbound.language,
        message_id=inbound.message_id)
    return outcome


def quarantine(pk: int, reason: str | Deferred) -> str:
    """Set a message aside with the reason, unless it was settled meanwhile."""
    with transaction.atomic():
        updated = InboundMessage.objects.filter(pk=pk, state=State.RECEIVED).update(
            state=State.QUARANTINED, outcome="quarantined", **reason_columns(reason),
            processed_at=timezone.now())
    return "quarantined" if updated else current_outcome(pk)


# --- recovery -------------------------------------------------------------------------------


def requeue_stale(*, older_than_seconds: float, max_attempts: int = MAX_ATTEMPTS) -> dict:
    """Hand out again messages a dead worker left RECEIVED, each in its own task (so one
    message that kills workers harms only itself); quarantine those that have already
    had `max_attempts`."""
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
    retry = list(stale.filter(attempts__lt=max_attempts).values_list("pk", flat=True)[:5000])
    if retry:
        with transaction.atomic():
            InboundMessage.objects.filter(pk__in=retry).update(queued_at=now)
            enqueue_processing(retry, single=True)
    return {"requeued": len(retry), "quarantined": len(hopeless)}


def reason_columns(reason: str | Deferred) -> dict:
    """The reason as this process reads it, and kept untranslated where it can be, so
    that staff read it in their own language (`InboundMessage.reason_shown`)."""
    data = reason.as_data() if isinstance(reason, Deferred) else None
    return {"reason": str(reason)[:4000], "reason_data": data}


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
