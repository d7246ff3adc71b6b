"""Opening a case, and the case page."""

from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render

from salter.audit import log
from salter.cases import workflow
from salter.cases.access import access_case
from salter.cases.models import Case
from salter.clients.access import clients_visible_to
from salter.documents.models import Document
from salter.requests import forms as request_forms
from salter.requests.compose import compose_answer
from salter.requests.models import DepartmentRequest
from salter.tenancy.access import municipality_view
from salter.tenancy.roles import Perm
from salter.workspace import case_page as reads
from salter.workspace import forms
from salter.workspace.timeline import case_events, case_timeline, ids_named
from salter.workspace.views.clients import pick_matches

CASE_FORMS = (forms.NoteForm, forms.TakeForm, forms.AssignForm, forms.StatusForm,
              forms.LinkClientForm,
              forms.UnlinkClientForm, forms.LinkCaseForm, forms.ParentForm, forms.MergeCaseForm,
              forms.ExtendDeadlineForm, forms.RouteForm, forms.TransferForm,
              request_forms.AskDepartmentsForm, request_forms.WithdrawRequestForm,
              request_forms.RecordAnswerForm)


@municipality_view(perm=Perm.CREATE_CASE)
def new_case(request, membership):
    client_query = request.POST.get("client_query", "")
    pick_error = ""
    if request.method == "POST" and "find_client" in request.POST:
        # Without JavaScript, "search" posts the whole form: show it again with the
        # matches, keeping what was typed, without complaining about missing fields.
        form = forms.NewCaseForm(initial=request.POST.dict(), actor=membership)
        form.initial["client_mode"] = forms.NewCaseForm.EXISTING
        matches, pick_error = pick_matches(membership, client_query)
    elif request.method == "POST":
        data = request.POST.copy()
        if data.get("use_client"):
            # "Use this client": the one a typed e-mail or telephone belongs to.
            data["client_mode"], data["client"] = forms.NewCaseForm.EXISTING, data["use_client"]
        form = forms.NewCaseForm(data, actor=membership)
        if form.submit():
            return redirect("workspace:case", municipality=membership.municipality.slug,
                            case_id=form.result.pk)
        matches = [form.existing_client] if getattr(form, "existing_client", None) else []
    else:
        form, matches = _new_case_form(request, membership)
    chosen = getattr(form, "existing_client", None)
    holders = form.contact_holders() if form.is_bound and form.errors else []
    for holder in holders:
        log.record(membership, log.Action.VIEW, log.Target.CLIENT, holder.pk,
                   subjects=[holder.pk], detail="contact already registered")
    return render(request, "workspace/case_new.html", {
        "form": form, "client_query": client_query, "pick_matches": matches,
        "pick_selected": chosen.pk if chosen else None, "pick_error": pick_error,
        "contact_holders": holders,
    })


def _new_case_form(request, membership):
    """A blank form; "new case for this client" (`?client=<id>`) starts it with the client
    chosen, a client of another municipality being simply not found."""
    form = forms.NewCaseForm(actor=membership)
    client_id = request.GET.get("client", "")
    client = (clients_visible_to(membership).current().filter(pk=client_id).first()
              if client_id.isdigit() else None)
    if client is None:
        return form, []
    form.initial.update({"client_mode": forms.NewCaseForm.EXISTING, "client": client.pk})
    form.existing_client = client
    log.record(membership, log.Action.VIEW, log.Target.CLIENT, client.pk, subjects=[client.pk],
               detail="new case for this client")
    return form, [client]


def case_forms(membership, case: Case, bound=None, choices=None) -> dict:
    """One form per case action, keyed by prefix, choosing from the same `choices`;
    `bound` (one that failed) replaces its fresh counterpart so its errors show."""
    choices = choices or forms.Choices(membership, case)
    built = {cls.prefix: cls(actor=membership, case=case, choices=choices)
             for cls in CASE_FORMS}
    if bound is not None:
        built[bound.prefix] = bound
    return built


def _reply_form(request, case: Case):
    """The reply panel's form, with a draft from the departments' responses when asked."""
    from salter.channels.views import ReplyForm

    if request.GET.get("compose") == "requests":
        return ReplyForm(initial={"body": compose_answer(case)})
    return None


def render_case_page(request, membership, case: Case, bound_form=None):
    # A case from `case_page` has its parties and messages already (`access_case`);
    # one from a failed form gets them here.
    prefetch_related_objects([case], *reads.read_with(membership))
    events = case_events(case)
    deadlines, requests = reads.deadlines_and_requests(membership, case)
    choices = forms.Choices(membership, case, deadlines=deadlines)
    related = reads.related_cases(membership, case, named=ids_named(events, "parent"))
    received, sent = list(case.inbound_messages.all()), list(case.outbound_messages.all())
    context = {
        "case": case,
        "parties": list(case.parties.all()),
        "timeline": case_timeline(case, events=events, outgoing=sent,
                                  known=reads.known_names(choices, related)),
        "children": related["child"],
        "related": related["linked"],
        "merged_cases": related["merged"],
        "parent": next(iter(related["parent"]), None),
        "merged_into": next(iter(related["merged_into"]), None),
        "documents": Document.objects.filter(municipality=membership.municipality, case=case)
        .select_related("blob").defer("blob__data"),  # sizes, not contents
        "correspondence": reads.correspondence(received, sent),
        "inbound_messages": received,
        "outbound_messages": sent,
        "forms": case_forms(membership, case, bound_form, choices),
        "transitions": [workflow.Status(s) for s in workflow.allowed_transitions(case.status)],
        # "Take it": an open case not yet the member's own.
        "can_take": (membership.can(Perm.ASSIGN_CASE) and case.status in workflow.OPEN_STATUSES
                     and case.assignee_id != membership.user.pk and case.merged_into_id is None),
        "deadlines": deadlines,
        "requests": requests,
        "transfers": reads.transfers(membership, case, events),
        "reply_form": _reply_form(request, case),
    }
    context["has_answers"] = any(r.state == DepartmentRequest.State.ANSWERED
                                 for r in requests)
    return render(request, "workspace/case.html", context)


@municipality_view
def case_page(request, membership, case_id):
    case = access_case(membership, case_id, joined=reads.JOINED,
                       read_with=reads.read_with(membership))
    return render_case_page(request, membership, case)
