"""Clients: the list, one client's page with their whole history, and the changes staff
make to a client. Every look-up goes through `access_client` / `clients_visible_to`."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salter.audit.reading import accesses_of_client
from salter.cases.models import Case, case_visibility
from salter.channels.models import OutboundMessage
from salter.clients import actions as client_actions
from salter.clients.access import access_client
from salter.clients.matching import suggest_duplicates
from salter.clients.models import Client, ContactPoint
from salter.documents.access import documents_visible_to
from salter.intake.access import inbound_visible_to
from salter.paging import BadCursor, Key, keyset_page
from salter.search import check_query, list_clients, search_clients
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace import forms
from salter.workspace.filters import ClientFilterForm

PAGE_SIZE = 25
# The list's order by name, paged by keyset (`salter.paging`) as the index
# `client_by_name` of the current clients holds it: a page deep in the municipality's
# tens of thousands of clients costs what the first does, and no page counts them all.
BY_NAME = (Key("last_name"), Key("first_name"), Key("business_name"), Key("id"))
PICK_LIMIT = 10
HISTORY_LIMIT = 150
# Inputs the pick list may fill: the new-case form and the case page's "link client".
PICK_FIELDS = {"client", "party-client"}


@municipality_view
def client_list(request, membership):
    form = forms.SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    error = " ".join(form.errors.get("q", []))
    filters = ClientFilterForm(request.GET, actor=membership)
    clients = filters.narrow(search_clients(membership, text) if text or error
                             else list_clients(membership))
    try:
        page = keyset_page(clients, BY_NAME, request.GET.get("cursor"), PAGE_SIZE)
    except BadCursor:  # an old or mangled link: start at the top
        page = keyset_page(clients, BY_NAME, None, PAGE_SIZE)
    template = "workspace/clients/_list.html" if request.htmx else "workspace/clients/list.html"
    return render(request, template, {"form": form, "page": page, "q": text, "error": error,
                                      "typed": request.GET.get("q", ""), "filters": filters})


@municipality_view
def pick_client(request, membership):
    """Matches for the client search of a form, as radio buttons named `field`."""
    text = request.GET.get("client_query") or request.GET.get("party-client_query") or ""
    field = request.GET.get("field") if request.GET.get("field") in PICK_FIELDS else "client"
    matches, error = pick_matches(membership, text)
    return render(request, "workspace/clients/_pick.html",
                  {"matches": matches, "field": field, "q": text, "error": error})


def pick_matches(membership, text: str) -> tuple[list, str]:
    """The clients a form's client search finds, or why the search was refused."""
    try:
        check_query(text)
    except ValidationError as exc:
        return [], " ".join(exc.messages)
    return (list(search_clients(membership, text)[:PICK_LIMIT]) if text.strip() else []), ""


@dataclass
class HistoryItem:
    at: datetime
    kind: str  # "case", "inbound", "outbound", "document"
    item: object


def client_history(membership, client) -> list[HistoryItem]:
    """Cases, messages and documents of the client, newest first, at most HISTORY_LIMIT
    of them (a utility company writes thousands); items tied to a case the member may not
    open are left out, like the case itself. Each kind is read newest first through the
    municipality-and-client index, visibility checked on the case each row points at."""
    limit = HISTORY_LIMIT + 1
    seen_case = Q(case__isnull=True) | (Q(case__isnull=False)
                                        & case_visibility(membership, "case"))
    if not case_visibility(membership):
        seen_case = Q()
    scope = {"municipality": membership.municipality, "client": client}
    items = [HistoryItem(c.created_at, "case", c) for c in
             Case.objects.visible_to(membership).filter(parties__client=client)
             .select_related("department").order_by("-created_at")[:limit]]
    items += [HistoryItem(m.received_at, "inbound", m)
              for m in inbound_visible_to(membership).filter(client=client)
              .select_related("case").order_by("-received_at")[:limit]]
    items += [HistoryItem(m.created_at, "outbound", m)
              for m in OutboundMessage.objects.filter(seen_case, **scope)
              .select_related("case").order_by("-created_at")[:limit]]
    items += [HistoryItem(d.created_at, "document", d)
              for d in documents_visible_to(membership).filter(client=client)
              .select_related("case", "blob").defer("blob__data")  # sizes, not contents
              .order_by("-created_at")[:limit]]
    return sorted(items, key=lambda i: i.at, reverse=True)


