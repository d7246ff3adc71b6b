"""The queues of a staff member's inbox and how they are sorted.

Every queue is a filter over `Case.objects.visible_to(membership)`, so a queue can never
show more than the member may open.
"""

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Case
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

SORTS = {
    "due": (_("Due"), (F("due_at").asc(nulls_last=True), "-priority", "created_at")),
    "priority": (_("Priority"), ("-priority", F("due_at").asc(nulls_last=True), "created_at")),
    "created": (_("Newest"), ("-created_at",)),
}
DEFAULT_SORT = "due"


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
        return open_cases.filter(due_at__lt=now or timezone.now())
    raise ValueError(key)


def queue_counts(membership) -> dict[str, int]:
    now = timezone.now()
    return {q.key: queue_cases(membership, q.key, now).count() for q in queues_for(membership)}


def sorted_cases(cases: QuerySet, sort: str) -> QuerySet:
    _label, order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    return cases.order_by(*order)
