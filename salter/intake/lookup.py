"""What the database already knows about a batch of items, read in a few queries: the
clients owning the senders' contact points, the cases the items may continue, who is a
party of those cases, and earlier copies of the items.

Only reads: it runs before the batch's transaction (in parallel with other workers'
writes) and once more inside it when something changed meanwhile. The decide step
(`salter.intake.decide`) answers from this alone.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from salter import bulk
from salter.cases.models import Case, CaseParty
from salter.cases.workflow import OPEN_STATUSES
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.models import Client, ContactPoint
from salter.intake.threads import subject_marks
from salter.requests.models import REFERENCE_LENGTH, REFERENCE_PREFIX, DepartmentRequest

State = InboundMessage.State
# A settled message another one may be a copy of.
SETTLED_COPY_STATES = (State.PROCESSED, State.REVIEW, State.DUPLICATE)


@dataclass(frozen=True)
class Copy:
    """An earlier stored message with the same external id, already settled."""

    pk: int
    case_id: int | None
    review_case_id: int | None
    client_id: int | None
    text: str


_REQUEST_REFERENCE = re.compile(
    rf"(?<![0-9A-Z]){re.escape(REFERENCE_PREFIX)}[2-9A-HJKMNP-Z]{{{REFERENCE_LENGTH}}}(?![0-9A-Z])",
    re.IGNORECASE)


def request_references(text: str) -> set[str]:
    """The references of requests to departments named in `text` ("Z-7Q3K9M2A")."""
    return {found.upper() for found in _REQUEST_REFERENCE.findall(text or "")}


@dataclass(frozen=True)
class RequestRef:
    """A request to a department or outside body that an item may answer."""

    pk: int
    case_id: int
    reference: str
    department: str
    address: str  # the body's e-mail address, lower case

    def from_the_body(self, sender) -> bool:
        """Whether the sender writes from the body's address or its domain."""
        if not self.address or not sender.value:
            return False
        return (sender.value == self.address
                or sender.domain == self.address.rpartition("@")[2])


@dataclass
class Known:
    clients: dict[tuple[str, str], Client] = field(default_factory=dict)
    # the clients of earlier copies, by id (a duplicate is recorded for its copy's client)
    copy_clients: dict[int, Client] = field(default_factory=dict)
    # external id (without <>) → (when, case id), of our messages and of theirs
    ours: dict[str, tuple] = field(default_factory=dict)
    theirs: dict[str, tuple] = field(default_factory=dict)
    # registry number or tracking code → (created, case id)
    by_mark: dict[str, tuple] = field(default_factory=dict)
    # each item's marks (registry numbers, tracking codes), in batch order
    marks: list[tuple[set, set]] = field(default_factory=list)
    cases: dict[int, Case] = field(default_factory=dict)  # followed through merges
    parties: set[tuple[int, int]] = field(default_factory=set)
    copies: dict[str, Copy] = field(default_factory=dict)
    # client id → its one open case that changed recently (per the items' windows)
    recent: dict[int, int] = field(default_factory=dict)
    # requests to departments the items may answer: by the request e-mail's id (without
    # <>) and by the reference named in the subject; and each item's references
    requests: dict[str, RequestRef] = field(default_factory=dict)
    requests_by_reference: dict[str, RequestRef] = field(default_factory=dict)
    request_marks: list[set] = field(default_factory=list)

    def client(self, sender) -> Client | None:
        return self.clients.get((sender.kind, sender.value)) if sender.known else None

    def case(self, case_id) -> Case | None:
        return self.cases.get(case_id) if case_id is not None else None


