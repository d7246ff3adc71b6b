"""Looking up one request for an actor: staff who may see its case, or a member of the
asked department (who sees the request, not the whole case). Missing, another
municipality's or neither: the same Http404."""

from django.db.models import Q
from django.http import Http404

from salter.cases.models import case_visibility
from salter.requests.models import DepartmentRequest
from salter.tenancy.roles import Perm


def requests_visible_to(actor):
    requests = DepartmentRequest.objects.filter(municipality=actor.municipality)
    if not actor.can(Perm.VIEW_ALL_CASES):
        # The case reached by its key (decision 17), or the request to one's department.
        scope = case_visibility(actor, "case")
        department = getattr(actor, "department_id", None)
        if department is not None:
            scope |= Q(department_id=department)
        requests = requests.filter(scope)
    return requests.select_related("department", "deadline", "case", "asked_by",
                                   "answered_by")


def access_request(actor, request_id) -> DepartmentRequest:
    try:
        return requests_visible_to(actor).get(pk=int(request_id))
    except (DepartmentRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def asked_of_department(actor):
    """The open requests to the actor's own department, oldest deadline first."""
    department = getattr(actor, "department_id", None)
    if department is None:
        return DepartmentRequest.objects.none()
    return (DepartmentRequest.objects.filter(municipality=actor.municipality,
                                             department_id=department,
                                             state=DepartmentRequest.State.OPEN)
            .select_related("department", "deadline", "case")
            .order_by("deadline__due_at", "pk"))
