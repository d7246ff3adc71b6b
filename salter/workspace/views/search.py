from django.shortcuts import render

from salter.search import search_cases, search_clients
from salter.tenancy.access import municipality_view
from salter.workspace.forms import SearchForm

RESULT_LIMIT = 50


@municipality_view
def search(request, membership):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    error = " ".join(form.errors.get("q", []))
    cases = (search_cases(membership, text)
             .select_related("department", "assignee")
             .order_by("-created_at")[:RESULT_LIMIT])
    clients = search_clients(membership, text)[:RESULT_LIMIT]
    template = "workspace/search/_results.html" if request.htmx else "workspace/search.html"
    return render(request, template, {
        "form": form, "q": text, "cases": list(cases), "clients": list(clients),
        "limit": RESULT_LIMIT, "error": error, "typed": request.GET.get("q", ""),
    })
