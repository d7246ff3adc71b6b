"""What comes in: bounded bodies and clean text, for every form, query string and JSON
body, before any view, form or API schema sees it.

NUL cannot be stored in PostgreSQL text (a 500 where it reached the database) and means
nothing in a name or a note; the bidirectional override and isolate characters
(U+202A–U+202E, U+2066–U+2069) make text display in another order than it is stored,
which disguises file names, numbers and links. Both are removed from every text input
here, in one place. Text that reached Šalter another way (mail, SMS) is neutralised
where it is shown (`salter.web.headers`).

A body larger than its route accepts is refused with 413 before it is read: routes take
SALTER_MAX_BODY_BYTES unless they say otherwise with `@max_body(...)`, so that a public
form without login cannot be used to make the server read megabytes.
"""

import json
import re

from django.conf import settings
from django.http import QueryDict

from salter.web.errors import error_response

UNSAFE_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    return UNSAFE_CHARACTERS.sub("", value)


def _clean_data(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean_data(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _clean_data(v) for k, v in value.items()}
    return value


def _clean_query_dict(data: QueryDict) -> QueryDict:
    if not any(UNSAFE_CHARACTERS.search(k) or any(UNSAFE_CHARACTERS.search(v) for v in vs)
               for k, vs in data.lists()):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(clean_text(key), [clean_text(v) for v in values])
    cleaned._mutable = False
    return cleaned


def max_body(limit: int):
    """Let a view accept request bodies of up to `limit` bytes."""

    def decorate(view):
        view.max_body_bytes = limit
        return view

    return decorate


def _body_limit(view_func) -> int:
    view = view_func
    while view is not None:  # through decorators that keep __wrapped__
        if hasattr(view, "max_body_bytes"):
            return view.max_body_bytes
        view = getattr(view, "__wrapped__", None)
    return settings.SALTER_MAX_BODY_BYTES


class InputBoundaryMiddleware:
    """Must come before anything that reads the body (CsrfViewMiddleware reads POST)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _clean_query_dict(request.GET)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > _body_limit(view_func):
            return error_response(request, 413)
        if request.method in ("POST", "PUT", "PATCH"):
            self._clean_body(request)
        return None

    def _clean_body(self, request) -> None:
        if request.content_type == "application/json":
            body = request.body
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                return  # the API answers malformed JSON itself
            cleaned = _clean_data(data)
            if cleaned != data:
                request._body = json.dumps(cleaned).encode()
        elif request.content_type in ("application/x-www-form-urlencoded",
                                      "multipart/form-data"):
            request.POST = _clean_query_dict(request.POST)
