"""Case statuses and the transitions allowed between them.

new → assigned → in progress → waiting (on citizen / on department) → resolved → closed,
with reopen from resolved or closed. `change_case_status` is the only way through.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting on citizen")
    WAITING_DEPARTMENT = "waiting_department", _("Waiting on department")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = frozenset({
    Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CITIZEN,
    Status.WAITING_DEPARTMENT,
})
# Where a case's work ends: not while a request to a department is still open.
END_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
_WORKING = {Status.IN_PROGRESS, Status.WAITING_CITIZEN, Status.WAITING_DEPARTMENT}

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.ASSIGNED: frozenset(_WORKING | {Status.NEW, Status.RESOLVED}),
    Status.IN_PROGRESS: frozenset(_WORKING - {Status.IN_PROGRESS} | {Status.RESOLVED}),
    Status.WAITING_CITIZEN: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.WAITING_DEPARTMENT: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),  # in progress = reopen
    Status.CLOSED: frozenset({Status.IN_PROGRESS}),  # reopen
}


def allowed_transitions(current: str) -> list[str]:
    """Targets reachable from `current`, in workflow order (for buttons)."""
    return [s for s in Status.values if s in TRANSITIONS.get(current, ())]


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, ())


def is_reopen(current: str, target: str) -> bool:
    return current in (Status.RESOLVED, Status.CLOSED) and target in OPEN_STATUSES
