"""A commercial SMS gateway's JSON webhook, for MO texts and delivery reports.

    POST /gateway/sms/webhook/<slug>/
    X-Salter-Timestamp: 1796170000                       (Unix seconds)
    X-Salter-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">
    {"type": "mo", "id": "gw-123", "from": "+381641234567", "to": "1234",
     "text": "Ne radi rasveta", "time": 1796169990}
    {"type": "dlr", "id": "gw-124", "message_id": "<Šalter's id of the MT>",
     "status": "delivered" | "failed" | "buffered" | "sent", "reason": "…"}

The key is the municipality's webhook secret (`salter sms webhook-secret`), an HMAC of
its slug like Kannel's MO secret. Unsigned or wrongly signed requests are 401/403, a
time stamp outside SALTER_SMS_WEBHOOK_WINDOW_SECONDS is 403 (stale), and the very same
signed request again is 403 (replayed); each refusal is logged. A gateway resending a
message (a new time stamp, the same id) is idempotent: stored once.
"""

import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.utils.translation import gettext_noop

from salter.channels.sms import kannel
from salter.lang.deferred import Deferred

logger = logging.getLogger(__name__)
MAGIC = b"WEBHOOK/1\n"
STATUSES = ("delivered", "failed", "buffered", "sent")


def webhook_secret(slug: str) -> str:
    return hmac.new(kannel._key(), f"sms-webhook:{slug}".encode(),
                    hashlib.sha256).hexdigest()


def signature(slug: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(webhook_secret(slug).encode(), timestamp.encode() + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def check(slug: str, timestamp: str, given: str, body: bytes, now=None) -> None:
    """Raise Refused unless the request is signed for `slug` within the window."""
    if not given or not timestamp:
        raise Refused(401, "unsigned")
    if not hmac.compare_digest(signature(slug, timestamp, body), given):
        raise Refused(403, "wrong signature")
    try:
        stamp = int(timestamp)
    except ValueError:
        raise Refused(403, "time stamp not a number") from None
    window = settings.SALTER_SMS_WEBHOOK_WINDOW_SECONDS
    if abs((now or time.time()) - stamp) > window:
        raise Refused(403, "stale")


def read(body: bytes) -> dict:
    """The payload, checked; raises kannel.Malformed naming the field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise kannel.Malformed("body", Deferred(gettext_noop(
            "The body is not JSON."))) from None
    if not isinstance(data, dict):
        raise kannel.Malformed("body", Deferred(gettext_noop("The body is not a JSON object.")))
    kind = data.get("type")
    if kind not in ("mo", "dlr"):
        raise kannel.Malformed("type", Deferred(gettext_noop(
            "The type must be \"mo\" or \"dlr\".")))
    if not isinstance(data.get("id"), str) or not data["id"].strip():
        raise kannel.Malformed("id", Deferred(gettext_noop("The gateway's message id is missing.")))
    if kind == "mo":
        for name in ("from", "to", "text"):
            if not isinstance(data.get(name), str):
                raise kannel.Malformed(name, Deferred(gettext_noop(
                    "The field %(field)s is missing or not a string."), {"field": name}))
    else:
        if not isinstance(data.get("message_id"), str):
            raise kannel.Malformed("message_id", Deferred(gettext_noop(
                "The field %(field)s is missing or not a string."), {"field": "message_id"}))
        if data.get("status") not in STATUSES:
            raise kannel.Malformed("status", Deferred(gettext_noop(
                "The status must be delivered, failed, buffered or sent.")))
    return data
