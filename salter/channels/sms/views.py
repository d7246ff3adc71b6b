"""Kannel's callbacks: MO texts (the sms-service's get-url or post-url) and delivery
reports (the dlr-url of each message sent). Not staff pages: no session, no CSRF token.

The municipality is the one in the URL, and only if the request proves it comes from
that municipality's Kannel set-up: the MO secret (`salter sms kannel-config` prints it)
or the signature of the message id in the delivery report's URL, both keyed by the slug.
A wrong or missing secret is a 403, whatever the slug; a municipality that is not active
answers the same, so the URL tells a stranger nothing. Answers are short plain text,
which Kannel writes to its log.
"""

import logging

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from salter import bulk
from salter.channels.sms import kannel, webhook
from salter.channels.sms.accept import accept_dlr, accept_mo, accept_webhook
from salter.tenancy.models import Municipality
from salter.web.boundary import max_body

logger = logging.getLogger(__name__)
# The longest MO, as percent-encoded UCS-2 in a query string or a post-url body.
MAX_REQUEST_BYTES = 256 * 1024


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")


def _municipality(slug: str, secret_ok) -> int | None:
    """The id of the active municipality the request proved it comes for, read afresh
    (one plain statement: a change of the municipality applies to the next text)."""
    if not secret_ok:
        return None
    return _active(slug)


def _active(slug: str) -> int | None:
    found = bulk.find(Municipality, "slug", [slug], is_active=True)
    return found[0][0] if found else None


@csrf_exempt
@max_body(MAX_REQUEST_BYTES)
@require_http_methods(["GET", "POST"])
def mo(request, municipality: str):
    query = request.META.get("QUERY_STRING", "")
    given = request.GET.get("secret", "")
    place = _municipality(municipality, kannel.secret_matches(municipality, given))
    if place is None:
        return _text(403, _("Wrong or missing secret."))
    headers = {name: request.headers[name] for name in kannel.POST_HEADERS
               if name in request.headers}
    body = request.body if request.method == "POST" else b""
    raw = kannel.envelope(request.method, query, headers, body)
    try:
        read = kannel.read_mo(raw)
        read.text()
        problem = None
    except kannel.Malformed as exc:
        read = None if exc.field in ("from", "to", "text", "coding", "time", "udh",
                                     "request") else _unchecked(raw)
        problem = exc
    # Stored in every case: a text Kannel took from a phone is never dropped, even one
    # Šalter cannot read (intake quarantines it with the reason).
    accepted = accept_mo(municipality=place, raw=raw, mo=read)
    if problem is not None:
        return _text(400, _("%(field)s: %(reason)s (stored as message %(id)s)") % {
            "field": problem.field, "reason": problem.reason, "id": accepted.inbound.pk})
    if not accepted.created:
        return _text(200, _("Already received as message %(id)s.") % {
            "id": accepted.inbound.pk})
    return _text(202, _("Received as message %(id)s.") % {"id": accepted.inbound.pk})


def _unchecked(raw: bytes):
    """The MO's fields when only its text cannot be decoded: it is stored under its own
    key (a retry is still recognised) and quarantined by intake."""
    try:
        return kannel.read_mo(raw)
    except kannel.Malformed:
        return None


@csrf_exempt
@max_body(8 * 1024)
@require_http_methods(["GET", "POST"])
def dlr(request, municipality: str):
    message_id = request.GET.get("id", "")
    place = _municipality(municipality, kannel.signature_matches(
        municipality, message_id, request.GET.get("sig", "")))
    if place is None:
        return _text(403, _("Wrong or missing signature."))
    dlr_type = request.GET.get("type", "")
    if not dlr_type.isdigit():
        return _text(400, _("%(field)s: the report's type is missing or not a number.")
                     % {"field": "type"})
    accepted = accept_dlr(municipality=place, query=request.META.get("QUERY_STRING", ""),
                          message_id=message_id, dlr_type=dlr_type,
                          stamp=request.GET.get("time", ""))
    return _text(202 if accepted.created else 200,
                 _("Report received as message %(id)s.") % {"id": accepted.inbound.pk})


@csrf_exempt
@max_body(64 * 1024)
@require_http_methods(["POST"])
def gateway_webhook(request, municipality: str):
    """A commercial gateway's signed JSON (salter.channels.sms.webhook)."""
    body = request.body
    signature = request.headers.get("X-Salter-Signature", "")
    try:
        webhook.check(municipality, request.headers.get("X-Salter-Timestamp", ""),
                      signature, body)
    except webhook.Refused as exc:
        logger.warning("sms webhook for %s refused: %s", municipality[:50], exc.reason)
        return _text(exc.status, _("Refused: %(reason)s.") % {"reason": exc.reason})
    place = _active(municipality)
    if place is None:
        logger.warning("sms webhook for %s refused: not active", municipality[:50])
        return _text(403, _("Refused: %(reason)s.") % {"reason": "not active"})
    try:
        data, problem = webhook.read(body), None
    except kannel.Malformed as exc:
        data, problem = None, exc
    accepted, replayed = accept_webhook(municipality=place, body=body, data=data,
                                        signature=signature)
    if replayed:
        logger.warning("sms webhook for %s refused: replayed", municipality[:50])
        return _text(403, _("Refused: %(reason)s.") % {"reason": "replayed"})
    if problem is not None:
        return _text(400, _("%(field)s: %(reason)s (stored as message %(id)s)") % {
            "field": problem.field, "reason": problem.reason, "id": accepted.inbound.pk})
    if not accepted.created:
        return _text(200, _("Already received as message %(id)s.") % {
            "id": accepted.inbound.pk})
    return _text(202, _("Received as message %(id)s.") % {"id": accepted.inbound.pk})
