from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from salter.dashboards.figures import DEFAULT_WEEKS, PERIODS
from salter.dashboards.province import province_report
from salter.tenancy.models import ProvincialRole


def province(request):
    """Province-wide aggregates, for provincial supervisors only; to anybody else the page
    does not exist (after login). `?weeks=` chooses the period."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not ProvincialRole.objects.filter(user=request.user).exists():
        raise Http404
    value = request.GET.get("weeks", "")
    weeks = int(value) if value.isdigit() and int(value) in PERIODS else DEFAULT_WEEKS
    return render(request, "dashboards/province.html",
                  {"report": province_report(weeks=weeks), "periods": PERIODS})
