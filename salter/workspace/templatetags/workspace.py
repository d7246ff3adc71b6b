"""Small display helpers for the staff templates."""

import phonenumbers
from django import template

from salter.cases.models import Priority
from salter.cases.workflow import Status
from salter.clients.contact import format_phone
from salter.clients.models import ContactPoint
from salter.procedures import countdown

register = template.Library()

_STATUS_BADGE = {
    Status.NEW: "text-bg-primary",
    Status.ASSIGNED: "text-bg-info",
    Status.IN_PROGRESS: "text-bg-warning",
    Status.WAITING_CITIZEN: "text-bg-light border",
    Status.WAITING_DEPARTMENT: "text-bg-light border",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-secondary",
}
_PRIORITY_BADGE = {
    Priority.LOW: "text-bg-light border",
    Priority.NORMAL: "text-bg-light border",
    Priority.HIGH: "text-bg-warning",
    Priority.URGENT: "text-bg-danger",
}


@register.filter
def status_badge(status: str) -> str:
    return _STATUS_BADGE.get(status, "text-bg-secondary")


@register.filter
def priority_badge(priority: int) -> str:
    return _PRIORITY_BADGE.get(priority, "text-bg-light border")


@register.filter
def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.filter
def contact_display(point: ContactPoint) -> str:
    """Telephone numbers as Serbian staff write them; other values as stored."""
    if point.kind == ContactPoint.Kind.PHONE:
        try:
            return format_phone(point.value)
        except phonenumbers.NumberParseException:
            return point.value
    return point.value


@register.filter
def can(membership, perm: str) -> bool:
    """`{% if membership|can:"merge_cases" %}`: show only what the member may do."""
    return membership is not None and membership.can(perm)


# Long texts: the beginning shown, the rest behind "show all" (a closed <details> is not
# laid out by the browser). A pasted 100,000-character line or a mail of ten thousand
# lines would otherwise be laid out whole on every visit of the case page.
LONG_TEXT_CHARS = 2_000
LONG_TEXT_LINES = 30


def split_long_text(text: str) -> tuple[str, str]:
    """The part of `text` shown at once and the rest, which is empty for a short text."""
    text = text or ""
    lines = text.split("\n", LONG_TEXT_LINES)
    end = min(len(text), LONG_TEXT_CHARS)
    if len(lines) > LONG_TEXT_LINES:
        end = min(end, len(text) - len(lines[-1]) - 1)
    if end >= len(text):
        return text, ""
    # End the beginning between words where there is a space near the cut.
    space = text.rfind(" ", end - 200, end)
    if space > 0:
        end = space
    return text[:end], text[end:]


@register.inclusion_tag("workspace/_long_text.html")
def long_text(text):
    start, rest = split_long_text(text)
    return {"start": start, "rest": rest, "length": len(text or "")}


@register.inclusion_tag("workspace/_time_left.html")
def time_left(subject, show_date: bool = True):
    """`{% time_left case %}`, `{% time_left deadline %}`, `{% time_left request %}`: the
    due date and the time left or overdue, the same way on every page
    (`procedures.countdown`)."""
    from salter.procedures.models import Deadline
    from salter.requests.models import DepartmentRequest

    if isinstance(subject, DepartmentRequest):
        left = countdown.of_deadline(subject.deadline)
        if subject.state == DepartmentRequest.State.WITHDRAWN:
            left = countdown.time_left(subject.deadline.due_at, stopped=True)
    elif isinstance(subject, Deadline):
        left = countdown.of_deadline(subject)
    else:
        left = countdown.of_case(subject)
    return {"left": left, "show_date": show_date,
            "badge": _TIME_LEFT_BADGE.get(left.state, "text-bg-light border")}


_TIME_LEFT_BADGE = {
    countdown.OVERDUE: "text-bg-danger",
    countdown.DUE_SOON: "text-bg-warning",
    countdown.RUNNING: "text-bg-light border",
    countdown.PAUSED: "text-bg-info",
    countdown.MET: "text-bg-success",
    countdown.LATE: "text-bg-warning",
    countdown.STOPPED: "text-bg-secondary",
}
