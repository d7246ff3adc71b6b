"""What every response carries: no caching of pages (they hold personal data), and
characters that reorder or cut text shown neutralised.

A page of a case, a client or a search lives in the browser's and any proxy's cache
unless told otherwise; staff share computers at the counter. Every response made by a
view is marked `no-store` unless the view chose its own caching (static files are served
before this, by WhiteNoise, and are cached as they should be).

Text that reached Šalter other than through its forms (an e-mail's subject, a file name
of an attachment) may still hold the bidirectional override and isolate characters or
NUL (`salter.web.boundary`); in a page they are replaced by U+FFFD, visible and inert.
"""

from django.utils.cache import add_never_cache_headers

_REPLACEMENT = "\ufffd".encode()
_UNSAFE = [chr(c).encode() for c in (0, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]


def neutralise(content: bytes) -> bytes:
    for character in _UNSAFE:
        if character in content:
            content = content.replace(character, _REPLACEMENT)
    return content


class ResponseHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        if (not response.streaming
                and response.get("Content-Type", "").startswith("text/html")):
            response.content = neutralise(response.content)
        return response
