"""Settling a batch of messages in one transaction.

The same decisions as `pipeline._settle`, taken for up to BATCH_SIZE messages at once so
that the database sees a few bulk statements per batch instead of ~40 queries per
message: one look-up of all senders, one insert of the new clients, one counter update
for all registry numbers, bulk inserts of cases, parties, timeline entries, documents and
acknowledgements, one update of the inbound rows. Actions still make every change, in
two steps: what can be decided and built without writing is planned before the
transaction (`plan_clients`, `plan_cases_from_intake`, `plan_messages`), so that on
SQLite the other workers wait only for the writes (`save_clients`,
`save_cases_from_intake`, `append_messages_to_cases`, `save_messages`).

The attachments' files are written before the transaction and their Blob rows saved in
it. So a worker writes only in one burst per batch: this transaction, then the task's
result, the next task's claim and its attempt count, which on SQLite keep the write turn
of the transaction (`salter.sqlite.base.keep_write_turns`); while it parses and plans, the
other workers write.

Exactly once: the transaction first claims the rows still RECEIVED (on PostgreSQL with
FOR UPDATE SKIP LOCKED; on SQLite the IMMEDIATE transaction holds the write lock), and
the same transaction settles them, so a killed worker leaves all of them or none.

What is rare and has its own rules is left to the one-message path, after the batch has
committed: copies of a message (same Message-ID) and replies to a closed case. Replies to
another message of the same batch wait for a second round (`pipeline._this_round`). The
copies are looked for when the batch is loaded and again inside the transaction, under
a lock per Message-ID (`pipeline.lock_message_ids`), so that a copy arriving while the
batch is planned is not settled beside it as a second new case.
"""

import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from salter import bulk
from salter.cases.actions import (
    CaseDraft,
    NewCases,
    append_messages_to_cases,
    plan_cases_from_intake,
    save_cases_from_intake,
)
from salter.cases.models import CaseParty, Channel
from salter.cases.workflow import Status
from salter.channels.models import InboundMessage
from salter.channels.outbox import NewMessages, plan_messages, save_messages
from salter.clients.actions import NewClients, plan_clients, save_clients
from salter.clients.models import Client, ContactPoint
from salter.documents.storage import save_blobs
from salter.intake.acknowledgements import acknowledgement_draft
from salter.intake.bounces import record_bounce
from salter.intake.cases import subject_for
from salter.intake.incoming import Incoming
from salter.intake.pipeline import (
    copy_parsed_fields,
    ids_with_copies,
    lock_message_ids,
    missing_sender_reason,
    not_a_party_reason,
    reason_columns,
)
from salter.intake.senders import split_name
from salter.intake.threads import find_cases
from salter.lang.deferred import Deferred

State = InboundMessage.State
_SETTLED_FIELDS = ("state", "outcome", "reason", "reason_data", "case", "client",
                   "review_case", "processed_at", "sender", "subject", "body_text",
                   "language", "message_id")


@dataclass
class Prepared:
    """A message parsed before the transaction. Its files' Blobs are written but have
    no rows yet: the transaction saves them first (`save_blobs`)."""

    inbound: InboundMessage
    incoming: Incoming
    files: tuple
    ctx: object  # pipeline.Context of its municipality
    alone: bool = False  # must be settled by the one-message path
    case: object = None  # the case it continues, looked up before the transaction


def thread_batch(prepared: list[Prepared]) -> None:
    """Find the cases the messages continue, for all of a batch at once. Threading only
    reads, so it runs before the transaction, in parallel with the other workers; the
    transaction checks the case again (party, closed)."""
    by_municipality: dict[int, list[Prepared]] = {}
    for item in prepared:
        if not item.alone and not item.incoming.automatic and item.incoming.bounce is None:
            by_municipality.setdefault(item.inbound.municipality_id, []).append(item)
    for items in by_municipality.values():
        cases = find_cases(items[0].ctx.municipality,
                           [(p.incoming.subject, p.incoming.references) for p in items])
        for item, case in zip(items, cases, strict=True):
            item.case = case


def settle_batch(prepared: list[Prepared]) -> tuple[dict[int, str], list[Prepared]]:
    """Settle what can be settled together, in one transaction per municipality.

    Returns ({id: outcome}, the messages left to the one-message path). Raises when the
    batch fails as a whole; nothing of it is then saved.
    """
    outcomes, alone = {}, [p for p in prepared if p.alone]
    by_municipality: dict[int, list[Prepared]] = {}
    for item in prepared:
        if not item.alone:
            by_municipality.setdefault(item.inbound.municipality_id, []).append(item)
    for items in by_municipality.values():
        for item in items:
            for blob, _name, _type in item.files:
                # A batch tried before may have rolled back the key it was given; the
                # plan's documents must take the key this transaction gives.
                blob.pk = None
        plan = _plan(items)
        with transaction.atomic():
            settled, rest = _write(plan)
        outcomes.update(settled)
        alone += rest
    return outcomes, alone


