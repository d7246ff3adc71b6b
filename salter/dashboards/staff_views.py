"""Dashboards of a municipality and of a department (VIEW_FIGURES): received and resolved
per week, open, overdue, median and 90th percentile of the time to first response and to
resolution, by channel and by procedure, with charts and CSV/XLSX export. A department
head sees their department's; the roles that see every case see the municipality's and
any department's."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salter.dashboards import figures
from salter.dashboards.export import FORMATS, NoData, table_response
from salter.tenancy.access import municipality_view
from salter.tenancy.models import Department
from salter.tenancy.roles import Perm


def _hours(minutes):
    return None if minutes is None else round(minutes / 60, 1)


def _scope(request, membership):
    """(department or None for the whole municipality, error message or "")."""
    wanted = request.GET.get("department", "")
    sees_all = membership.can(Perm.VIEW_ALL_CASES)
    if not wanted:
        if sees_all:
            return None
        if membership.department_id is None:
            raise Http404
        return membership.department
    department = (Department.objects.filter(municipality=membership.municipality, pk=wanted)
                  .first() if wanted.isdigit() else None)
    if department is None or (not sees_all and department.pk != membership.department_id):
        raise Http404
    return department


def _weeks(request) -> int:
    value = request.GET.get("weeks", "")
    return int(value) if value.isdigit() and int(value) in figures.PERIODS else (
        figures.DEFAULT_WEEKS)


def _chart_data(report) -> dict:
    return {
        "labels": [monday.isoformat() for monday, _f in report.weeks],
        "received": [f.received for _m, f in report.weeks],
        "resolved": [f.resolved for _m, f in report.weeks],
        "received_label": str(_("Received")), "resolved_label": str(_("Resolved")),
        "channels": [label for _v, label, _f in report.channels],
        "channel_counts": [f.received for _v, _l, f in report.channels],
    }


@municipality_view(perm=Perm.VIEW_FIGURES)
def dashboard(request, membership):
    department = _scope(request, membership)
    weeks = _weeks(request)
    report = figures.report(membership.municipality, weeks=weeks, department=department)
    departments = (Department.objects.filter(municipality=membership.municipality)
                   if membership.can(Perm.VIEW_ALL_CASES) else [])
    return render(request, "dashboards/dashboard.html", {
        "report": report, "department": department, "weeks": weeks,
        "periods": figures.PERIODS, "departments": departments,
        "chart": _chart_data(report),
    })


HEADERS = (gettext_lazy("Group"), gettext_lazy("Item"), gettext_lazy("Received"),
           gettext_lazy("Resolved"), gettext_lazy("First response, median (hours)"),
           gettext_lazy("First response, 90th percentile (hours)"),
           gettext_lazy("Resolution, median (hours)"),
           gettext_lazy("Resolution, 90th percentile (hours)"))


def export_rows(report) -> list[tuple]:
    def line(group, item, f):
        return (group, item, f.received, f.resolved, _hours(f.response_median),
                _hours(f.response_p90), _hours(f.resolution_median), _hours(f.resolution_p90))

    rows = [line(str(_("Week")), monday.isoformat(), f) for monday, f in report.weeks]
    rows += [line(str(_("Channel")), label, f) for _v, label, f in report.channels]
    rows += [line(str(_("Procedure")), ct.display_name if ct else "—", f)
             for ct, f in report.procedures]
    rows.append(line(str(_("Total")), "", report.total))
    return rows


@municipality_view(perm=Perm.VIEW_FIGURES)
def export(request, membership):
    fmt = request.GET.get("format", "")
    if fmt not in FORMATS:
        return HttpResponse(_("format: choose csv or xlsx."), status=400,
                            content_type="text/plain; charset=utf-8")
    department = _scope(request, membership)
    report = figures.report(membership.municipality, weeks=_weeks(request),
                            department=department)
    name = f"dashboard-{membership.municipality.slug}"
    if department is not None:
        name += f"-{department.pk}"
    try:
        if not (report.total.received or report.total.resolved or report.total.response):
            raise NoData(_("There is no data for this period or filter; nothing to export."))
        return table_response([str(h) for h in HEADERS], export_rows(report), fmt=fmt,
                              filename=f"{name}-{report.since}-{report.until}",
                              title=str(_("Dashboard")))
    except NoData as empty:
        return HttpResponse(f"weeks: {empty}", status=404,
                            content_type="text/plain; charset=utf-8")
