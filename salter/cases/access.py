"""Looking up one case for an actor: missing, another municipality's, or not visible to
this actor all raise the same Http404. A case found is recorded in the access log as
viewed by the actor, with its clients as the data subjects (`salter.audit.log`)."""

from django.http import Http404

from salter.audit import log, subjects
from salter.cases.models import Case


def _viewed(actor, case: Case) -> Case:
    log.record(actor, log.Action.VIEW, log.Target.CASE, case.pk,
               municipality_id=case.municipality_id, subjects=subjects.of_case(case))
    return case


def access_case(actor, case_id, *, for_update: bool = False, joined=(), read_with=()) -> Case:
    """`joined`: relations read in the same statement (`select_related`); `read_with`:
    related rows read beside it (`prefetch_related`) — a page shows them with the case.
    A case read with its "parties" names its subjects from them."""
    qs = Case.objects.visible_to(actor).select_related(*joined).prefetch_related(*read_with)
    if for_update:
        qs = qs.select_for_update()
    try:
        case = qs.get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return _viewed(actor, case)


def access_case_by_number(actor, registry_number: str) -> Case:
    try:
        case = Case.objects.visible_to(actor).get(registry_number=registry_number)
    except Case.DoesNotExist:
        raise Http404 from None
    return _viewed(actor, case)
