"""Every change to a case goes through here.

Each action runs in one transaction, checks the actor's permission, writes its CaseEvent
(who, what, before/after) in that same transaction, and queues side effects (messages,
notifications) with `salter.tasks.enqueue_on_commit`, so nothing is sent for a change that
rolled back and no change goes unrecorded.
"""

from dataclasses import dataclass
from datetime import UTC, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salter import bulk
from salter.cases import workflow
from salter.cases.events import record_event
from salter.cases.models import Case, CaseEvent, CaseLink, CaseParty, CaseTransfer, Priority
from salter.cases.workflow import Status
from salter.clients.models import Client
from salter.lang.transliteration import fold
from salter.procedures import actions as deadlines
from salter.procedures.actions import plan_case_deadlines
from salter.procedures.models import Deadline
from salter.registry.numbering import (
    format_registry_number,
    next_sequence,
    reserve_sequences,
)
from salter.tenancy.access import require
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Membership
from salter.tenancy.roles import Perm

Kind = CaseEvent.Kind


def _same_municipality(actor, *objects) -> None:
    for obj in objects:
        if obj is not None and obj.municipality_id != actor.municipality.pk:
            # Same answer as a missing object: nothing about other tenants leaks.
            raise ValidationError(_("Not found."))


def _refresh_search_text(case: Case) -> None:
    names = [c.display_name for c in case.clients.all()]
    case.search_text = fold(" ".join([case.registry_number, case.tracking_code, case.subject,
                                      *names]))
    Case.objects.filter(pk=case.pk).update(search_text=case.search_text)


def _registry_number(municipality, department, case_type, seq: int, year: int) -> str:
    unit = (department.registry_unit if department else "") or municipality.registry_unit
    classification = case_type.classification if case_type else ""
    return format_registry_number(municipality.registry_pattern, unit=unit,
                                  classification=classification, seq=seq, year=year)


@transaction.atomic
def create_case(*, actor, subject: str, channel: str, description: str = "",
                clients=(), case_type=None, department=None, priority: int | None = None,
                language: str | None = None, received_at=None, location: str = "") -> Case:
    """Open a case with the next registry number of the municipality for this year.

    What staff leave open is routed by the municipality's rules, as intake routes a
    message (procedure, department, priority; the default rule decides the rest).
    Businesses get high priority unless a priority is given. The deadlines come from the
    procedure, counted from `received_at` (now by default), through the deadline engine.
    """
    require(actor, Perm.CREATE_CASE)
    municipality = actor.municipality
    clients = list(clients)
    _same_municipality(actor, case_type, department, *clients)
    if not subject.strip():
        raise ValidationError({"subject": [_("Enter a subject.")]})
    if received_at is not None and received_at > timezone.now() + RECEIPT_CLOCK_SKEW:
        raise ValidationError({"received_at": [_("A matter cannot be received in the "
                                                 "future.")]})
    if case_type is None:
        route = _route_by_hand(municipality, subject, description, channel, clients,
                               location)
        case_type = route.case_type
        department = department or route.department
        priority = priority if priority is not None else route.priority
    case = _unsaved_case(municipality, CaseDraft(
        subject=subject, channel=channel, inbound=None, description=description,
        case_type=case_type, department=department, priority=priority, language=language,
        received_at=received_at, location=location), clients)
    deadlines = plan_case_deadlines(case, case.created_at)
    case.year = timezone.localtime(case.created_at).year
    case.sequence = next_sequence(municipality, case.year)
    case.registry_number = _registry_number(municipality, case.department, case_type,
                                            case.sequence, case.year)
    case.save()
    Deadline.objects.bulk_create(deadlines)
    CaseParty.objects.bulk_create(
        CaseParty(municipality=municipality, case=case, client=c) for c in clients
    )
    _refresh_search_text(case)
    record_event(case, actor, Kind.CREATED, text=case.subject, after=_snapshot(case))
    return case


# A clock this far ahead of ours is still taken at its word for when a matter arrived.
RECEIPT_CLOCK_SKEW = timedelta(minutes=10)