@dataclass
class _Plan:
    """A batch's decisions and rows, made before its transaction: the transaction only
    claims, checks that nothing changed meanwhile, numbers and inserts."""

    items: list[Prepared]
    actor: object
    new: list[Prepared]  # opening a case
    appends: list[tuple[Prepared, object]]  # (message, the case it continues)
    alone: list[Prepared]  # for the one-message path
    clients: NewClients
    cases: NewCases
    acknowledgements: NewMessages  # one per new case, numbers still to be filled in
    placeholders: list[str]  # standing for each new case's registry number until then


def _plan(items: list[Prepared]) -> _Plan:
    """Reads and building only: safe outside the transaction, and again inside it."""
    ctx = items[0].ctx
    actor = ctx.actor(Channel.EMAIL)
    for item in items:
        copy_parsed_fields(item.inbound, item.incoming)
        if item.incoming.automatic:
            _result(item.inbound, State.IGNORED, "ignored", reason=item.incoming.automatic)
    people = [p for p in items if not p.incoming.automatic]
    _identify_senders(ctx.municipality, people)
    new, appends, alone = _thread(people)
    clients = _plan_missing_clients(actor, new)
    cases = plan_cases_from_intake(actor=actor, drafts=[_draft(p) for p in new])
    placeholders = _number_placeholders(len(new))
    for case, placeholder in zip(cases.cases, placeholders, strict=True):
        case.registry_number = placeholder
    now = timezone.now()
    acknowledgements = plan_messages(actor=actor, drafts=[
        acknowledgement_draft(municipality=ctx.municipality, case=case,
                              client=p.inbound.client, inbound=p.inbound,
                              incoming=p.incoming, now=now)
        for p, case in zip(new, cases.cases, strict=True)])
    return _Plan(items, actor, new, appends, alone, clients, cases, acknowledgements,
                 placeholders)


def _number_placeholders(count: int) -> list[str]:
    """Stand-ins for registry numbers in texts composed before the numbers exist: private
    use characters around a random tag, which no message text contains."""
    tag = secrets.token_hex(8)
    return [f"\ue000{tag}-{i}\ue001" for i in range(count)]


def _fill_in_numbers(plan: _Plan, cases) -> None:
    for message, placeholder, case in zip(plan.acknowledgements.messages, plan.placeholders,
                                          cases, strict=True):
        message.subject = message.subject.replace(placeholder, case.registry_number)
        message.body_text = message.body_text.replace(placeholder, case.registry_number)
        tag = placeholder[:placeholder.rindex("-")]
        if tag in message.subject or tag in message.body_text:  # cut short somewhere
            raise ValueError("a registry number placeholder was left in an acknowledgement")


def _write(plan: _Plan) -> tuple[dict[int, str], list[Prepared]]:
    """Inside the transaction: claim the messages and save what the plan built. If
    another worker has claimed some of them, or registered one of the new senders, or a
    copy of one of them has arrived, since the plan was made, the plan is made again
    here."""
    ids = [p.inbound.pk for p in plan.items]
    claimed = _claim(ids)
    outcomes = {pk: "deferred" for pk in ids if pk not in claimed}
    items = [p for p in plan.items if p.inbound.pk in claimed]
    lock_message_ids(plan.items[0].inbound.municipality_id,
                     [p.inbound.message_id for p in items])
    # A copy of a message (same Message-ID) that arrived since the batch was loaded: the
    # one-message path settles the two one after the other, after this transaction.
    copies = ids_with_copies([p.inbound for p in items])
    late = [p for p in items if p.inbound.pk in copies]
    items = [p for p in items if p.inbound.pk not in copies]
    if len(items) < len(plan.items):
        if not items:
            return outcomes, late
        plan = _plan(items)
    save_blobs([blob for item in plan.items for blob, _name, _type in item.files])
    try:
        save_clients(actor=plan.actor, planned=plan.clients)
    except ValidationError:
        # A sender the plan registers as new has become a client meanwhile (save_clients
        # checks before it inserts, and its savepoint leaves nothing behind).
        plan = _plan(plan.items)
        save_clients(actor=plan.actor, planned=plan.clients)
    ctx, actor = plan.items[0].ctx, plan.actor
    for item in plan.items:
        if item.incoming.bounce is not None:
            record_bounce(actor=actor, municipality=ctx.municipality,
                          bounce=item.incoming.bounce)
    cases = save_cases_from_intake(actor=actor, planned=plan.cases)
    for item, case in zip(plan.new, cases, strict=True):
        _result(item.inbound, State.PROCESSED, "created", case=case)
    append_messages_to_cases(actor=actor, items=[(case, p.inbound, p.files)
                                                 for p, case in plan.appends])
    for item, case in plan.appends:
        _result(item.inbound, State.PROCESSED, "appended", case=case)
    _fill_in_numbers(plan, cases)
    save_messages(actor=actor, planned=plan.acknowledgements)
    left = {id(p) for p in plan.alone}
    done = [p.inbound for p in plan.items if id(p) not in left]
    _save_settled(done)
    outcomes.update({inbound.pk: inbound.outcome for inbound in done})
    return outcomes, plan.alone + late


