"""Recognising mail that no person wrote: auto-replies, bounces, mailing lists and our own
messages coming back. Such mail never opens a case and is never answered, or two robots
would answer each other for ever."""

import re

from django.conf import settings
from django.utils.translation import gettext_noop

from salter.intake.items import DeliveryReport
from salter.lang.deferred import Deferred

_MACHINE_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DSN_PARTS = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
              "message/delivery-status", "message/global-headers")
_ORIGINAL_ID = re.compile(r"^message-id:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


def lower_headers(parsed) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (parsed.headers or {}).items()}


def automatic_reason(parsed, *, own_addresses: frozenset[str],
                     forwarded: bool = False) -> Deferred | str:
    """Why this message was sent by a machine, or "" when a person wrote it. A citizen's
    message that one of the municipality's addresses forwarded (`forwarded`), even by a
    server rule, is the citizen's, not a loop."""
    headers = lower_headers(parsed)
    auto_submitted = headers.get("auto-submitted", "").strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    own_domain = getattr(settings, "SALTER_MAIL_DOMAIN", "")
    from_address = (parsed.from_address or "").lower()
    # Kept untranslated: staff read the reason in their own language.
    own_message = Deferred(gettext_noop("one of Šalter's own messages came back"))
    checks = (
        (parsed.is_bounce, Deferred(gettext_noop("delivery failure report (bounce)"))),
        (auto_submitted and auto_submitted != "no"
         and not (forwarded and auto_submitted == "auto-forwarded"),
         Deferred(gettext_noop("automatic message (Auto-Submitted: %s)"), (auto_submitted,))),
        (precedence in _MACHINE_PRECEDENCE,
         Deferred(gettext_noop("bulk or list mail (Precedence: %s)"), (precedence,))),
        (parsed.is_auto_reply, Deferred(gettext_noop("automatic reply"))),
        (parsed.is_list or "list-id" in headers, Deferred(gettext_noop("mailing list"))),
        (any(name.startswith("x-salter-") for name in headers), own_message),
        (own_domain and (parsed.message_id or "").lower().endswith("@" + own_domain.lower()),
         own_message),
        (from_address in own_addresses and not forwarded,
         Deferred(gettext_noop("sent from one of the municipality's own addresses"))),
    )
    return next((reason for matched, reason in checks if matched), "")


def bounce_of(parsed) -> DeliveryReport | None:
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
    return DeliveryReport(state="bounced", recipients=recipients,
                          external_ids=tuple(sorted(ids)), reason=(parsed.subject or "")[:200])
