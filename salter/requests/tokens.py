"""The link that lets an outside body answer a request without logging in.

The link carries the request's id and a nonce, signed (`django.core.signing`, with its
own salt) and dated: it is refused when tampered with, when older than
`SALTER_REQUEST_LINK_DAYS`, and once the request is answered or withdrawn (answering
clears the nonce, so the link works once). It names the municipality in its path, and a
request of another municipality is not found through it.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from salter.requests.models import DepartmentRequest

SALT = "salter.requests.answer-link"


class LinkRefused(Exception):
    """Why a link does not open its request: "invalid", "expired" or "used"."""

    def __init__(self, why: str, request: DepartmentRequest | None = None):
        super().__init__(why)
        self.why = why
        self.request = request


def make_token(request: DepartmentRequest) -> str:
    return signing.dumps({"r": request.pk, "n": request.token_nonce}, salt=SALT,
                         compress=True)


def answer_url(request: DepartmentRequest) -> str:
    path = reverse("portal:request_answer",
                   args=[request.case.municipality.slug, make_token(request)])
    return f"{settings.SALTER_PUBLIC_URL}{path}"


def request_for_token(municipality, token: str) -> DepartmentRequest:
    """The open request the token stands for; LinkRefused otherwise."""
    max_age = settings.SALTER_REQUEST_LINK_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except signing.BadSignature:
        raise LinkRefused("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise LinkRefused("invalid")
    request = (DepartmentRequest.objects.filter(municipality=municipality, pk=data["r"])
               .select_related("department", "deadline", "case", "municipality").first())
    if request is None:
        raise LinkRefused("invalid")
    if not request.token_nonce or request.token_nonce != data.get("n"):
        raise LinkRefused("used", request)
    return request