def _route_by_hand(municipality, subject: str, description: str, channel: str, clients,
                   location: str):
    """The route of a case staff open without choosing its procedure."""
    from salter.procedures.routing import RuleSet

    client = clients[0] if clients else None
    email = next((p.value for c in clients[:1]
                  for p in c.contact_points.filter(kind="email")[:1]), "")
    return RuleSet(municipality).route(
        text=f"{subject}\n{description}", channel=channel, client=client,
        sender_domain=email.rpartition("@")[2], location=location)


def _client_language(clients) -> str:
    return next((c.language for c in clients if c.language), "")


def _snapshot(case: Case) -> dict:
    return {
        "registry_number": case.registry_number,
        "status": case.status,
        "department": case.department_id,
        "assignee": case.assignee_id,
        "priority": case.priority,
        "case_type": case.case_type_id,
        "subject": case.subject,
        "due": case.due_at.astimezone(UTC).isoformat() if case.due_at else None,
    }


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def add_note(*, actor, case: Case, text: str) -> CaseEvent:
    require(actor, Perm.EDIT_CASE)
    if not text.strip():
        raise ValidationError({"text": [_("Write the note.")]})
    return record_event(case, actor, Kind.NOTE, text=text.strip())


@transaction.atomic
def update_case(*, actor, case: Case, **changes) -> Case:
    """Change subject, description, type or priority; records before/after of each."""
    require(actor, Perm.EDIT_CASE)
    case = _lock(case)
    allowed = {"subject", "description", "case_type", "priority"}
    _same_municipality(actor, changes.get("case_type"))
    before, after = {}, {}
    for name, value in changes.items():
        if name not in allowed:
            raise ValueError(f"update_case cannot change {name}")
        old = getattr(case, name)
        if old != value:
            before[name], after[name] = _jsonable(old), _jsonable(value)
            setattr(case, name, value)
    if not after:
        return case
    case.save()
    _refresh_search_text(case)
    record_event(case, actor, Kind.UPDATED, before=before, after=after)
    if "case_type" in after:
        deadlines.recompute_case_deadlines(actor=actor, case=case, at=timezone.now())
    return case


def _jsonable(value):
    return getattr(value, "pk", value)


@transaction.atomic
def assign_case(*, actor, case: Case, assignee=None, department=None) -> Case:
    """Give the case to a department and/or a person of this municipality.

    Assigning a new case moves it to 'assigned'; the assignee must be an active member.
    """
    require(actor, Perm.ASSIGN_CASE)
    case = _lock(case)
    _same_municipality(actor, department)
    if assignee is not None:
        member = Membership.objects.filter(user=assignee, municipality=actor.municipality,
                                           is_active=True).first()
        if member is None:
            raise ValidationError({"assignee": [_("This person does not work here.")]})
        if department is None and case.department_id is None:
            department = member.department
    before = {"assignee": case.assignee_id, "department": case.department_id,
              "status": case.status}
    if department is not None:
        case.department = department
    case.assignee = assignee
    if assignee is not None and case.status == Status.NEW:
        case.status = Status.ASSIGNED
    if assignee is None and case.status == Status.ASSIGNED:
        case.status = Status.NEW
    case.save()
    after = {"assignee": case.assignee_id, "department": case.department_id,
             "status": case.status}
    if before != after:
        label = assignee.get_full_name() or assignee.username if assignee else ""
        record_event(case, actor, Kind.ASSIGNED, text=label, before=before, after=after)
    return case


