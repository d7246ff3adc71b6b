"""The municipal administrator's pages (MANAGE_MUNICIPALITY): staff, departments and
outside bodies, procedures and their reply templates, routing rules with "test this rule",
office hours and days off, endpoints, and the admin timeline. Another role gets 403,
another municipality's slug or ids 404; every change goes through an action, which puts
it on the timeline. A refused form comes back with status 400 and the message under its
field."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from salter.accounts import actions as staff_actions
from salter.administration import forms
from salter.administration.models import Target
from salter.administration.rule_test import try_rule
from salter.administration.timeline import changes_of
from salter.cases.models import Channel
from salter.channels.models import Endpoint
from salter.procedures import actions as procedure_actions
from salter.procedures.calendar import calendar_for
from salter.procedures.models import CalendarDay, CaseType, RoutingRule
from salter.tenancy.access import municipality_view
from salter.tenancy.models import Department, Membership, WorkingHours
from salter.tenancy.roles import Perm

ADMIN = Perm.MANAGE_MUNICIPALITY
TIMELINE_SHOWN = 10


def _page(request, template: str, context: dict, *, failed: bool = False):
    return render(request, f"administration/{template}", context, status=400 if failed else 200)


def _own(model, membership, pk, **extra):
    found = model.objects.filter(municipality=membership.municipality, pk=pk, **extra).first()
    if found is None:
        raise Http404
    return found


def _recent(membership, target, target_id=None):
    return list(changes_of(membership.municipality, target=target,
                           target_id=target_id)[:TIMELINE_SHOWN])


def _back(request, name: str, membership, **kwargs):
    return redirect(f"administration:{name}", municipality=membership.municipality.slug,
                    **kwargs)


@municipality_view(perm=ADMIN)
def overview(request, membership):
    municipality = membership.municipality
    return _page(request, "overview.html", {
        "counts": {
            "staff": Membership.objects.filter(municipality=municipality, is_active=True).count(),
            "departments": Department.objects.filter(municipality=municipality).count(),
            "procedures": CaseType.objects.filter(municipality=municipality).count(),
            "rules": RoutingRule.objects.filter(municipality=municipality).count(),
            "endpoints": Endpoint.objects.filter(municipality=municipality).count(),
        },
        "changes": list(changes_of(municipality)[:TIMELINE_SHOWN]),
    })


# -- staff ----------------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def staff(request, membership):
    form = forms.InviteForm(request.POST or None, actor=membership)
    invited = None
    if request.method == "POST" and form.submit():
        member, password = form.result
        # Shown once, on this answer only; never stored readable.
        invited = {"member": member, "password": password}
        form = forms.InviteForm(actor=membership)
    members = (staff_actions.staff_of(membership.municipality)
               .order_by("-is_active", "user__last_name", "user__username"))
    return _page(request, "staff.html", {"form": form, "members": members, "invited": invited,
                                         "changes": _recent(membership, Target.MEMBER)},
                 failed=bool(form.errors))


@municipality_view(perm=ADMIN)
def member(request, membership, member_id):
    found = _own(Membership, membership, member_id)
    form = forms.MemberForm(request.POST or None, actor=membership, member=found)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "member", membership, member_id=found.pk)
    return _page(request, "member.html", {
        "form": form, "member": found,
        "changes": _recent(membership, Target.MEMBER, found.pk)}, failed=bool(form.errors))


@require_POST
@municipality_view(perm=ADMIN)
def member_active(request, membership, member_id):
    found = _own(Membership, membership, member_id)
    active = request.POST.get("active") == "1"
    try:
        staff_actions.set_member_active(actor=membership, member=found, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        text = (_("%(user)s can sign in here again.") if active
                else _("%(user)s can no longer sign in here."))
        messages.success(request, text % {"user": found.user.get_username()})
    return _back(request, "member", membership, member_id=found.pk)


# -- departments ----------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def departments(request, membership):
    form = forms.DepartmentForm(request.POST or None, actor=membership)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "departments", membership)
    rows = Department.objects.filter(municipality=membership.municipality)
    return _page(request, "departments.html", {
        "form": form, "departments": rows,
        "changes": _recent(membership, Target.DEPARTMENT)}, failed=bool(form.errors))


@municipality_view(perm=ADMIN)
def department(request, membership, department_id):
    found = _own(Department, membership, department_id)
    form = forms.DepartmentForm(request.POST or None, actor=membership, department=found)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "departments", membership)
    return _page(request, "department.html", {
        "form": form, "department": found,
        "changes": _recent(membership, Target.DEPARTMENT, found.pk)}, failed=bool(form.errors))


# -- procedures -----------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def procedures(request, membership):
    form = forms.ProcedureForm(request.POST or None, actor=membership)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "procedure", membership, procedure_id=form.result.pk)
    rows = (CaseType.objects.filter(municipality=membership.municipality)
            .select_related("department").order_by("-is_active", "name"))
    return _page(request, "procedures.html", {
        "form": form, "procedures": rows,
        "changes": _recent(membership, Target.PROCEDURE)}, failed=bool(form.errors))


@municipality_view(perm=ADMIN)
def procedure(request, membership, procedure_id):
    found = _own(CaseType, membership, procedure_id)
    posted = request.POST if request.method == "POST" else None
    is_template = posted is not None and "template" in posted
    form = forms.ProcedureForm(None if is_template else posted, actor=membership,
                               procedure=found)
    template_form = forms.ReplyTemplateForm(posted if is_template else None, actor=membership,
                                            procedure=found, prefix="template")
    chosen = form if not is_template else template_form
    if posted is not None and chosen.submit():
        messages.success(request, _("Saved."))
        return _back(request, "procedure", membership, procedure_id=found.pk)
    changes = [c for c in changes_of(membership.municipality, target_id=found.pk)
               .filter(target__in=[Target.PROCEDURE, Target.REPLY_TEMPLATE])[:TIMELINE_SHOWN]]
    return _page(request, "procedure.html", {
        "form": form, "template_form": template_form, "procedure": found,
        "templates": [(t["key"], found.reply_template(t["key"], get_language())[0])
                      for t in found.reply_templates], "changes": changes},
        failed=posted is not None)


# -- routing rules --------------------------------------------------------------------------


def _rule_page(request, membership, rule=None):
    form = forms.RoutingRuleForm(request.POST or None, actor=membership, rule=rule)
    tested = None
    if request.method == "POST" and "test" in request.POST:
        if form.is_valid():
            try:
                tested = try_rule(form.unsaved_rule(), membership)
            except ValidationError as error:
                form.add_action_errors(error)
    elif request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "rules", membership)
    rules = (RoutingRule.objects.filter(municipality=membership.municipality)
             .select_related("case_type", "department", "endpoint"))
    changes = _recent(membership, Target.ROUTING_RULE, rule.pk if rule else None)
    return _page(request, "rules.html", {"form": form, "rule": rule, "rules": rules,
                                         "tested": tested, "changes": changes},
                 failed=bool(form.errors))


@municipality_view(perm=ADMIN)
def rules(request, membership):
    return _rule_page(request, membership)


@municipality_view(perm=ADMIN)
def rule(request, membership, rule_id):
    return _rule_page(request, membership, _own(RoutingRule, membership, rule_id))


# -- the calendar ---------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def calendar(request, membership):
    posted = request.POST if request.method == "POST" else None
    which = (posted or {}).get("form", "")
    hours = forms.OfficeHoursForm(posted if which == "hours" else None, actor=membership,
                                  prefix="hours")
    day_off = forms.DayOffForm(posted if which == "day_off" else None, actor=membership,
                               prefix="off")
    opening = forms.SpecialOpeningForm(posted if which == "opening" else None,
                                       actor=membership, prefix="open")
    chosen = {"hours": hours, "day_off": day_off, "opening": opening}.get(which)
    if chosen is not None and chosen.submit():
        messages.success(request, _("Saved."))
        return _back(request, "calendar", membership)
    municipality = membership.municipality
    week = {day: [] for day in range(7)}
    for row in WorkingHours.objects.filter(municipality=municipality).order_by("opens"):
        week[row.weekday].append(row)
    names = dict(forms.OfficeHoursForm.base_fields["weekday"].choices)
    days = CalendarDay.objects.filter(municipality=municipality).order_by("-date")
    changes = list(changes_of(municipality).filter(
        target__in=[Target.OFFICE_HOURS, Target.CALENDAR_DAY])[:TIMELINE_SHOWN])
    return _page(request, "calendar.html", {
        "hours_form": hours, "day_off_form": day_off, "opening_form": opening,
        "week": [(names[day], periods) for day, periods in week.items()],
        "days": days, "changes": changes, "calendar": calendar_for(municipality)},
        failed=posted is not None)


@require_POST
@municipality_view(perm=ADMIN)
def calendar_day_remove(request, membership, day_id):
    day = _own(CalendarDay, membership, day_id)
    procedure_actions.remove_calendar_day(actor=membership, day=day)
    messages.success(request, _("Removed."))
    return _back(request, "calendar", membership)


# -- endpoints ------------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def endpoints(request, membership):
    form = forms.EndpointForm(request.POST or None, actor=membership)
    if request.method == "POST" and form.submit():
        messages.success(request, _("Saved."))
        return _back(request, "endpoints", membership)
    rows = (Endpoint.objects.filter(municipality=membership.municipality)
            .select_related("department", "mailbox"))
    return _page(request, "endpoints.html", {
        "form": form, "endpoints": rows,
        "changes": _recent(membership, Target.ENDPOINT)}, failed=bool(form.errors))


@municipality_view(perm=ADMIN)
def endpoint(request, membership, endpoint_id):
    found = _own(Endpoint, membership, endpoint_id)
    posted = request.POST if request.method == "POST" else None
    is_mailbox = posted is not None and "mailbox" in posted
    form = forms.EndpointForm(None if is_mailbox else posted, actor=membership,
                              endpoint=found)
    mailbox_form = (forms.MailboxForm(posted if is_mailbox else None, actor=membership,
                                      endpoint=found)
                    if found.channel == Channel.EMAIL else None)
    chosen = mailbox_form if is_mailbox else form
    if posted is not None and chosen is not None and chosen.submit():
        messages.success(request, _("Saved."))
        return _back(request, "endpoint", membership, endpoint_id=found.pk)
    return _page(request, "endpoint.html", {
        "form": form, "mailbox_form": mailbox_form, "endpoint": found,
        "changes": _recent(membership, Target.ENDPOINT, found.pk)},
        failed=posted is not None)


# -- the timeline ---------------------------------------------------------------------------


@municipality_view(perm=ADMIN)
def timeline(request, membership):
    target = request.GET.get("target", "")
    if target not in Target.values:
        target = ""
    changes = changes_of(membership.municipality, target=target)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return _page(request, "timeline.html", {"page": page, "target": target,
                                            "targets": Target.choices})
