"""The forms on the case page post here. Each view looks the case up through
`access_case` (another municipality's or an invisible case: 404), lets its form call the
action (missing permission: 403 from the action), and goes back to the case page; a
form with errors is shown again on the case page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from salter.cases.access import access_case
from salter.requests import forms as request_forms
from salter.tenancy.access import municipality_view
from salter.workspace import case_page as reads
from salter.workspace import forms
from salter.workspace.views.cases import render_case_page


def case_action(form_class, done_message):
    @require_POST
    @municipality_view
    def view(request, membership, case_id):
        case = access_case(membership, case_id, joined=reads.JOINED)
        if not membership.can(form_class.required_perm):
            raise PermissionDenied
        form = form_class(request.POST, actor=membership, case=case)
        if not form.submit():
            return render_case_page(request, membership, case, bound_form=form)
        messages.success(request, done_message)
        return redirect("workspace:case", municipality=membership.municipality.slug,
                        case_id=case.pk)

    return view


add_note = case_action(forms.NoteForm, _("Note added."))
assign = case_action(forms.AssignForm, _("Assignment saved."))
take = case_action(forms.TakeForm, _("The case is yours."))
change_status = case_action(forms.StatusForm, _("Status changed."))
link_client = case_action(forms.LinkClientForm, _("Client linked."))
unlink_client = case_action(forms.UnlinkClientForm, _("Client removed from the case."))
link_case = case_action(forms.LinkCaseForm, _("Cases linked."))
set_parent = case_action(forms.ParentForm, _("Parent case saved."))
merge = case_action(forms.MergeCaseForm, _("Case merged."))
extend_deadline = case_action(forms.ExtendDeadlineForm, _("Deadline extended."))
correct_route = case_action(forms.RouteForm, _("Route corrected."))
transfer = case_action(forms.TransferForm, _("Case transferred to the other municipality."))
ask_departments = case_action(request_forms.AskDepartmentsForm, _("Requests sent."))
withdraw_request = case_action(request_forms.WithdrawRequestForm, _("Request withdrawn."))
record_answer = case_action(request_forms.RecordAnswerForm, _("Response recorded."))
