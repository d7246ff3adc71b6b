"""Error pages in the site's look and the reader's language, JSON for the API.

Django's own handlers answer in English, and with DEBUG on (the demo, development) with
a technical page listing every URL of Šalter. A municipality's staff and citizens see
these pages instead, whatever DEBUG says; a developer who wants Django's technical pages
sets SALTER_TECHNICAL_ERRORS=1.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

request_logger = logging.getLogger("django.request")

_PAGES = {
    400: (_("The request could not be understood"),
          _("What the browser sent was incomplete or damaged. Go back, reload the page "
            "and try again.")),
    403: (_("Not open to you"),
          _("Your role does not allow this page or this action. If you need it, ask the "
            "municipal administrator.")),
    404: (_("We could not find this page"),
          _("The address may be mistyped, or what it points to does not exist or is not "
            "open to you.")),
    413: (_("Too much was sent"),
          _("What was sent is larger than this page accepts. Send less, or a smaller "
            "file.")),
    500: (_("Something went wrong on our side"),
          _("The error was recorded for the administrators. Try again in a moment; if it "
            "happens again, tell your administrator what you were doing.")),
    503: (_("This took too long"),
          _("The request took too long and was stopped, so that Šalter stays fast for "
            "everyone. Narrow the search down, or try again in a minute.")),
}


def wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", "")


def error_response(request, status: int, *, detail: str = "", headers=None,
                   with_context: bool = True) -> HttpResponse:
    """The error page (or JSON body) for `status`; `detail` replaces the usual text."""
    title, text = _PAGES[status]
    message = detail or str(text)
    if wants_json(request):
        response = JsonResponse({"detail": message}, status=status)
    else:
        context = {"title": title, "message": message, "status": status}
        # A 500 may come from a broken database or template context: render it without
        # the request's context processors.
        html = render_to_string("errors/page.html", context,
                                request=request if with_context else None)
        response = HttpResponse(html, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500, with_context=False)


def csrf_failure(request, reason=""):
    return error_response(request, 403, detail=str(_(
        "This form had expired or came from elsewhere. Go back, reload the page and send "
        "it again.")))


class ErrorPagesMiddleware:
    """Our pages for what Django would answer with its technical pages under DEBUG.

    Without DEBUG the handlers in salter/urls.py give the same pages; this middleware
    makes the demo show what a municipality sees.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _active(self) -> bool:
        return settings.DEBUG and not settings.SALTER_TECHNICAL_ERRORS

    def __call__(self, request):
        if self._active():
            try:
                resolve(request.path_info)
            except Resolver404:
                return page_not_found(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not self._active():
            return None
        from salter.web.timeouts import is_statement_timeout, statement_timeout_response

        if is_statement_timeout(request, exception):
            return statement_timeout_response(request)
        if isinstance(exception, Http404):
            return page_not_found(request)
        if isinstance(exception, PermissionDenied):
            return permission_denied(request)
        request_logger.error("Internal Server Error: %s", request.path, exc_info=exception,
                             extra={"status_code": 500, "request": request})
        return server_error(request)
