"""Recognising mail that no person wrote: auto-replies, bounces, mailing lists and our own
messages coming back. Such mail never opens a case and is never answered, or two robots
would answer each other for ever."""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from salter.intake.incoming import Bounce

_MACHINE_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DSN_PARTS = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
              "message/delivery-status", "message/global-headers")
_ORIGINAL_ID = re.compile(r"^message-id:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


def lower_headers(parsed) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (parsed.headers or {}).items()}


def automatic_reason(parsed, *, own_addresses: frozenset[str]) -> str:
    """Why this message was sent by a machine, or "" when a person wrote it."""
    headers = lower_headers(parsed)
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    own_domain = getattr(settings, "SALTER_MAIL_DOMAIN", "")
    from_address = (parsed.from_address or "").lower()
    # Reasons are translated only for the check that matched: gettext for every check of
    # every message cost more than the checks themselves.
    checks = (
        (parsed.is_bounce, lambda: _("delivery failure report (bounce)")),
        (auto_submitted and auto_submitted != "no",
         lambda: _("automatic message (Auto-Submitted: %s)") % auto_submitted),
        (precedence in _MACHINE_PRECEDENCE,
         lambda: _("bulk or list mail (Precedence: %s)") % precedence),
        (parsed.is_auto_reply, lambda: _("automatic reply")),
        (parsed.is_list or "list-id" in headers, lambda: _("mailing list")),
        (any(name.startswith("x-salter-") for name in headers),
         lambda: _("one of Šalter's own messages came back")),
        (own_domain and (parsed.message_id or "").lower().endswith("@" + own_domain.lower()),
         lambda: _("one of Šalter's own messages came back")),
        (from_address in own_addresses,
         lambda: _("sent from one of the municipality's own addresses")),
    )
    return next((reason() for matched, reason in checks if matched), "")


def bounce_of(parsed) -> Bounce | None:
    """Who a delivery failure report is about, and which of our messages failed."""
    if not parsed.is_bounce:
        return None
    ids = set()
    for attachment in parsed.attachments or ():
        if (attachment.content_type or "").lower() in _DSN_PARTS:
            text = attachment.data.decode("utf-8", "replace") if isinstance(
                attachment.data, bytes) else str(attachment.data)
            ids.update(_ORIGINAL_ID.findall(text))
    ids.update(_ORIGINAL_ID.findall(parsed.full_text or ""))
    ids.update(parsed.references or ())
    if parsed.in_reply_to:
        ids.add(parsed.in_reply_to)
    recipients = tuple(sorted({r.strip().lower() for r in parsed.bounced_recipients or ()
                               if r and "@" in r}))
    return Bounce(recipients=recipients, message_ids=tuple(sorted(ids)),
                  reason=(parsed.subject or "")[:200])