@transaction.atomic
def change_case_status(*, actor, case: Case, status: str, text: str = "",
                       override_reason: str = "", at=None) -> Case:
    """Move the case along the workflow; only transitions in `workflow.TRANSITIONS`.

    A case is not resolved or closed while a request to a department is open, unless a
    department head overrides with a reason: the open requests are then withdrawn, and
    the override is on the timeline. The case's deadlines follow its status
    (`procedures.actions.follow_case_status`) from `at`, when what moved it happened
    (a client's answer received earlier than it is processed), else now."""
    from salter.requests.actions import withdraw_open_requests
    from salter.requests.models import DepartmentRequest

    require(actor, Perm.CHANGE_STATUS)
    case = _lock(case)
    if not workflow.can_transition(case.status, status):
        raise ValidationError({"status": [
            _("A case cannot go from “%(from)s” to “%(to)s”.")
            % {"from": Status(case.status).label, "to": Status(status).label}
        ]})
    override_reason = " ".join((override_reason or "").split())
    open_requests = (list(DepartmentRequest.objects.open_on(case).select_related("department"))
                     if status in workflow.END_STATUSES else [])
    if open_requests and not override_reason:
        raise ValidationError({"status": [_(
            "Requests are still open (%(bodies)s): wait for their responses or withdraw "
            "them; a department head may override with a reason.")
            % {"bodies": ", ".join(r.department.name for r in open_requests)}]})
    if open_requests:
        require(actor, Perm.OVERRIDE_OPEN_REQUESTS)
    before = case.status
    case.status = status
    now = timezone.now()
    if status == Status.RESOLVED:
        case.resolved_at = now
    elif status == Status.CLOSED:
        case.closed_at = now
    elif workflow.is_reopen(before, status):
        case.resolved_at = case.closed_at = None
    case.save()
    after = {"status": status, "reopened": workflow.is_reopen(before, status)}
    if open_requests:
        after["override"] = override_reason
        after["withdrawn_requests"] = [r.pk for r in open_requests]
    record_event(case, actor, Kind.STATUS, text=text, before={"status": before}, after=after)
    if open_requests:
        withdraw_open_requests(actor=actor, case=case, requests=open_requests,
                               reason=override_reason)
    deadlines.follow_case_status(actor=actor, case=case, before=before, after=status,
                                 at=min(at, now) if at is not None else now)
    return case


@transaction.atomic
def link_client(*, actor, case: Case, client: Client,
                role: str = CaseParty.Role.SUBMITTER) -> CaseParty:
    require(actor, Perm.EDIT_CASE)
    _same_municipality(actor, client)
    party, created = CaseParty.objects.get_or_create(
        case=case, client=client, defaults={"municipality": case.municipality, "role": role})
    if created:
        _refresh_search_text(case)
        record_event(case, actor, Kind.CLIENT_LINKED, text=client.display_name,
                     after={"client": client.pk, "role": role})
    return party


@transaction.atomic
def unlink_client(*, actor, case: Case, client: Client) -> None:
    require(actor, Perm.EDIT_CASE)
    deleted, _n = CaseParty.objects.filter(case=case, client=client).delete()
    if deleted:
        _refresh_search_text(case)
        record_event(case, actor, Kind.CLIENT_UNLINKED, text=client.display_name,
                     before={"client": client.pk})


@transaction.atomic
def link_cases(*, actor, case: Case, other: Case) -> CaseLink:
    """Mark two cases as related; the link shows on both timelines."""
    require(actor, Perm.EDIT_CASE)
    _same_municipality(actor, other)
    if case.pk == other.pk:
        raise ValidationError({"other": [_("A case cannot be linked to itself.")]})
    first, second = sorted([case, other], key=lambda c: c.pk)
    link, created = CaseLink.objects.get_or_create(
        from_case=first, to_case=second, defaults={"municipality": case.municipality})
    if created:
        record_event(case, actor, Kind.CASE_LINKED, text=other.registry_number,
                     after={"case": other.pk})
        record_event(other, actor, Kind.CASE_LINKED, text=case.registry_number,
                     after={"case": case.pk})
    return link


@transaction.atomic
def set_parent_case(*, actor, case: Case, parent: Case | None) -> Case:
    require(actor, Perm.EDIT_CASE)
    case = _lock(case)
    _same_municipality(actor, parent)
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == case.pk:
            raise ValidationError({"parent": [_("A case cannot be its own ancestor.")]})
        ancestor = ancestor.parent
    before = case.parent_id
    case.parent = parent
    case.save()
    record_event(case, actor, Kind.PARENT_SET, text=parent.registry_number if parent else "",
                 before={"parent": before}, after={"parent": parent.pk if parent else None})
    return case


