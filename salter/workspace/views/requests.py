"""The page of a request to a department, where a member of the asked department reads
the question and answers it (they need not see the whole case)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from salter.requests.access import access_request
from salter.requests.actions import answer_request, may_answer_in_workspace
from salter.requests.forms import AnswerForm
from salter.tenancy.access import municipality_view


@municipality_view
def request_page(request, membership, request_id):
    asked = access_request(membership, request_id)
    if request.method == "POST" and not may_answer_in_workspace(membership, asked):
        raise PermissionDenied  # staff of the case record an answer on the case page
    form = AnswerForm(request.POST or None) if asked.is_open else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            answer_request(actor=membership, request=asked, text=form.cleaned_data["answer"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your response is recorded on the case."))
            return redirect("workspace:request", municipality=membership.municipality.slug,
                            request_id=asked.pk)
    return render(request, "workspace/request.html", {
        "asked": asked, "form": form if may_answer_in_workspace(membership, asked) else None,
    }, status=400 if form is not None and form.errors else 200)
