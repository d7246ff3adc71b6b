"""Carrying out a batch's decisions through the bulk actions, in one transaction.

`plan` builds every row the decisions need (clients, cases, timeline entries, documents,
acknowledgements with a stand-in for each registry number) without writing, so that on
SQLite the other workers wait only for the writes; `write`, inside the transaction, saves
them in bulk through the actions (`save_clients`, `save_cases_from_intake`,
`append_messages_to_cases`, `record_answers_from_intake`, `save_messages`,
`record_delivery_report`, `link_cases`, `link_client`), which write the same CaseEvents
the single actions would, numbers the new cases with one counter update, and records each
message's outcome.
"""

import secrets
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from salter import bulk
from salter.cases.actions import (
    CaseDraft,
    NewCases,
    append_messages_to_cases,
    link_cases,
    link_client,
    plan_cases_from_intake,
    save_cases_from_intake,
)
from salter.cases.models import Case, CaseParty
from salter.channels.adapters import adapter_for
from salter.channels.outbox import NewMessages, plan_messages, record_delivery_report, save_messages
from salter.clients.actions import NewClients, plan_clients, save_clients
from salter.clients.models import Client
from salter.documents.storage import save_blobs
from salter.intake.acknowledgements import acknowledgement_draft
from salter.intake.decide import Decision, NewCase, NewClient, not_a_party_reason
from salter.intake.senders import split_name
from salter.lang.deferred import Deferred
from salter.requests.actions import record_answers_from_intake

_SETTLED_FIELDS = ("state", "outcome", "reason", "reason_data", "case", "client",
                   "review_case", "processed_at", "sender", "subject", "body_text",
                   "language", "external_id", "sent_at", "metadata")
_SUBJECT_FROM_TEXT = 80


@dataclass
class Plan:
    """A batch's rows, built before its transaction from its decisions."""

    decisions: list[Decision]
    actor: object  # who the timeline says did it: intake:<channel>, or a staff member
    files: dict[int, tuple]  # inbound id → its attachments: (blob, filename, content type)
    clients: NewClients
    cases: NewCases
    opening: list[Decision]  # in the order of `cases.cases`
    acknowledgements: NewMessages
    # The stand-in for the registry number in each acknowledgement, in the order of
    # `acknowledgements.messages`, and its case.
    acknowledged: list[tuple[str, Case]]


def plan(decisions: list[Decision], ctx, *, actor=None, files=None) -> Plan:
    """Reads nothing, writes nothing: safe outside the transaction, and again inside it.
    `files` maps an inbound id to its attachments, written to the store but without rows
    yet; `actor` defaults to intake of the batch's channel."""
    actor = actor or ctx.actor(_channel(decisions))
    files = {d.inbound.pk: (files or {})[d.inbound.pk] for d in decisions
             if d.on_timeline and d.inbound.pk in (files or {})}
    for decision in decisions:
        _copy_onto_row(decision)
    clients = _plan_clients(actor, decisions)
    for decision in decisions:
        decision.inbound.client = _client(decision.client)
    opening = [d for d in decisions if d.opens is not None]
    cases = plan_cases_from_intake(actor=actor, drafts=[
        _draft(d, files.get(d.inbound.pk, ())) for d in opening])
    placeholders = _number_placeholders(len(opening))
    for decision, case, placeholder in zip(opening, cases.cases, placeholders, strict=True):
        case.registry_number = placeholder
        decision.opens.case = case
    acknowledged = [d for d in opening if d.acknowledge]
    acknowledgements = plan_messages(actor=actor, drafts=[
        _acknowledgement(d, ctx) for d in acknowledged])
    return Plan(decisions, actor, files, clients, cases, opening, acknowledgements,
                [(d.opens.case.registry_number, d.opens.case) for d in acknowledged])


def write(plan: Plan) -> dict[int, str]:
    """Inside the caller's transaction: save what the plan built; {inbound id: outcome}.
    Raises ValidationError from `save_clients` when one of the new senders became a client
    meanwhile (the caller looks up and decides again)."""
    actor = plan.actor
    save_blobs([blob for files in plan.files.values() for blob, _name, _type in files])
    save_clients(actor=actor, planned=plan.clients)
    for decision in plan.decisions:
        if decision.item is not None and decision.item.report is not None:
            record_delivery_report(actor=actor, municipality=actor.municipality,
                                   report=decision.item.report)
    save_cases_from_intake(actor=actor, planned=plan.cases)
    _fill_in_numbers(plan)
    save_messages(actor=actor, planned=plan.acknowledgements)
    for decision in plan.opening:
        if decision.opens.follows is not None:
            link_cases(actor=actor, case=decision.opens.case, other=decision.opens.follows)
    appends = [d for d in plan.decisions if d.outcome == "appended"]
    for decision in appends:
        if decision.make_party:
            link_client(actor=actor, case=_case(decision.case), client=decision.inbound.client,
                        role=CaseParty.Role.PARTY)
    append_messages_to_cases(actor=actor, items=[
        (_case(d.case), d.inbound, plan.files.get(d.inbound.pk, ()), d.details)
        for d in appends])
    record_answers_from_intake(actor=actor, items=[
        (d.request.pk, d.inbound, plan.files.get(d.inbound.pk, ()))
        for d in plan.decisions if d.outcome == "answered"])
    now = timezone.now()
    for decision in plan.decisions:
        _settle_row(decision, now)
    bulk.update([d.inbound for d in plan.decisions], _SETTLED_FIELDS)
    return {d.inbound.pk: d.outcome for d in plan.decisions}