@transaction.atomic
def merge_cases(*, actor, duplicate: Case, into: Case) -> Case:
    """Close `duplicate` as merged into `into`; its clients join `into`. Both timelines
    say so; the duplicate keeps its own history and number."""
    from salter.requests.models import DepartmentRequest

    require(actor, Perm.MERGE_CASES)
    _same_municipality(actor, duplicate, into)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": [_("A case cannot be merged into itself.")]})
    duplicate, into = _lock(duplicate), _lock(into)
    if duplicate.merged_into_id or into.merged_into_id:
        raise ValidationError({"into": [_("One of these cases has already been merged.")]})
    for party in duplicate.parties.select_related("client"):
        CaseParty.objects.get_or_create(case=into, client=party.client,
                                        defaults={"municipality": into.municipality,
                                                  "role": party.role})
    before = duplicate.status
    if DepartmentRequest.objects.open_on(duplicate).exists():
        raise ValidationError({"into": [_("Requests of this case are still open; wait for "
                                          "their responses or withdraw them first.")]})
    duplicate.merged_into = into
    duplicate.status = Status.CLOSED
    duplicate.closed_at = timezone.now()
    duplicate.save()
    deadlines.stop_case_deadlines(actor=actor, case=duplicate, at=duplicate.closed_at)
    _refresh_search_text(into)
    record_event(duplicate, actor, Kind.MERGED, text=into.registry_number,
                 before={"status": before}, after={"status": Status.CLOSED, "into": into.pk})
    record_event(into, actor, Kind.MERGED, text=duplicate.registry_number,
                 after={"merged": duplicate.pk})
    return into


def record_client_merge_on_cases(*, actor, source: Client, target: Client) -> list[int]:
    """Part of `clients.actions.merge_clients`: move the source's case parties to the
    target and note it on each case. Runs inside that action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("call merge_clients instead")
    case_ids = []
    for party in CaseParty.objects.filter(client=source).select_related("case"):
        if CaseParty.objects.filter(case=party.case, client=target).exists():
            party.delete()
        else:
            CaseParty.objects.filter(pk=party.pk).update(client=target)
        case_ids.append(party.case_id)
        record_event(party.case, actor, Kind.CLIENT_MERGED,
                     text=f"{source.display_name} → {target.display_name}",
                     before={"client": source.pk}, after={"client": target.pk})
        _refresh_search_text(party.case)
    return case_ids


# --- messages from clients -----------------------------------------------------------------


def _back_in_progress_reason(status: str) -> str:
    """Why a client's message puts a case in this state back in progress ("" if not)."""
    if status == Status.RESOLVED:
        return _("The client wrote again after the case was resolved.")
    if status == Status.WAITING_CITIZEN:
        return _("The client answered.")
    return ""


@transaction.atomic
def reply_to_client(*, actor, case: Case, body: str,
                    recipient_client: Client | None = None):
    """E-mail the client (by default the submitter) from the case page, continuing the
    conversation, in the case's language; the outbox sends it after commit and records
    MESSAGE_OUT now and the delivery state later."""
    # Imported here: channels builds on cases, not the other way round.
    from salter.channels.email.replies import reply_thread, working_email
    from salter.channels.models import OutboundMessage
    from salter.channels.outbox import queue_message

    require(actor, Perm.EDIT_CASE)
    _same_municipality(actor, case, recipient_client)
    if not (body or "").strip():
        raise ValidationError({"body": [_("Write the reply.")]})
    parties = case.parties.select_related("client").order_by("pk")
    if recipient_client is not None:
        party = parties.filter(client=recipient_client).first()
    else:
        party = parties.filter(role=CaseParty.Role.SUBMITTER).first() or parties.first()
    if party is None:
        raise ValidationError({"recipient_client": [_("This client is not a party of the case.")]})
    point = working_email(party.client, case)
    if point is None:
        raise ValidationError({"body": [
            _("%(client)s has no working e-mail address.") % {"client": party.client}]})
    thread = reply_thread(case, party.client)
    message = queue_message(actor=actor, case=case, client=party.client,
                            recipient=point.value, subject=thread.subject, body=body.strip(),
                            purpose=OutboundMessage.Purpose.REPLY, inbound=thread.inbound,
                            in_reply_to=thread.in_reply_to, references=thread.references,
                            language=case.language)
    deadlines.meet_first_response(actor=actor, case=case, at=timezone.now())
    return message


