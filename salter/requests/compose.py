"""The citizen's final answer composed from the responses of the bodies asked: a draft
in the case's language that staff edit before it is sent (`reply_to_client`)."""

from django.template.loader import render_to_string
from django.utils import translation

from salter.requests.models import DepartmentRequest


def answered_requests(case):
    return (DepartmentRequest.objects.filter(municipality_id=case.municipality_id, case=case,
                                             state=DepartmentRequest.State.ANSWERED)
            .select_related("department").order_by("answered_at", "pk"))


def compose_answer(case) -> str:
    """The draft answer, or "" when no body has answered yet."""
    from salter.intake.acknowledgements import signature

    answers = list(answered_requests(case))
    if not answers:
        return ""
    with translation.override(case.language):
        return render_to_string("requests/compose/answer.txt", {
            "case": case, "answers": answers,
            "signature": signature(case.municipality, case.language),
        }).strip()
