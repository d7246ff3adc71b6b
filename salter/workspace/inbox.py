"""The queues of a staff member's inbox and how they are sorted.

Every queue is a filter over `Case.objects.visible_to(membership)`, so a queue can never
show more than the member may open. Each sort is a keyset order (`salter.paging`) that
one of the composite indexes of `Case` has column for column, so that any page of any
queue is an index scan from its cursor, without a sort (decision 17). Counts stop at
COUNT_LIMIT: "1000+" tells a clerk as much as 48,213 does, and costs a bounded scan.
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Case
from salter.paging import Key
from salter.tenancy.roles import Perm


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


MINE = Queue("mine", _("Mine"))
DEPARTMENT = Queue("department", _("My department"))
UNASSIGNED = Queue("unassigned", _("Unassigned"))
OVERDUE = Queue("overdue", _("Overdue"))
ALL = Queue("all", _("All cases"))

_DUE = Key("due_sort", moment=True)
_PRIORITY = Key("priority", descending=True)
_CREATED = Key("created_at", moment=True)
SORTS = {
    # Undated cases (waiting on the citizen) last: `due_sort` puts them there.
    "due": (_("Due"), (_DUE, _PRIORITY, _CREATED, Key("id"))),
    "priority": (_("Priority"), (_PRIORITY, _DUE, _CREATED, Key("id"))),
    "created": (_("Newest"), (Key("created_at", descending=True, moment=True),
                              Key("id", descending=True))),
}
DEFAULT_SORT = "due"
COUNT_LIMIT = 1000


class Count(int):
    """A queue's size, exact up to COUNT_LIMIT; shown as "1000+" beyond."""

    more: bool

    def __new__(cls, value: int, more: bool = False):
        count = super().__new__(cls, value)
        count.more = more
        return count

    def __str__(self) -> str:
        return f"{int(self)}+" if self.more else str(int(self))


def queues_for(membership) -> list[Queue]:
    """The queues this member has, in the order they are shown."""
    queues = [MINE]
    if membership.department_id:
        queues.append(DEPARTMENT)
    queues += [UNASSIGNED, OVERDUE]
    if membership.can(Perm.VIEW_ALL_CASES):
        queues.append(ALL)
    return queues


def queue_cases(membership, key: str, now=None) -> QuerySet:
    visible = Case.objects.visible_to(membership)
    if key == ALL.key:
        return visible
    open_cases = visible.open()
    if key == MINE.key:
        return open_cases.filter(assignee=membership.user)
    if key == DEPARTMENT.key:
        return open_cases.filter(department_id=membership.department_id)
    if key == UNASSIGNED.key:
        return open_cases.filter(assignee__isnull=True)
    if key == OVERDUE.key:
        return open_cases.filter(due_sort__lt=now or timezone.now())
    raise ValueError(key)


def bounded_count(cases: QuerySet) -> Count:
    n = cases.order_by()[:COUNT_LIMIT + 1].count()
    return Count(min(n, COUNT_LIMIT), n > COUNT_LIMIT)


def queue_counts(membership) -> dict[str, Count]:
    now = timezone.now()
    return {q.key: bounded_count(queue_cases(membership, q.key, now))
            for q in queues_for(membership)}


def sort_keys(sort: str) -> tuple[Key, ...]:
    _label, keys = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return keys