# --- intake in batches ---------------------------------------------------------------------


@dataclass
class CaseDraft:
    """A case to open: what `create_case` is given, and for intake batches also the
    message that opens it (`plan_cases_from_intake`)."""

    subject: str
    channel: str
    inbound: object
    client: Client | None = None
    description: str = ""
    files: tuple = ()  # (blob, filename, content_type) of bytes already in the store
    case_type: object = None
    department: object = None
    priority: int | None = None
    language: str | None = None
    received_at: object = None
    details: dict | None = None  # for the message's timeline entry (`timeline_messages`)
    location: str = ""  # where the matter is (settlement, street), when given


def _unsaved_event(case: Case, actor, kind: str, *, text: str = "", after=None,
                   ref=None) -> CaseEvent:
    return bulk.unsaved(CaseEvent, municipality_id=case.municipality_id, case=case,
                        kind=kind, actor=actor.user,
                        actor_label="" if actor.user else str(actor),
                        text=text, after=after, ref=ref)


@dataclass
class NewCases:
    """Cases to open for a batch of new matters, built before the transaction
    (`plan_cases_from_intake`) and numbered and inserted in it (`save_cases_from_intake`):
    what the batch builds costs the other workers nothing while it holds the database."""

    cases: list[Case]
    parties: list[CaseParty]
    opened: list[CaseEvent]  # CREATED, one per case; snapshot filled once numbered
    messages: "TimelineMessages"
    folded: list[str]  # each case's search text but for the registry number
    deadlines: list[Deadline]


def plan_cases_from_intake(*, actor, drafts) -> NewCases:
    """`create_case` putting the message that opens it on the timeline, for a batch of new
    matters,
    first half: validate and build the rows; no queries. `save_cases_from_intake` then
    numbers them (one counter update) and inserts them in bulk: the same rows and events
    as the single actions, all or nothing."""
    require(actor, Perm.CREATE_CASE)
    drafts = list(drafts)
    municipality = actor.municipality
    for draft in drafts:
        _same_municipality(actor, draft.case_type, draft.department, draft.client)
        if not draft.subject.strip():
            raise ValidationError({"subject": [_("Enter a subject.")]})
    cases, parties, folded, planned_deadlines = [], [], [], []
    for draft in drafts:
        clients = [draft.client] if draft.client is not None else []
        case = _unsaved_case(municipality, draft, clients)
        planned_deadlines += plan_case_deadlines(case, case.created_at)
        case.year = timezone.localtime(case.created_at).year
        cases.append(case)
        parties += [bulk.unsaved(CaseParty, municipality=municipality, case=case,
                                 client=client)
                    for client in clients]
        folded.append(fold(" ".join([case.tracking_code, case.subject,
                                     *(c.display_name for c in clients)])))
    opened = [_unsaved_event(case, actor, Kind.CREATED, text=case.subject) for case in cases]
    messages = timeline_messages(actor, [(case, d.inbound, d.files, d.details)
                                         for case, d in zip(cases, drafts, strict=True)])
    return NewCases(cases, parties, opened, messages, folded, planned_deadlines)


@transaction.atomic
def save_cases_from_intake(*, actor, planned: NewCases) -> list[Case]:
    """Number the planned cases (one counter update per year) and insert their rows."""
    require(actor, Perm.CREATE_CASE)
    cases = planned.cases
    _number_cases(actor.municipality, cases)
    for case, folded, event in zip(cases, planned.folded, planned.opened, strict=True):
        case.search_text = " ".join(p for p in (fold(case.registry_number), folded) if p)
        event.after = _snapshot(case)
    bulk.insert(Case, cases)
    bulk.insert(Deadline, planned.deadlines)
    bulk.insert(CaseParty, planned.parties)
    bulk.insert(CaseEvent, planned.opened)
    planned.messages.save()
    return cases


