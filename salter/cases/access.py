"""Looking up one case for an actor: missing, another municipality's, or not visible to
this actor all raise the same Http404."""

from django.http import Http404

from salter.cases.models import Case


def access_case(actor, case_id, *, for_update: bool = False) -> Case:
    qs = Case.objects.visible_to(actor)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_case_by_number(actor, registry_number: str) -> Case:
    try:
        return Case.objects.visible_to(actor).get(registry_number=registry_number)
    except Case.DoesNotExist:
        raise Http404 from None