def _claim(ids: list[int]) -> set[int]:
    """The batch's rows still RECEIVED, locked until commit; rows another worker holds
    are skipped (that worker settles them)."""
    rows = InboundMessage.objects.filter(pk__in=ids, state=State.RECEIVED)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return set(rows.values_list("pk", flat=True))


def _save_settled(messages: list[InboundMessage]) -> None:
    bulk.update(messages, _SETTLED_FIELDS)


def _result(inbound: InboundMessage, state: str, outcome: str, *,
            reason: str | Deferred = "", case=None, review_case=None) -> None:
    inbound.state, inbound.outcome = state, outcome
    columns = reason_columns(reason)
    inbound.reason, inbound.reason_data = columns["reason"], columns["reason_data"]
    inbound.case, inbound.review_case = case, review_case
    inbound.processed_at = timezone.now()


def _identify_senders(municipality, items: list[Prepared]) -> None:
    """The one client matcher's answer for all senders at once: the client owning each
    address, followed through merges."""
    addresses = {p.incoming.sender for p in items if p.incoming.sender}
    points = (ContactPoint.objects.filter(municipality=municipality,
                                          kind=ContactPoint.Kind.EMAIL, value__in=addresses)
              .select_related("client"))
    owners = {}
    for point in points:
        client = point.client
        while client.merged_into_id is not None:
            client = client.merged_into
        owners[point.value] = client
    for item in items:
        item.inbound.client = owners.get(item.incoming.sender)


def _thread(items: list[Prepared]):
    """(messages opening a case, [(message, case)] appending, messages for the
    one-message path); the rest are settled here as needing review."""
    found = [(p, p.case) for p in items]
    pairs = {(case.pk, p.inbound.client_id) for p, case in found
             if case is not None and p.inbound.client_id}
    parties = set(CaseParty.objects.filter(
        case_id__in={c for c, _cl in pairs}, client_id__in={cl for _c, cl in pairs})
        .values_list("case_id", "client_id")) if pairs else set()
    new, appends, alone = [], [], []
    for item, case in found:
        inbound = item.inbound
        if case is None and not item.incoming.sender:
            _result(inbound, State.REVIEW, "review", reason=missing_sender_reason())
        elif case is None:
            new.append(item)
        elif (case.pk, inbound.client_id) not in parties:
            # Privacy: whoever knows a case number must not be able to write into it.
            _result(inbound, State.REVIEW, "review", review_case=case,
                    reason=not_a_party_reason(item.incoming.sender, case))
        elif case.status == Status.CLOSED:
            alone.append(item)
        else:
            appends.append((item, case))
    return new, appends, alone


def _plan_missing_clients(actor, items: list[Prepared]) -> NewClients:
    """New senders become clients, one per address even if it wrote twice in the batch:
    built here, inserted by the transaction."""
    missing: dict[str, list[Prepared]] = {}
    for item in items:
        if item.inbound.client is None:
            missing.setdefault(item.incoming.sender, []).append(item)
    people = []
    for address, of_address in missing.items():
        incoming = of_address[0].incoming
        first, last = split_name(incoming.sender_name, address)
        people.append(({"kind": Client.Kind.PERSON, "first_name": first, "last_name": last,
                        "language": incoming.language},
                       [(incoming.sender_kind, address)]))
    planned = plan_clients(actor=actor, people=people)
    for of_address, client in zip(missing.values(), planned.clients, strict=True):
        for item in of_address:
            item.inbound.client = client
    return planned


def _draft(item: Prepared) -> CaseDraft:
    incoming, inbound, ctx = item.incoming, item.inbound, item.ctx
    decision = ctx.rules.route(sender_domain=incoming.sender_domain,
                               text=f"{incoming.subject}\n{incoming.text}",
                               mailbox=inbound.mailbox, client=inbound.client)
    return CaseDraft(
        subject=subject_for(incoming.subject, incoming.text), channel=inbound.channel,
        inbound=inbound, client=inbound.client, description=incoming.text, files=item.files,
        case_type=decision.case_type, department=decision.department,
        priority=decision.priority, language=incoming.language or None,
        received_at=inbound.received_at)