def corrected_fields(revision) -> list[tuple[str, object, object]]:
    """A revision's changes as (label in the reader's language, before, after)."""
    labels = {f.name: f.verbose_name for f in Client._meta.get_fields()
              if hasattr(f, "verbose_name")}
    labels.update({f"contact:{kind}": label for kind, label in ContactPoint.Kind.choices})
    labels["contact_person"] = _("contact person")
    return [(labels.get(name, name), before, after)
            for name, (before, after) in revision.changes.items()]


def render_client_page(request, membership, client, bound_form=None):
    history = client_history(membership, client)
    client_forms = {
        "contact": forms.ContactPointForm(actor=membership, client=client),
        "person": forms.ContactPersonForm(actor=membership, client=client),
    }
    if bound_form is not None:
        client_forms[bound_form.prefix] = bound_form
    return render(request, "workspace/clients/detail.html", {
        "client": client,
        "merged_into": client.merged_into,
        "contact_points": client.contact_points.order_by("kind", "value"),
        "contact_persons": client.contact_persons.order_by("name"),
        "history": history[:HISTORY_LIMIT],
        "history_cut": len(history) > HISTORY_LIMIT, "history_limit": HISTORY_LIMIT,
        "revisions": [(r, corrected_fields(r)) for r in
                      client.revisions.select_related("actor")[:20]],
        "accesses": accesses_of_client(client),
        "forms": client_forms,
        "can_edit": membership.can(Perm.EDIT_CLIENT),
        "can_merge": membership.can(Perm.MERGE_CLIENTS),
    })


@municipality_view
def client_page(request, membership, client_id):
    client = access_client(membership, client_id)
    return render_client_page(request, membership, client)


def _allowed_client(membership, client_id, perm):
    """The client, 404 if not this municipality's, then 403 if the member may not."""
    client = access_client(membership, client_id)
    if not membership.can(perm):
        raise PermissionDenied
    return client


def _to_client(membership, client):
    return redirect("workspace:client", municipality=membership.municipality.slug,
                    client_id=client.pk)


@municipality_view
def edit_client(request, membership, client_id):
    client = _allowed_client(membership, client_id, Perm.EDIT_CLIENT)
    form = forms.ClientDetailsForm(request.POST or None, actor=membership, client=client)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Client saved."))
        return _to_client(membership, client)
    return render(request, "workspace/clients/edit.html", {"client": client, "form": form})


def client_action(form_class, done_message):
    @require_POST
    @municipality_view
    def view(request, membership, client_id):
        client = _allowed_client(membership, client_id, form_class.required_perm)
        form = form_class(request.POST, actor=membership, client=client)
        if not form.submit():
            return render_client_page(request, membership, client, bound_form=form)
        messages.success(request, done_message)
        return _to_client(membership, client)

    return view


add_contact_point = client_action(forms.ContactPointForm, _("Contact added."))
add_contact_person = client_action(forms.ContactPersonForm, _("Contact person added."))


@require_POST
@municipality_view
def remove_contact_point(request, membership, client_id, point_id):
    client = _allowed_client(membership, client_id, Perm.EDIT_CLIENT)
    point = client.contact_points.filter(pk=point_id).first()
    if point is None:
        raise Http404
    client_actions.remove_contact_point(actor=membership, point=point)
    messages.success(request, _("Contact removed."))
    return _to_client(membership, client)


@municipality_view
def duplicates(request, membership, client_id):
    client = access_client(membership, client_id)
    return render(request, "workspace/clients/duplicates.html", {
        "client": client,
        "suggestions": suggest_duplicates(client) if client.merged_into_id is None else [],
        "can_merge": membership.can(Perm.MERGE_CLIENTS),
        "form": None,
    })


@require_POST
@municipality_view
def merge(request, membership, client_id):
    client = _allowed_client(membership, client_id, Perm.MERGE_CLIENTS)
    form = forms.MergeClientForm(request.POST, actor=membership, client=client)
    if form.submit():
        messages.success(request, _("Clients merged."))
        return _to_client(membership, client)
    return render(request, "workspace/clients/duplicates.html", {
        "client": client, "suggestions": suggest_duplicates(client), "can_merge": True,
        "form": form,
    })