def look_up(ctx, entries) -> Known:
    """`entries` are (InboundMessage, Item) of one municipality, in batch order."""
    municipality = ctx.municipality
    items = [item for _inbound, item in entries]
    known = Known()
    known.clients = _clients(municipality, items)
    refs = {r for item in items for r in item.replies_to}
    known.ours, known.theirs = _referenced_cases(municipality, refs)
    known.marks = [subject_marks(municipality.registry_pattern, item.marks_text)
                   if item.marks_text else (set(), set()) for item in items]
    known.by_mark = _cases_by_marks(municipality, known.marks)
    known.copies = _copies(municipality, entries)
    copy_client_ids = {c.client_id for c in known.copies.values() if c.client_id}
    if copy_client_ids:
        known.copy_clients = Client.objects.in_bulk(copy_client_ids)
    known.recent = _recent_cases(municipality, items, known.clients)
    known.request_marks = [request_references(item.marks_text) for item in items]
    known.requests, known.requests_by_reference = _requests(
        municipality, refs, set().union(*known.request_marks))
    wanted = {case_id for _at, case_id in [*known.ours.values(), *known.theirs.values(),
                                            *known.by_mark.values()]}
    wanted |= {r.case_id for r in [*known.requests.values(),
                                   *known.requests_by_reference.values()]}
    wanted |= {c.case_id for c in known.copies.values() if c.case_id}
    wanted |= {c.review_case_id for c in known.copies.values() if c.review_case_id}
    wanted |= set(known.recent.values())
    known.cases = _current_cases(wanted)
    client_ids = {c.pk for c in known.clients.values()}
    if client_ids and known.cases:
        known.parties = set(CaseParty.objects.filter(
            case_id__in={c.pk for c in known.cases.values()}, client_id__in=client_ids)
            .values_list("case_id", "client_id"))
    return known


def _clients(municipality, items) -> dict[tuple[str, str], Client]:
    """The one client matcher's answer for all senders at once: the client owning each
    contact point, followed through merges."""
    by_kind: dict[str, set[str]] = {}
    for item in items:
        if item.sender.known:
            by_kind.setdefault(item.sender.kind, set()).add(item.sender.value)
    owners = {}
    for kind, values in by_kind.items():
        for point in (ContactPoint.objects.filter(municipality=municipality, kind=kind,
                                                  value__in=values)
                      .select_related("client")):
            client = point.client
            while client.merged_into_id is not None:
                client = client.merged_into
            owners[(kind, point.value)] = client
    return owners


def _referenced_cases(municipality, bare: set[str]):
    """({message id: (time, case id)} of our messages, the same of theirs)."""
    ours: dict[str, tuple] = {}
    theirs: dict[str, tuple] = {}
    if not bare:
        return ours, theirs
    # Searched in the (municipality, external_id) index; the case is checked on the rows
    # found, so that SQLite does not walk every outbound message that has a case.
    for external_id, case_id, at in (
            OutboundMessage.objects.filter(municipality=municipality,
                                           external_id__in=[*bare, *(f"<{b}>" for b in bare)])
            .order_by().values_list("external_id", "case_id", "created_at")):
        key = external_id.strip("<> ")
        if case_id is not None:
            ours[key] = max(ours.get(key, (at, case_id)), (at, case_id))
    for external_id, case_id, at in (
            InboundMessage.objects.filter(municipality=municipality, case__isnull=False,
                                          external_id__in=bare)
            .order_by().values_list("external_id", "case_id", "received_at")):
        theirs[external_id] = max(theirs.get(external_id, (at, case_id)), (at, case_id))
    return ours, theirs


def _requests(municipality, refs: set[str], references: set[str]):
    """({request e-mail id: request}, {reference: request}) of the requests the items name."""
    rows = DepartmentRequest.objects.filter(municipality=municipality).order_by()
    found = []
    if refs:
        found += rows.filter(external_id__in=refs).values_list(*_REQUEST_COLUMNS)
    if references:
        found += rows.filter(reference__in=references).values_list(*_REQUEST_COLUMNS)
    by_id, by_reference = {}, {}
    for pk, case_id, reference, external_id, name, address in found:
        ref = RequestRef(pk, case_id, reference, name, (address or "").lower())
        if external_id in refs:
            by_id[external_id] = ref
        if reference in references:
            by_reference[reference] = ref
    return by_id, by_reference


