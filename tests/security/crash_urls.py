"""The project's URLs plus a page that fails, to see how an unhandled error is answered
and logged."""

from django.urls import path

from salter.urls import handler400, handler403, handler404, handler500  # noqa: F401
from salter.urls import urlpatterns as project_urlpatterns


class ProbeError(Exception):
    pass


def crash(request):
    raise ProbeError("the probe failed on purpose")


urlpatterns = [path("crash/", crash), *project_urlpatterns]
