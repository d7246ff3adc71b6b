"""Writing timeline entries. Called by actions only, inside their transaction; a change
made by a person is also recorded in the access log, in the same transaction."""

from salter.audit import log, subjects
from salter.cases.models import CaseEvent


def record_event(case, actor, kind: str, *, text: str = "", before=None, after=None,
                 ref=None) -> CaseEvent:
    event = CaseEvent.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        actor=actor.user,
        actor_label="" if actor.user else str(actor),
        text=text,
        before=before,
        after=after,
        ref=ref,
    )
    if actor.user is not None:
        log.record_change(actor, log.Target.CASE, case.pk, municipality_id=case.municipality_id,
                          subjects=subjects.of_case(case), detail=kind)
    return event
