"""A member's inbox: queues with counts, sorting and paging; HTMX refreshes only the list."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from salter.paging import BadCursor, keyset_page
from salter.requests.access import asked_of_department
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace import inbox as queues
from salter.workspace.filters import CaseFilterForm, filter_cases
from salter.workspace.forms import BulkAssignForm

PAGE_SIZE = 25
ASKED_SHOWN = 20


def _chosen_queue(request, membership, counts: dict[str, int]) -> queues.Queue:
    available = queues.queues_for(membership)
    # Without a choice, open the first queue that has work in it: a clerk with nothing
    # assigned lands on the unassigned cases rather than on an empty list.
    key = request.GET.get("queue") or next(
        (q.key for q in available if counts.get(q.key)), queues.MINE.key)
    for queue in available:
        if queue.key == key:
            return queue
    if key == queues.ALL.key:
        # The municipality is theirs; only this view of it is not: 403, not 404.
        raise PermissionDenied
    return available[0]


@municipality_view
def inbox(request, membership):
    counts = queues.queue_counts(membership)
    queue = _chosen_queue(request, membership, counts)
    sort = request.GET.get("sort") if request.GET.get("sort") in queues.SORTS else (
        queues.DEFAULT_SORT)
    filters = CaseFilterForm(request.GET, actor=membership)
    cases = (filter_cases(queues.queue_cases(membership, queue.key), filters.criteria())
             .select_related("department", "assignee", "case_type"))
    keys = queues.sort_keys(sort)
    try:
        page = keyset_page(cases, keys, request.GET.get("cursor"), PAGE_SIZE)
    except BadCursor:  # an old or mangled link: start at the top
        page = keyset_page(cases, keys, None, PAGE_SIZE)
    context = {
        "filters": filters,
        "bulk": BulkAssignForm(actor=membership) if membership.can(Perm.ASSIGN_CASE) else None,
        "asked_of_us": list(asked_of_department(membership)[:ASKED_SHOWN]),
        "queue": queue,
        "queues": [(q, counts[q.key]) for q in queues.queues_for(membership)],
        "sort": sort,
        "sorts": [(key, label) for key, (label, _order) in queues.SORTS.items()],
        "page": page,
    }
    template = "workspace/inbox/_results.html" if request.htmx else "workspace/inbox.html"
    return render(request, template, context)
