"""The project's URLs plus a stand-in for the provincial dashboard, which another part of
Šalter provides; only the staff home's redirect to it is under test here."""

from django.http import HttpResponse
from django.urls import include, path

from salter.urls import urlpatterns as project_urlpatterns


def _province(request):
    return HttpResponse("province")


_dashboards = ([path("", _province, name="province")], "dashboards")

urlpatterns = [
    p for p in project_urlpatterns if getattr(p, "namespace", None) != "dashboards"
] + [path("province/", include(_dashboards))]
