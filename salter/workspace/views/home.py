"""The staff landing page: pick a municipality, or go straight to the only one."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from salter.tenancy.models import Membership, ProvincialRole


def active_memberships(user):
    return (Membership.objects.select_related("municipality", "department")
            .filter(user=user, is_active=True, municipality__is_active=True)
            .order_by("municipality__name"))


@login_required
def home(request):
    memberships = list(active_memberships(request.user))
    if len(memberships) == 1:
        return redirect("workspace:inbox", municipality=memberships[0].municipality.slug)
    if not memberships and ProvincialRole.objects.filter(user=request.user).exists():
        return redirect("dashboards:province")
    return render(request, "workspace/home.html", {"memberships": memberships})