def _unsaved_case(municipality, draft: CaseDraft, clients) -> Case:
    """A case as `create_case` and `plan_cases_from_intake` open it, not yet numbered:
    department from the type, businesses first and at least the type's priority, the
    client's language. Its deadlines are planned by `plan_case_deadlines`."""
    case_type = draft.case_type
    priority = draft.priority
    if priority is None:
        priority = Priority.HIGH if any(c.is_business for c in clients) else Priority.NORMAL
        priority = max(priority, case_type.priority) if case_type else priority
    now = draft.received_at or timezone.now()
    return bulk.unsaved(
        Case, municipality=municipality, subject=draft.subject.strip()[:300],
        description=draft.description, channel=draft.channel, case_type=case_type,
        department=draft.department or (case_type.department if case_type else None),
        priority=priority,
        language=draft.language or _client_language(clients) or municipality.default_language,
        created_at=now, location=(draft.location or "").strip()[:200],
    )


def _number_cases(municipality, cases: list[Case]) -> None:
    """Registry numbers, one counter update per year met in the batch, in batch order."""
    by_year: dict[int, list[Case]] = {}
    for case in cases:
        by_year.setdefault(case.year, []).append(case)
    for year, of_year in by_year.items():
        for case, seq in zip(of_year, reserve_sequences(municipality, year, len(of_year)),
                             strict=True):
            case.sequence = seq
            case.registry_number = _registry_number(municipality, case.department,
                                                    case.case_type, seq, year)


@dataclass
class TimelineMessages:
    """Documents and MESSAGE_IN entries for messages joining cases, built first and
    saved later; the entries learn their documents' ids when those are inserted."""

    documents: list[list]  # per message, its Document rows
    events: list[CaseEvent]

    def save(self) -> None:
        from salter.documents.models import Document

        bulk.insert(Document, [d for docs in self.documents for d in docs])
        for event, docs in zip(self.events, self.documents, strict=True):
            event.after["documents"] = [{"id": d.pk, "filename": d.filename} for d in docs]
            event.ref["documents"] = [d.pk for d in docs]
        bulk.insert(CaseEvent, self.events)


def _client_of(inbound) -> dict:
    """The message's client for a row's keyword arguments: the instance when one is
    attached (an intake batch attaches clients it has not inserted yet), else its id."""
    attached = type(inbound).client.field.get_cached_value(inbound, None)
    return {"client": attached} if attached is not None else {"client_id": inbound.client_id}


def timeline_messages(actor, items) -> TimelineMessages:
    """The rows putting [(case, inbound, files, details)] on their cases' timelines;
    `details` (or None) are facts for the entry, e.g. who forwarded the message."""
    from salter.documents.models import Document

    documents = [
        [bulk.unsaved(Document, municipality_id=case.municipality_id, blob=blob,
                      filename=filename[:255],
                      content_type=(content_type or "application/octet-stream")[:150],
                      case=case, source=inbound.channel, **_client_of(inbound))
         for blob, filename, content_type in files]
        for case, inbound, files, _details in items
    ]
    events = [
        _unsaved_event(case, actor, Kind.MESSAGE_IN, text=inbound.body_text,
                       after={"channel": inbound.channel, "sender": inbound.sender,
                              "subject": inbound.subject, **(details or {})},
                       ref={"inbound": inbound.pk})
        for case, inbound, _files, details in items
    ]
    return TimelineMessages(documents, events)