_REQUEST_COLUMNS = ("pk", "case_id", "reference", "external_id", "department__name",
                    "department__email")


def _cases_by_marks(municipality, marks) -> dict[str, tuple]:
    """{registry number or tracking code: (created, case id)} of the marks found."""
    numbers = {n for found, _codes in marks for n in found}
    codes = {c for _found, found in marks for c in found}
    if not numbers and not codes:
        return {}
    found = {}
    for number, code, pk, created in (
            Case.objects.filter(municipality=municipality)
            .filter(Q(registry_number__in=numbers) | Q(tracking_code__in=codes))
            .order_by().values_list("registry_number", "tracking_code", "pk", "created_at")):
        found[number] = found[code] = (created, pk)
    return found


def _copies(municipality, entries) -> dict[str, Copy]:
    """Settled messages of the same channel sharing an item's external id (the same
    message by another path), other than the batch's own."""
    found = _settled_copies(municipality, entries)
    if not found:
        return {}
    copies = {}
    for pk, external_id, case_id, review_case_id, client_id, text in (
            InboundMessage.objects.filter(pk__in=found).order_by()
            .values_list("pk", "external_id", "case_id", "review_case_id", "client_id",
                         "body_text")):
        copies.setdefault(external_id, Copy(pk, case_id, review_case_id, client_id, text))
    return copies


def settled_copy_ids(municipality, entries) -> set[int]:
    """The ids of the settled copies `_copies` would find now: compared inside the
    transaction with what the batch was decided on."""
    return _settled_copies(municipality, entries)


def _settled_copies(municipality, entries) -> set[int]:
    """By the (municipality, external id) index, in plain SQL (`bulk.find`): a batch's ids
    are almost never found, and the ORM's IN look-up would cost more than the query. The
    channel is compared here, not in SQL: with it there, SQLite walks the idempotency
    index over every message of the channel instead."""
    wanted = {(inbound.channel, item.external_id) for inbound, item in entries
              if item.external_id}
    if not wanted:
        return set()
    own = {inbound.pk for inbound, _item in entries}
    return {pk for pk, channel, external_id, state in bulk.find(
                InboundMessage, "external_id", sorted({i for _c, i in wanted}),
                columns=("pk", "channel", "external_id", "state"), municipality=municipality)
            if pk not in own and state in SETTLED_COPY_STATES
            and (channel, external_id) in wanted}


def _recent_cases(municipality, items, clients) -> dict[int, int]:
    """For senders whose channel continues a client's only open case that changed
    recently (a text message that names no case): client id → that case's id."""
    windows: dict[int, object] = {}
    for item in items:
        client = clients.get((item.sender.kind, item.sender.value))
        if item.recent_case_window is not None and client is not None:
            windows[client.pk] = max(windows.get(client.pk, item.recent_case_window),
                                     item.recent_case_window)
    if not windows:
        return {}
    since = timezone.now() - max(windows.values())
    open_cases: dict[int, list[tuple]] = {}
    for client_id, case_id, updated in (
            CaseParty.objects.filter(municipality=municipality, client_id__in=windows,
                                     case__status__in=OPEN_STATUSES,
                                     case__merged_into__isnull=True)
            .values_list("client_id", "case_id", "case__updated_at")):
        open_cases.setdefault(client_id, []).append((case_id, updated))
    now = timezone.now()
    return {client_id: cases[0][0] for client_id, cases in open_cases.items()
            if len(cases) == 1 and cases[0][1] >= since
            and now - cases[0][1] <= windows[client_id]}


def _current_cases(case_ids) -> dict[int, Case]:
    """{asked id: the case now answering for it}: a merged case answers with the case it
    was merged into."""
    cases = Case.objects.in_bulk(case_ids)
    answer = {}
    for pk, case in cases.items():
        while case.merged_into_id is not None:
            case = case.merged_into
        answer[pk] = case
    return answer
