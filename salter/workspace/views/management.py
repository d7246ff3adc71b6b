"""A department head's views: workload per officer, open and overdue cases by procedure,
the filtered list exported, and cases assigned in bulk. Everything is counted over
`Case.objects.visible_to(actor)`, so a head sees their department and nothing more."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salter.audit import log, subjects
from salter.cases.models import Case
from salter.cases.workflow import OPEN_STATUSES
from salter.dashboards.export import FORMATS, NoData, table_response
from salter.procedures.models import CaseType
from salter.tenancy.access import municipality_view
from salter.tenancy.models import Membership
from salter.tenancy.roles import Perm, Role
from salter.workspace import inbox as queues
from salter.workspace.filters import CaseFilterForm, filter_cases
from salter.workspace.forms import BulkAssignForm

EXPORT_LIMIT = 50_000


def _open(cases):
    """Counts over the open cases only: the (municipality, status, due_at) index finds
    them, however many closed ones the archive holds."""
    now = timezone.now()
    return dict(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))


def workload(membership, cases) -> list[dict]:
    """Open and overdue cases per assignee (the unassigned as one row), with the staff of
    the head's department who have none."""
    rows = {row["assignee"]: row for row in cases.filter(status__in=OPEN_STATUSES)
            .order_by().values("assignee").annotate(**_open(cases))}
    members = Membership.objects.filter(municipality=membership.municipality, is_active=True)
    if not membership.can(Perm.VIEW_ALL_CASES):
        members = members.filter(department_id=membership.department_id)
    members = members.exclude(role=Role.AUDITOR).select_related("user")
    people = {m.user_id: m.user for m in members}
    missing = [uid for uid in rows if uid is not None and uid not in people]
    people.update({u.pk: u for u in get_user_model().objects.filter(pk__in=missing)})
    table = [{"user": user, "open": rows.get(uid, {}).get("open", 0),
              "overdue": rows.get(uid, {}).get("overdue", 0)} for uid, user in people.items()]
    table.sort(key=lambda r: (-r["open"], (r["user"].get_full_name() or r["user"].username)))
    if None in rows:
        table.append({"user": None, "open": rows[None]["open"], "overdue": rows[None]["overdue"]})
    return table


def by_procedure(cases) -> list[dict]:
    rows = list(cases.filter(status__in=OPEN_STATUSES).order_by().values("case_type")
                .annotate(**_open(cases)))
    names = {ct.pk: ct for ct in CaseType.objects.filter(pk__in=[r["case_type"] for r in rows])}
    table = [{"procedure": names.get(r["case_type"]), "open": r["open"],
              "overdue": r["overdue"]} for r in rows]
    return sorted(table, key=lambda r: (-r["overdue"], -r["open"]))


@municipality_view(perm=Perm.VIEW_FIGURES)
def management(request, membership):
    filters = CaseFilterForm(request.GET, actor=membership)
    cases = filter_cases(Case.objects.visible_to(membership), filters.criteria())
    return render(request, "workspace/management.html", {
        "filters": filters, "workload": workload(membership, cases),
        "procedures": by_procedure(cases),
    })


EXPORT_LABELS = (gettext_lazy("Registry number"), gettext_lazy("Subject"),
                 gettext_lazy("Status"), gettext_lazy("Procedure"), gettext_lazy("Department"),
                 gettext_lazy("Assignee"), gettext_lazy("Channel"), gettext_lazy("Received"),
                 gettext_lazy("Due"), gettext_lazy("Resolved"))


@municipality_view
def export_cases(request, membership):
    """The inbox list as it is filtered (queue and filters), as CSV or XLSX."""
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponse(_("format: choose csv or xlsx."), status=400,
                            content_type="text/plain; charset=utf-8")
    filters = CaseFilterForm(request.GET, actor=membership)
    criteria = filters.criteria()
    if criteria is None:
        problems = "; ".join(f"{name}: {' '.join(errors)}"
                             for name, errors in filters.errors.items())
        return HttpResponse(problems, status=400, content_type="text/plain; charset=utf-8")
    available = [q.key for q in queues.queues_for(membership)]
    key = request.GET.get("queue") or available[-1]
    if key not in available:
        raise PermissionDenied
    cases = list(filter_cases(queues.queue_cases(membership, key), criteria)
                 .select_related("case_type", "department", "assignee")
                 .order_by("created_at", "id")[:EXPORT_LIMIT])
    rows = [(c.registry_number, c.subject, c.get_status_display(),
             c.case_type.display_name if c.case_type else "",
             c.department.display_name if c.department else "",
             (c.assignee.get_full_name() or c.assignee.username) if c.assignee else "",
             c.get_channel_display(), c.created_at, c.due_at, c.resolved_at) for c in cases]
    try:
        response = table_response([str(h) for h in EXPORT_LABELS], rows, fmt=fmt,
                                  filename=f"cases-{membership.municipality.slug}",
                                  title=_("Cases"))
    except NoData as empty:
        return HttpResponse(str(empty), status=404, content_type="text/plain; charset=utf-8")
    log.record(membership, log.Action.EXPORT, log.Target.CASE, count=len(cases),
               subjects=subjects.of_cases(cases), detail=f"cases {fmt} {key}")
    return response


@require_POST
@municipality_view(perm=Perm.ASSIGN_CASE)
def bulk_assign(request, membership):
    """Assign the ticked cases; refused as a whole (400, each problem named by its field)
    when one is not the actor's to see or the form is incomplete."""
    form = BulkAssignForm(request.POST, actor=membership)
    back = request.POST.get("next", "")
    if not back.startswith(f"/staff/{membership.municipality.slug}/"):
        back = ""
    if not form.submit():
        problems = [(form.fields[name].label or name if name in form.fields else name, errors)
                    for name, errors in form.errors.items()]
        return render(request, "workspace/bulk_refused.html",
                      {"problems": problems, "back": back}, status=400)
    messages.success(request, _("%(n)d cases assigned.") % {"n": len(form.result)})
    if back:
        return redirect(back)
    return redirect("workspace:inbox", municipality=membership.municipality.slug)