@transaction.atomic
def append_messages_to_cases(*, actor, items) -> list[Case]:
    """Put messages on their cases' timelines, for a batch of [(case, inbound, files,
    details)] (see `timeline_messages`): the cases locked with one query, documents and
    timeline entries inserted in bulk. A case that was resolved or waiting on the client
    goes back in progress, and says so. All or nothing: a closed case among them raises
    ValidationError (intake opens a new, linked case instead)."""
    require(actor, Perm.EDIT_CASE)
    items = list(items)
    if not items:
        return []
    for case, _inbound, _files, _details in items:
        _same_municipality(actor, case)
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(
        pk__in={case.pk for case, _i, _f, _d in items})}
    if any(c.status == Status.CLOSED for c in locked.values()):
        raise ValidationError(_("A closed case takes no more messages."))
    items = [(locked[case.pk], inbound, files, details)
             for case, inbound, files, details in items]
    timeline_messages(actor, items).save()
    first_received = {}
    for case, inbound, _files, _details in items:
        received = getattr(inbound, "received_at", None)
        if received is not None and (case.pk not in first_received
                                     or received < first_received[case.pk]):
            first_received[case.pk] = received
    for case in {case.pk: case for case, _i, _f, _d in items}.values():
        reason = _back_in_progress_reason(case.status)
        if reason:
            # The deadline runs again from when the client's answer arrived.
            change_case_status(actor=actor, case=case, status=Status.IN_PROGRESS, text=reason,
                               at=first_received.get(case.pk))
    return [case for case, _i, _f, _d in items]


# --- correcting the route --------------------------------------------------------------------


@transaction.atomic
def correct_route(*, actor, case: Case, case_type, department,
                  propose_keywords: str = "") -> Case:
    """Staff put a wrongly routed case right in one step: its procedure and department,
    the deadlines recomputed by the new procedure, the correction on the timeline. With
    `propose_keywords` a rule is proposed that would route such messages this way; it
    waits, inactive, for an administrator."""
    from salter.procedures.actions import propose_routing_rule

    require(actor, Perm.EDIT_CASE)
    _same_municipality(actor, case, case_type, department)
    if case_type is None:
        raise ValidationError({"case_type": [_("Choose the procedure.")]})
    if department is None:
        raise ValidationError({"department": [_("Choose the department.")]})
    case = _lock(case)
    if not case.is_open:
        raise ValidationError({"case_type": [_("A resolved or closed case is not "
                                               "rerouted.")]})
    before = {"case_type": case.case_type_id, "department": case.department_id}
    after = {"case_type": case_type.pk, "department": department.pk}
    if before == after and not propose_keywords.strip():
        return case
    rule = None
    if propose_keywords.strip():
        rule = propose_routing_rule(actor=actor, case=case, keywords=propose_keywords,
                                    case_type=case_type, department=department)
    type_changed = case.case_type_id != case_type.pk
    case.case_type, case.department = case_type, department
    case.save()
    record_event(case, actor, Kind.ROUTED, text=propose_keywords.strip(), before=before,
                 after={**after, "proposed_rule": rule.pk if rule else None},
                 ref={"rule": rule.pk} if rule else None)
    if type_changed:
        deadlines.recompute_case_deadlines(actor=actor, case=case, at=timezone.now())
    return case


# --- transfer to another municipality --------------------------------------------------------


@transaction.atomic
def transfer_case(*, actor, case: Case, to, note: str) -> CaseTransfer:
    """Send a case that belongs to another municipality to that municipality's inbox.

    The receiving municipality opens a case of its own (its own registry number, routed
    by its own rules, deadlines counted from now, when it receives it) with what may
    travel: the subject and description, the client's name, address and contact points,
    the client's messages and the documents they sent, and the note. Internal notes,
    staff, requests and the rest of the timeline stay. The sending case is closed and
    kept as a stub naming where it went. A matter is not sent back to a municipality it
    has passed through."""
    require(actor, Perm.TRANSFER_CASE)
    _same_municipality(actor, case)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the case belongs to the other "
                                          "municipality.")]})
    case = _lock(case)
    _check_transfer(actor, case, to)
    came = CaseTransfer.objects.filter(to_municipality=actor.municipality, to_case=case).first()
    path = [*(came.path if came else []), actor.municipality.pk]
    if to.pk in path:
        raise ValidationError({"to": [_(
            "This case came through %(municipality)s already; sending it back would go "
            "round in circles.") % {"municipality": to.name}]})
    receiving = SystemActor(municipality=to, label=f"transfer:{actor.municipality.slug}")
    clients = {party.client_id: _client_for(receiving, party.client)
               for party in case.parties.select_related("client").order_by("role", "pk")}
    received = create_case(actor=receiving, subject=case.subject,
                           description=case.description, channel=case.channel,
                           clients=list(clients.values()), language=case.language,
                           location=case.location)
    transfer = CaseTransfer.objects.create(
        from_municipality=actor.municipality, from_case=case,
        from_number=case.registry_number, to_municipality=to, to_case=received,
        to_number=received.registry_number, note=note, path=path, by=actor.user)
    _carry_history(receiving, case, received, clients)
    record_event(received, receiving, Kind.TRANSFERRED, text=note,
                 after={"direction": "in", "municipality": actor.municipality.name,
                        "number": case.registry_number}, ref={"transfer": transfer.pk})
    record_event(case, actor, Kind.TRANSFERRED, text=note,
                 after={"direction": "out", "municipality": to.name,
                        "number": received.registry_number}, ref={"transfer": transfer.pk})
    _close_as_stub(actor, case)
    return transfer