def _channel(decisions) -> str:
    return decisions[0].inbound.channel if decisions else ""


def _copy_onto_row(decision: Decision) -> None:
    """What the adapter found, onto the message's row (its lengths are the columns')."""
    inbound, item = decision.inbound, decision.item
    if item is None:
        return
    inbound.sender = (item.sender.value or item.sender.shown)[:254]
    inbound.subject = item.subject[:300]
    inbound.body_text = item.text
    inbound.language = item.language
    inbound.external_id = (item.external_id or inbound.external_id)[:255]
    inbound.sent_at = item.sent_at
    if item.facts:
        inbound.metadata = {**(inbound.metadata or {}), **item.facts}


def _client(choice) -> Client | None:
    return choice.client if isinstance(choice, NewClient) else choice


def _case(choice) -> Case | None:
    return choice.case if isinstance(choice, NewCase) else choice


def _plan_clients(actor, decisions) -> NewClients:
    """The senders to register, once each, and only for messages that go on a case."""
    new: dict[int, NewClient] = {}
    for decision in decisions:
        if isinstance(decision.client, NewClient) and decision.on_timeline:
            new.setdefault(id(decision.client), decision.client)
    people = []
    for choice in new.values():
        first, last = split_name(choice.sender.name, choice.sender.value)
        people.append(({"kind": Client.Kind.PERSON, "first_name": first, "last_name": last,
                        "language": choice.language},
                       [(choice.sender.kind, choice.sender.value)]))
    planned = plan_clients(actor=actor, people=people)
    for choice, client in zip(new.values(), planned.clients, strict=True):
        choice.client = client
    for decision in decisions:
        if isinstance(decision.client, NewClient) and decision.client.client is None:
            decision.client = None  # a sender set aside is not registered
    return planned


def subject_for(subject: str, text: str) -> str:
    """The message's subject, else its first line, else a neutral title."""
    subject = " ".join((subject or "").split())
    if subject:
        return subject
    first_line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if first_line:
        return first_line[:_SUBJECT_FROM_TEXT]
    return _("Message without a subject")


def _draft(decision: Decision, files) -> CaseDraft:
    item, inbound, route = decision.item, decision.inbound, decision.opens.route
    return CaseDraft(
        subject=subject_for(item.subject, item.text), channel=inbound.channel,
        inbound=inbound, client=inbound.client, description=item.text, files=files,
        case_type=route.case_type, department=route.department, priority=route.priority,
        language=item.language or None, received_at=inbound.received_at,
        details=decision.details, location=item.location)


def _acknowledgement(decision: Decision, ctx) -> dict:
    inbound, case = decision.inbound, decision.opens.case
    adapter = adapter_for(inbound.channel)
    return acknowledgement_draft(
        municipality=ctx.municipality, case=case, client=inbound.client, inbound=inbound,
        item=decision.item, after_hours=decision.after_hours,
        variant=adapter.acknowledgement, language=decision.item.language or case.language)


def _number_placeholders(count: int) -> list[str]:
    """Stand-ins for registry numbers in texts composed before the numbers exist: private
    use characters around a random tag, which no message text contains."""
    tag = secrets.token_hex(8)
    return [f"\ue000{tag}-{i}\ue001" for i in range(count)]


def _fill_in_numbers(plan: Plan) -> None:
    """The acknowledgements name their cases' registry numbers, given only now."""
    for message, (placeholder, case) in zip(plan.acknowledgements.messages,
                                            plan.acknowledged, strict=True):
        message.subject = message.subject.replace(placeholder, case.registry_number)
        message.body_text = message.body_text.replace(placeholder, case.registry_number)
        tag = placeholder[:placeholder.rindex("-")]
        if tag in message.subject or tag in message.body_text:  # cut short somewhere
            raise ValueError("a registry number placeholder was left in an acknowledgement")


def _settle_row(decision: Decision, now) -> None:
    inbound = decision.inbound
    inbound.state, inbound.outcome = decision.state, decision.outcome
    reason = decision.reason
    if decision.outcome == "review" and isinstance(decision.review_case, NewCase):
        # The case is numbered only now: the reason names it.
        reason = not_a_party_reason(decision.item.sender, decision.review_case.case)
    columns = reason_columns(reason)
    inbound.reason, inbound.reason_data = columns["reason"], columns["reason_data"]
    inbound.case = _case(decision.case) if decision.outcome != "review" else None
    inbound.review_case = _case(decision.review_case)
    inbound.client = _client(decision.client)
    inbound.processed_at = now


def reason_columns(reason) -> dict:
    """The reason as this process reads it, and kept untranslated where it can be, so
    that staff read it in their own language (`InboundMessage.reason_shown`)."""
    data = reason.as_data() if isinstance(reason, Deferred) else None
    return {"reason": str(reason)[:4000], "reason_data": data}
