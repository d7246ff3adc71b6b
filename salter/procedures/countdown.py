"""How much time a deadline has left, said the same way everywhere: the inbox, the case
page, the requests to departments, reminders and digests (`{% time_left %}` in the staff
templates is this).

Time left is wall-clock time to the deadline, rounded down to whole days, hours or
minutes ("3 days left", "overdue by 5 hours"), so that it reads the same to everyone;
the deadline itself was set by the business calendar. A paused deadline (the case waits
on the client) has no time running, and a met one says whether it was met in time.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext, ngettext

RUNNING, DUE_SOON, OVERDUE, PAUSED, MET, LATE, STOPPED, NONE = (
    "running", "due-soon", "overdue", "paused", "met", "late", "stopped", "none")
# Less than this left is shown as urgent.
SOON = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class TimeLeft:
    due: datetime.datetime | None
    state: str
    text: str

    @property
    def is_overdue(self) -> bool:
        return self.state == OVERDUE


def span(delta: datetime.timedelta) -> str:
    """A duration in whole days, else hours, else minutes, in the active language."""
    seconds = max(int(delta.total_seconds()), 0)
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days >= 1:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours >= 1:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", max(minutes, 1)) % {"n": max(minutes, 1)}


def time_left(due, *, now=None, paused: bool = False, met_at=None,
              stopped: bool = False) -> TimeLeft:
    now = now or timezone.now()
    if stopped:
        return TimeLeft(due, STOPPED, gettext("no longer running"))
    if met_at is not None:
        if due is not None and met_at > due:
            return TimeLeft(due, LATE, gettext("met %(time)s late") % {"time": span(met_at - due)})
        return TimeLeft(due, MET, gettext("met in time"))
    if paused:
        return TimeLeft(None, PAUSED, gettext("paused while waiting on the client"))
    if due is None:
        return TimeLeft(None, NONE, gettext("no deadline"))
    if due <= now:
        return TimeLeft(due, OVERDUE, gettext("overdue by %(time)s") % {"time": span(now - due)})
    state = DUE_SOON if due - now < SOON else RUNNING
    return TimeLeft(due, state, gettext("%(time)s left") % {"time": span(due - now)})


def of_case(case, now=None) -> TimeLeft:
    """A case's resolution deadline: `Case.due_at`, paused while it waits on the client,
    not running once resolved or closed."""
    from salter.cases.workflow import Status

    if not case.is_open:
        if case.resolved_at is not None:
            return time_left(case.due_at, now=now, met_at=case.resolved_at)
        return time_left(case.due_at, now=now, stopped=True)
    return time_left(case.due_at, now=now,
                     paused=case.status == Status.WAITING_CITIZEN and case.due_at is None)


def of_deadline(deadline, now=None) -> TimeLeft:
    state = deadline.State
    return time_left(deadline.due_at, now=now, paused=deadline.state == state.PAUSED,
                     met_at=deadline.met_at if deadline.state == state.MET else None,
                     stopped=deadline.state == state.STOPPED)