def _check_transfer(actor, case: Case, to) -> None:
    from salter.requests.models import DepartmentRequest

    if to is None or to.pk == actor.municipality.pk:
        raise ValidationError({"to": [_("Choose the municipality the case belongs to.")]})
    if not to.is_active:
        raise ValidationError({"to": [_(
            "%(municipality)s does not work in Šalter yet; send the matter to it by post.")
            % {"municipality": to.name}]})
    if not case.is_open:
        raise ValidationError({"to": [_("Only an open case can be transferred.")]})
    if DepartmentRequest.objects.open_on(case).exists():
        raise ValidationError({"to": [_("Requests of this case are still open; withdraw them "
                                        "before transferring it.")]})


def _client_for(receiving, client: Client) -> Client:
    """The client in the receiving municipality: the one owning one of their contact
    points there (the one matcher), else a new client with their name, address and
    contact points. Personal numbers do not travel."""
    from salter.clients.actions import create_client
    from salter.clients.matching import find_client_by_contact

    points = list(client.contact_points.filter(is_failing=False).order_by("pk"))
    for point in points:
        found = find_client_by_contact(receiving.municipality, point.kind, point.value)
        if found is not None:
            return found
    return create_client(
        actor=receiving, contacts=[(p.kind, p.value) for p in points], kind=client.kind,
        first_name=client.first_name, last_name=client.last_name,
        business_name=client.business_name, address=client.address, place=client.place,
        postal_code=client.postal_code, language=client.language)


def _carry_history(receiving, case: Case, received: Case, clients: dict) -> None:
    """The client's messages and documents, as the receiving case's own entries."""
    from salter.channels.models import InboundMessage
    from salter.documents.models import Document

    messages = InboundMessage.objects.filter(municipality_id=case.municipality_id,
                                             case=case).order_by("received_at", "pk")
    for message in messages:
        record_event(received, receiving, Kind.MESSAGE_IN, text=message.body_text,
                     after={"channel": message.channel, "sender": message.sender,
                            "subject": message.subject, "transferred": True,
                            "received_at": message.received_at.isoformat()})
    for document in Document.objects.filter(municipality_id=case.municipality_id, case=case,
                                            client__isnull=False):
        copy = Document.objects.create(
            municipality=received.municipality, blob=document.blob, filename=document.filename,
            content_type=document.content_type, case=received,
            client=clients.get(document.client_id), source=document.source,
            text=document.text)
        record_event(received, receiving, Kind.DOCUMENT, text=copy.filename,
                     after={"document": copy.pk, "transferred": True},
                     ref={"documents": [copy.pk]})


def _close_as_stub(actor, case: Case) -> None:
    before = case.status
    case.status, case.closed_at = Status.CLOSED, timezone.now()
    case.save()
    record_event(case, actor, Kind.STATUS, text=_("Transferred to the competent municipality."),
                 before={"status": before}, after={"status": Status.CLOSED, "reopened": False})
    deadlines.stop_case_deadlines(actor=actor, case=case, at=case.closed_at)
