from django.shortcuts import render

from salter.search import (
    newest_documents,
    newest_messages,
    search_case_ranks,
    search_clients,
)
from salter.tenancy.access import municipality_view
from salter.workspace.filters import OF_CASE, CaseFilterForm
from salter.workspace.forms import SearchForm

RESULT_LIMIT = 50
OTHER_LIMIT = 20  # messages and documents: the cases above are the way in


@municipality_view
def search(request, membership):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    error = " ".join(form.errors.get("q", []))
    # The filters keep the cases that match them, and the messages, documents and
    # clients of those cases.
    filters = CaseFilterForm(request.GET, actor=membership)
    cases = search_case_ranks(membership, text).narrow(
        lambda rows: filters.narrow(rows).select_related("department", "assignee")
    ).first(RESULT_LIMIT)
    clients = filters.narrow_to_parties(search_clients(membership, text)).order_by(
        "-rank", "last_name", "first_name", "business_name", "pk")[:RESULT_LIMIT]
    messages = newest_messages(membership, text, OTHER_LIMIT, lambda rows: filters.narrow(
        rows, OF_CASE).select_related("case"))
    documents = newest_documents(membership, text, OTHER_LIMIT, lambda rows: filters.narrow(
        rows, OF_CASE).select_related("case").defer("case__description", "text"))
    template = "workspace/search/_results.html" if request.htmx else "workspace/search.html"
    return render(request, template, {
        "form": form, "q": text, "cases": cases, "clients": list(clients),
        "messages_found": messages, "documents_found": documents,
        "limit": RESULT_LIMIT, "error": error, "typed": request.GET.get("q", ""),
        "filters": filters,
    })
