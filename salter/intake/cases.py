"""Opening and continuing cases from intake: the two calls every channel makes.

Cases are opened only through `cases.actions.create_case` and messages appended only
through `cases.actions.append_message_to_case`; what is intake's own is the choice of
subject, the link to a closed case a client writes to again, and the actor.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from salter.cases.actions import append_message_to_case, create_case, link_cases
from salter.cases.models import Case
from salter.cases.workflow import Status
from salter.tenancy.actors import SystemActor

_SUBJECT_FROM_TEXT = 80


def intake_actor(municipality, channel: str) -> SystemActor:
    return SystemActor(municipality=municipality, label=f"intake:{channel}")


def subject_for(subject: str, text: str) -> str:
    """The message's subject, else its first line, else a neutral title."""
    subject = " ".join((subject or "").split())
    if subject:
        return subject
    first_line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    if first_line:
        return first_line[:_SUBJECT_FROM_TEXT]
    return _("Message without a subject")


@transaction.atomic
def create_case_from_intake(*, channel: str, municipality, client, subject: str, text: str,
                            inbound=None, files=(), route=None, language: str | None = None,
                            received_at=None, actor=None) -> Case:
    """Open a case for a new matter and put the message that brought it on the timeline."""
    actor = actor or intake_actor(municipality, channel)
    case = create_case(
        actor=actor, subject=subject_for(subject, text), channel=channel, description=text,
        clients=[client] if client is not None else [],
        case_type=route.case_type if route else None,
        department=route.department if route else None,
        priority=route.priority if route else None,
        language=language or None, received_at=received_at,
    )
    if inbound is not None:
        append_message_to_case(actor=actor, case=case, inbound=inbound, files=files)
    return case


@transaction.atomic
def append_to_case(*, channel: str, case: Case, inbound, files=(), actor=None,
                   open_case=None) -> tuple[Case, bool]:
    """Add the message to `case`, or, when that case is closed, open a new case linked to
    it with `open_case()`. Returns (the case the message is on, whether it is new)."""
    actor = actor or intake_actor(case.municipality, channel)
    if case.status == Status.CLOSED:
        new_case = open_case()
        link_cases(actor=actor, case=new_case, other=case)
        return new_case, True
    append_message_to_case(actor=actor, case=case, inbound=inbound, files=files)
    return case, False
