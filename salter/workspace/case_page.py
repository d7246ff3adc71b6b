"""What the case page shows, read in a number of statements that does not grow with what
the case holds: the case with its department, assignee and procedure in one statement;
its parties, messages in, messages out, events and documents in one each, its deadlines
with its requests in one; every case it names (parent, children, links, merges, the
timeline's earlier parents) in one; each list its forms choose from once for all of
them. A panel that read its rows one at a time, or a list read twice, shows in
`tests/scale/test_query_counts.py`."""

from django.db.models import CharField, Prefetch, Q, Value

from salter.cases.models import Case, CaseEvent, CaseLink, CaseParty, CaseTransfer
from salter.channels.models import InboundMessage, OutboundMessage
from salter.procedures.models import Deadline
from salter.requests.models import DepartmentRequest

# Joined to the case in the statement that finds it (`access_case(joined=…)`).
JOINED = ("department", "assignee", "case_type")


def read_with(membership) -> tuple[Prefetch, ...]:
    """Read beside the case, one statement each: the parties (the header, the parties
    panel, the SMS panel and the access log's subjects) and the messages in and out (the
    messages panel, both reply panels, the timeline's delivery states)."""
    mine = membership.municipality
    return (
        Prefetch("parties", queryset=CaseParty.objects.select_related("client")
                 .order_by("client__last_name")),
        Prefetch("inbound_messages", queryset=InboundMessage.objects.filter(municipality=mine)),
        Prefetch("outbound_messages",
                 queryset=OutboundMessage.objects.filter(municipality=mine)),
    )


RELATIONS = ("parent", "merged_into", "child", "linked", "merged", "named")


def related_rows(membership, case: Case, *, named=()):
    """The cases the page names beside `case`, each with its `relation` (`RELATIONS`):
    one statement, a UNION ALL of look-ups by key (the parent and merge keys' own
    indexes, the links by theirs), each within what the member may see. "named": cases
    of the municipality the timeline names by id (earlier parents), for their registry
    numbers only."""
    visible = Case.objects.visible_to(membership)
    parts = [
        ("child", visible.filter(parent=case)),
        # The links by their case keys' indexes, then the cases by theirs: a join of the
        # cases with the links walked the municipality's cases.
        ("linked", visible.filter(
            Q(pk__in=CaseLink.objects.filter(from_case=case).values("to_case_id"))
            | Q(pk__in=CaseLink.objects.filter(to_case=case).values("from_case_id")))),
        ("merged", visible.filter(merged_into=case)),
    ]
    if case.parent_id:
        parts.append(("parent", visible.filter(pk=case.parent_id)))
    if case.merged_into_id:
        parts.append(("merged_into", visible.filter(pk=case.merged_into_id)))
    if named:
        parts.append(("named", Case.objects.filter(municipality=membership.municipality,
                                                   pk__in=sorted(named))))
    first, *others = [rows.order_by().annotate(relation=Value(name, output_field=CharField()))
                      for name, rows in parts]
    return first.union(*others, all=True)


def related_cases(membership, case: Case, *, named=()) -> dict[str, list[Case]]:
    """`related_rows` by relation, each list in the order the cases were opened."""
    found: dict[str, list[Case]] = {name: [] for name in RELATIONS}
    for row in related_rows(membership, case, named=named):
        found[row.relation].append(row)
    for rows in found.values():
        rows.sort(key=lambda row: row.pk)
    return found


def transfers(membership, case: Case, events) -> list[CaseTransfer]:
    """The case's transfers, each read from this municipality's side only. A transfer is
    made only by `transfer_case`, which names it on the timeline of both cases in its
    transaction: a case without such an entry has none, and no statement asks."""
    ids = {(event.ref or {}).get("transfer") for event in events
           if event.kind == CaseEvent.Kind.TRANSFERRED}
    ids.discard(None)
    if not ids:
        return []
    mine = membership.municipality
    return list(CaseTransfer.objects.filter(pk__in=sorted(ids)).filter(
        Q(from_municipality=mine, from_case=case) | Q(to_municipality=mine, to_case=case))
        .select_related("from_municipality", "to_municipality"))


def deadlines_and_requests(membership, case: Case) -> tuple[list, list]:
    """The case's own deadlines (by kind) and its requests to departments (in the order
    they were asked), in one statement: each request has its deadline among the case's
    (`DepartmentRequest.deadline`, one to one), so the deadlines bring them along."""
    rows = list(Deadline.objects.filter(municipality=membership.municipality, case=case)
                .select_related("request__department", "request__asked_by",
                                "request__answered_by").order_by("kind", "id"))
    deadlines = [d for d in rows if d.kind != Deadline.Kind.REQUEST]
    requests = [r for r in map(_request_of, rows) if r is not None]
    requests.sort(key=lambda r: (r.asked_at, r.pk))
    return deadlines, requests


def _request_of(deadline):
    if deadline.kind != Deadline.Kind.REQUEST:
        return None
    try:
        return deadline.request
    except DepartmentRequest.DoesNotExist:
        return None


def correspondence(received, sent) -> list[dict]:
    """Messages received and sent on the case, newest first."""
    items = [{"at": m.received_at, "inbound": True, "message": m} for m in received]
    items += [{"at": m.created_at, "inbound": False, "message": m} for m in sent]
    return sorted(items, key=lambda item: item["at"], reverse=True)


def known_names(choices, related) -> dict:
    """Names the timeline can take from what the page reads anyway (`_Names`)."""
    return {
        "department": lambda: {d.pk: d.name for d in choices.departments},
        "assignee": lambda: {u.pk: u.get_full_name() or u.get_username()
                             for u in choices.members},
        "case_type": lambda: {t.pk: t.display_name for t in choices.case_types},
        "parent": lambda: {c.pk: c.registry_number for rows in related.values()
                           for c in rows},
    }
