"""Writing timeline entries. Called by actions only, inside their transaction."""

from salter.cases.models import CaseEvent


def record_event(case, actor, kind: str, *, text: str = "", before=None, after=None,
                 ref=None) -> CaseEvent:
    return CaseEvent.objects.create(
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
