"""The page an outside body opens from the link in its request: no login, in the
language the request was written in (unless the visitor chose another), answered once.

A link that is not valid (tampered with, or of another municipality) is a 404; one that
expired or was used is a 410 with a page saying so and whom to write to instead."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from salter.requests.actions import answer_request_by_link
from salter.requests.forms import AnswerForm
from salter.requests.tokens import LinkRefused, request_for_token
from salter.tenancy.models import Municipality

TEMPLATE = "requests/answer.html"


@never_cache
@require_http_methods(["GET", "POST"])
def answer_by_link(request, municipality: str, token: str):
    place = Municipality.objects.active().filter(slug=municipality).first()
    if place is None:
        return render(request, "portal/not_found.html", status=404)
    try:
        asked = request_for_token(place, token)
    except LinkRefused as refused:
        status = 404 if refused.why == "invalid" else 410
        return _page(request, refused.request, {"municipality": place, "refused": refused.why,
                                                "asked": refused.request}, status=status)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answer_request_by_link(request=asked, text=form.cleaned_data["answer"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return _page(request, asked, {"municipality": place, "asked": asked,
                                          "answered": True})
    return _page(request, asked, {"municipality": place, "asked": asked, "form": form},
                 status=400 if form.errors else 200)


def _page(request, asked, context: dict, *, status: int = 200):
    """Rendered in the request's language, unless the visitor picked one with the
    language menu."""
    language = translation.get_language()
    if asked is not None and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
        language = asked.language
    with translation.override(language):
        response = render(request, TEMPLATE, context, status=status)
    response["Content-Language"] = language
    return response
