"""The public face of a municipality: who it is, how to reach it, and where a case stands.

Only active municipalities exist here; any other slug gets the same "not found" page.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from salter.portal.forms import TrackForm
from salter.portal.tracking import find_case, find_case_anywhere, public_timeline, take_lookup
from salter.tenancy.models import Municipality
from salter.web.boundary import max_body

# The tracking form is a code and a CSRF token; nobody needs to send a public page more.
TRACK_BODY_BYTES = 8 * 1024

LANGUAGE_NAMES = {
    "hu": _("Hungarian"), "sk": _("Slovak"), "ro": _("Romanian"), "rue": _("Rusyn"),
    "hr": _("Croatian"),
}


def _not_found(request):
    return render(request, "portal/not_found.html", status=404)


def _opening_hours(municipality) -> list[dict]:
    """Days with the same hours run together: Monday–Friday 07:30–15:30."""
    groups: list[dict] = []
    for wh in municipality.working_hours.order_by("weekday", "opens"):
        last = groups[-1] if groups else None
        if (last and last["last"] == wh.weekday - 1 and last["opens"] == wh.opens
                and last["closes"] == wh.closes):
            last["last"] = wh.weekday
            continue
        groups.append({"first": wh.weekday, "last": wh.weekday, "opens": wh.opens,
                       "closes": wh.closes})
    for group in groups:
        group["first_day"] = WEEKDAYS[group["first"]]
        group["last_day"] = WEEKDAYS[group["last"]] if group["last"] != group["first"] else ""
    return groups


def _page(request, municipality, *, form, status=200, **context):
    minority = [(LANGUAGE_NAMES.get(code, code), name)
                for code, name in sorted(municipality.minority_names.items())]
    return render(request, "portal/home.html", {
        "municipality": municipality, "minority_names": minority, "form": form,
        "opening_hours": _opening_hours(municipality), **context,
    }, status=status)


def _public_municipality(slug):
    return Municipality.objects.active().filter(slug=slug).first()


@require_http_methods(["GET"])
def home(request, municipality):
    m = _public_municipality(municipality)
    if m is None:
        return _not_found(request)
    return _page(request, m, form=TrackForm())


@require_http_methods(["GET", "POST"])
@max_body(TRACK_BODY_BYTES)
def track(request, municipality):
    m = _public_municipality(municipality)
    if m is None:
        return _not_found(request)
    if request.method == "GET":
        # The link in an acknowledgement (…/track/?code=…) opens the case at once; a bare
        # GET is the home page's form.
        if "code" not in request.GET:
            return redirect("portal:home", municipality=m.slug)
        form = TrackForm(request.GET)
    else:
        form = TrackForm(request.POST)
    if not form.is_valid():
        return _page(request, m, form=form)
    if not take_lookup(request):
        return _page(request, m, form=form, throttled=True, status=429)
    case = find_case(m, form.cleaned_data["code"])
    if case is None:
        # Same answer for a code that does not exist and one of another municipality.
        return _page(request, m, form=form, not_found=True)
    return _page(request, m, form=TrackForm(), case=case, steps=public_timeline(case))


@require_http_methods(["GET"])
def short_link(request, code):
    """`/t/<code>`: the short tracking link of a text message. Leads to the case's page on
    its municipality's portal; an unknown code gets the portal's "not found", and every
    try counts against the address's lookups like the form's."""
    if not take_lookup(request):
        return render(request, "portal/not_found.html", {"throttled": True}, status=429)
    case = find_case_anywhere(code)
    if case is None:
        return _not_found(request)
    return redirect(f"{reverse('portal:track', args=[case.municipality.slug])}"
                    f"?{urlencode({'code': case.tracking_code})}")
