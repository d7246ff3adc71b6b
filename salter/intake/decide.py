"""Deciding what each received item becomes: the one place where intake's rules live.

For a batch of (message, item) of one municipality, in the order received, and what the
database knows (`lookup.Known`), `decide` returns one `Decision` per item: a new case or
an append to an existing one (or to one another item of the same batch opens), a known
client or a new one, review, ignore, duplicate; whether it is acknowledged; how a new
case is routed. It reads and writes nothing: a single message is a batch of one, and the
same items with the same knowledge always give the same decisions. The apply step
(`salter.intake.apply`) carries them out in one transaction.

The rules, in the order they are tried:
1. A delivery report (an e-mail bounce) is recorded against our message and set aside.
2. Automatic messages (auto-replies, lists, our own mail coming back) are set aside:
   never a case, never an answer.
3. Copies: the same message (same external id) again with the same text is a duplicate
   of the first; with a different text it joins the first one's case as a message of its
   own, marked as a possible copy.
   A reply to a request Šalter sent a department or an outside body (to the request's
   message, or naming its reference) is that request's answer, when it comes from the
   body's address or domain; from anyone else it waits for staff (review).
4. Threading: a reply to our message, else to theirs (in the database or earlier in the
   batch), else a registry number or tracking code in the subject or text, else (where
   the channel asks) the sender's only open case that changed recently.
5. Privacy: whoever writes into an existing case must be one of its parties, otherwise
   the message waits for staff (review); knowing a case number is not enough.
6. A closed case takes no more messages: a new case, linked to it, is opened.
7. Without a sender to answer, a new matter waits for staff (review).
8. Otherwise a new case, routed by the municipality's rules, for the known client or a
   new one registered from the sender (one per contact point, however many of its items
   the batch holds), acknowledged when the sender can be answered on the channel.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from salter.cases.models import Case
from salter.cases.workflow import Status
from salter.channels.models import InboundMessage
from salter.clients.models import Client
from salter.intake.items import Item, Sender
from salter.intake.lookup import RequestRef
from salter.lang.deferred import Deferred
from salter.procedures.routing import RouteDecision

State = InboundMessage.State


@dataclass(eq=False)
class NewClient:
    """A sender to register as a client; shared by every decision about that sender."""

    sender: Sender
    language: str
    client: Client | None = None  # once apply has built it


@dataclass(eq=False)
class NewCase:
    """A case an item opens; other items of the batch may join it."""

    client: "Client | NewClient | None"
    route: RouteDecision
    follows: Case | None = None  # the closed case it continues, linked to it
    case: Case | None = None  # once apply has built it


@dataclass(eq=False)
class Decision:
    inbound: InboundMessage
    item: Item | None
    outcome: str  # created, appended, duplicate, ignored, review, quarantined
    reason: object = ""  # a Deferred text (or str), shown to staff in their language
    client: "Client | NewClient | None" = None
    # Where the message goes: an existing case, or one this batch opens (NewCase).
    case: "Case | NewCase | None" = None
    opens: NewCase | None = None  # the case this item opens itself
    review_case: "Case | NewCase | None" = None
    acknowledge: bool = False
    after_hours: bool = False  # sent outside office hours (the acknowledgement says so)
    # Facts for the timeline entry (forwarder, possible copy, when it was sent).
    details: dict = field(default_factory=dict)
    make_party: bool = False  # staff confirmed the sender may write to the case
    request: RequestRef | None = None  # the request to a department it answers

    @property
    def state(self) -> str:
        return _STATE[self.outcome]

    @property
    def on_timeline(self) -> bool:
        return self.outcome in ("created", "appended", "answered")


_STATE = {"created": State.PROCESSED, "appended": State.PROCESSED,
          "answered": State.PROCESSED, "duplicate": State.DUPLICATE,
          "ignored": State.IGNORED, "review": State.REVIEW, "quarantined": State.QUARANTINED}


def decide(entries, known, ctx) -> list[Decision]:
    """One Decision per (InboundMessage, Item) of `entries`, in their order."""
    batch = _Batch()
    decisions = []
    for index, (inbound, item) in enumerate(entries):
        references = known.request_marks[index] if index < len(known.request_marks) else ()
        decision = _decide(inbound, item, (known.marks[index], references), known, batch,
                           ctx)
        batch.remember(decision)
        decisions.append(decision)
    return decisions


class _Batch:
    """What earlier items of the batch decided, for the later ones: copies, replies and
    the same sender writing again."""

    def __init__(self):
        self.by_external_id: dict[str, Decision] = {}
        self.new_clients: dict[tuple[str, str], NewClient] = {}
        # The case each new client's first item opens: their only case, which a later
        # item continuing "the only recent open case" joins, as it would one at a time.
        self.opened_for: dict[int, NewCase] = {}

    def remember(self, decision: Decision) -> None:
        item = decision.item
        if item is not None and item.external_id:
            self.by_external_id.setdefault(item.external_id, decision)
        if decision.opens is not None and isinstance(decision.client, NewClient):
            self.opened_for.setdefault(id(decision.client), decision.opens)

    def new_client(self, item: Item) -> NewClient:
        key = (item.sender.kind, item.sender.value)
        if key not in self.new_clients:
            self.new_clients[key] = NewClient(item.sender, item.language)
        return self.new_clients[key]

    def pending_client(self, sender: Sender) -> NewClient | None:
        return self.new_clients.get((sender.kind, sender.value))


def _decide(inbound, item: Item, all_marks, known, batch: _Batch, ctx) -> Decision:
    marks, references = all_marks
    if item.report is not None:
        return Decision(inbound, item, "ignored", reason=item.automatic or Deferred(
            gettext_noop("delivery report")))
    if item.automatic:
        return Decision(inbound, item, "ignored", reason=item.automatic)
    client = known.client(item.sender) or batch.pending_client(item.sender)
    details = _details(item)
    copy = _copy(item, known, batch)
    if copy is not None and copy.same_text:
        return Decision(inbound, item, "duplicate", client=copy.client, case=copy.case,
                        reason=Deferred(gettext_noop(
                            "The same message (Message-ID) was already received as message "
                            "%(id)s."), {"id": copy.inbound_id}))
    request = _request_answered(item, references, known)
    if request is not None:
        return _answer(inbound, item, request, client, details, known)
    if copy is not None:
        details["possible_copy_of"] = copy.inbound_id
        if copy.case is None:
            return Decision(inbound, item, "review", client=client,
                            review_case=copy.review_case, details=details,
                            reason=possible_copy_reason(copy.inbound_id))
        case = copy.case
    else:
        case = _thread(inbound, item, marks, known, batch, client)
    if case is not None:
        return _continue(inbound, item, case, client, details, known, batch, ctx)
    if not item.sender.known:
        return Decision(inbound, item, "review", reason=missing_sender_reason())
    return _open(inbound, item, client or batch.new_client(item), details, ctx)


def _request_answered(item: Item, references, known) -> RequestRef | None:
    """The request to a department the item replies to: by the request's message in its
    thread, else by the reference named in its subject."""
    by_thread = [known.requests[r] for r in item.replies_to if r in known.requests]
    if by_thread:
        return by_thread[-1]
    named = sorted(r for r in references if r in known.requests_by_reference)
    return known.requests_by_reference[named[0]] if named else None


def _answer(inbound, item: Item, request: RequestRef, client, details, known) -> Decision:
    case = known.case(request.case_id)
    if not request.from_the_body(item.sender):
        return Decision(inbound, item, "review", client=client, review_case=case,
                        details=details, reason=not_the_body_reason(item.sender, request))
    return Decision(inbound, item, "answered", case=case, request=request, details=details,
                    reason=Deferred(gettext_noop("The response of %(department)s to request "
                                                 "%(reference)s."),
                                    {"department": request.department,
                                     "reference": request.reference}))


def _details(item: Item) -> dict:
    details = {}
    if item.forwarded_by is not None:
        details["forwarded_by"] = item.forwarded_by.as_data()
    if item.sent_at is not None:
        details["sent_at"] = item.sent_at.isoformat()
    return details


@dataclass(frozen=True)
class _Copy:
    inbound_id: int
    same_text: bool
    client: object
    case: object
    review_case: object


def _copy(item: Item, known, batch: _Batch) -> _Copy | None:
    """The earlier message with the item's external id: settled before, or earlier in
    this batch."""
    if not item.external_id:
        return None
    earlier = batch.by_external_id.get(item.external_id)
    if earlier is not None:
        if earlier.outcome in ("ignored", "quarantined"):
            return None
        return _Copy(earlier.inbound.pk, _same(earlier.item.text, item.text), earlier.client,
                     earlier.case, earlier.review_case)
    stored = known.copies.get(item.external_id)
    if stored is None:
        return None
    return _Copy(stored.pk, _same(stored.text, item.text),
                 known.copy_clients.get(stored.client_id), known.case(stored.case_id),
                 known.case(stored.review_case_id))


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _thread(inbound, item: Item, marks, known, batch: _Batch, client):
    """The case the item continues, or None for a new matter (rule 4)."""
    refs = item.replies_to
    found = [known.ours[r] for r in refs if r in known.ours]
    if found:
        return known.case(max(found)[1])
    earlier = [batch.by_external_id[r] for r in refs if r in batch.by_external_id]
    earlier = [d for d in earlier if d.case is not None and d.outcome != "duplicate"]
    theirs = [known.theirs[r] for r in refs if r in known.theirs]
    if earlier:
        # Items of this batch arrived after anything already settled.
        return max(earlier, key=lambda d: (d.inbound.received_at, d.inbound.pk)).case
    if theirs:
        return known.case(max(theirs)[1])
    numbers, codes = marks
    by_mark = [known.by_mark[m] for m in (*numbers, *codes) if m in known.by_mark]
    if by_mark:
        return known.case(max(by_mark)[1])
    if isinstance(client, Client) and client.pk in known.recent:
        return known.case(known.recent[client.pk])
    if item.recent_case_window is not None and isinstance(client, NewClient):
        return batch.opened_for.get(id(client))
    return None


def _is_party(case, client, known) -> bool:
    if client is None:
        return False
    if isinstance(case, NewCase):
        return case.client is client or (
            isinstance(client, Client) and isinstance(case.client, Client)
            and case.client.pk == client.pk)
    return isinstance(client, Client) and (case.pk, client.pk) in known.parties


def _continue(inbound, item, case, client, details, known, batch, ctx) -> Decision:
    if not _is_party(case, client, known):
        # Privacy: whoever knows a case number must not be able to write into it.
        return Decision(inbound, item, "review", client=client, review_case=case,
                        details=details, reason=not_a_party_reason(item.sender, case))
    if isinstance(case, Case) and case.status == Status.CLOSED:
        return _open(inbound, item, client, details, ctx, follows=case)
    return Decision(inbound, item, "appended", client=client, case=case, details=details,
                    reason=possible_copy_reason(details["possible_copy_of"])
                    if "possible_copy_of" in details else "")


def _open(inbound, item, client, details, ctx, *, follows=None) -> Decision:
    """Rule 8: a new case, routed; acknowledged where the sender can be answered."""
    known_client = client if isinstance(client, Client) else None
    route = ctx.rules.route(sender_domain=item.sender.domain,
                            text=f"{item.subject}\n{item.text}",
                            endpoint=ctx.endpoint(inbound.endpoint_id), client=known_client,
                            channel=inbound.channel, location=item.location,
                            # A sender registered now is registered as a person.
                            client_kind=known_client.kind if known_client else "person")
    new = NewCase(client=client, route=route, follows=follows)
    return Decision(inbound, item, "created", client=client, case=new, opens=new,
                    details=details,
                    acknowledge=item.sender.known and item.sender.answerable
                    and ctx.answers(inbound.channel),
                    after_hours=not ctx.is_open(item.sent_at or inbound.received_at))


# --- staff decisions on messages set aside -------------------------------------------------


def attach_by_staff(inbound, item: Item, known, ctx, *, case: Case, user: str) -> Decision:
    """Staff confirmed the sender may write to `case`: they become a party of it and the
    message goes on its timeline (or opens a new case linked to it, if it is closed)."""
    if not item.sender.known:
        raise ValidationError(_("This message has no sender who could become a party of "
                                "the case."))
    client = known.client(item.sender) or (NewClient(item.sender, item.language)
                                          if item.sender.known else None)
    reason = Deferred(gettext_noop("Attached by %(user)s."), {"user": user})
    if case.status == Status.CLOSED:
        decision = _open(inbound, item, client, _details(item), ctx, follows=case)
    else:
        decision = Decision(inbound, item, "appended", client=client, case=case,
                            details=_details(item))
    decision.reason, decision.make_party = reason, True
    return decision


def open_by_staff(inbound, item: Item, known, ctx, *, user: str) -> Decision:
    """Staff decided the message is a new matter."""
    client = known.client(item.sender) or (NewClient(item.sender, item.language)
                                          if item.sender.known else None)
    decision = _open(inbound, item, client, _details(item), ctx)
    decision.reason = Deferred(gettext_noop("New case opened by %(user)s."), {"user": user})
    if item.automatic or item.report is not None:
        # A message intake took for an automatic one: its sender may be a machine that
        # answers every message, so no acknowledgement; staff reply from the case.
        decision.acknowledge = False
    return decision


# --- reasons --------------------------------------------------------------------------------


def missing_sender_reason() -> Deferred:
    return Deferred(gettext_noop(
        "The sender's address is missing or not valid, so nobody can be answered; open a "
        "case by hand if needed."))


def not_a_party_reason(sender: Sender, case) -> Deferred:
    number = case.registry_number if isinstance(case, Case) else ""
    return Deferred(gettext_noop(
        "%(sender)s is not a party of case %(number)s; a staff member must decide whether "
        "the message belongs to it."),
        {"sender": sender.value or sender.shown or Deferred(gettext_noop("An unknown sender")),
         "number": number})


def not_the_body_reason(sender: Sender, request: RequestRef) -> Deferred:
    return Deferred(gettext_noop(
        "%(sender)s replied to request %(reference)s to %(department)s but is not its "
        "address; a staff member must decide whether it is the response."),
        {"sender": sender.value or sender.shown or Deferred(gettext_noop("An unknown sender")),
         "reference": request.reference, "department": request.department})


def possible_copy_reason(inbound_id: int) -> Deferred:
    return Deferred(gettext_noop(
        "Possibly a copy of message %(id)s: it has the same Message-ID but a different "
        "text."), {"id": inbound_id})
