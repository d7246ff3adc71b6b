"""A preview of an inbound message that is safe to show whatever the bytes are: text only
(never rendered HTML), no control characters, bounded length. Templates escape it."""

import re

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from salter.channels.models import InboundMessage
from salter.documents.storage import read_blob

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
PREVIEW_CHARS = 3000
_SNIFF_BYTES = 4096


def safe_preview(inbound: InboundMessage, limit: int = PREVIEW_CHARS) -> str:
    """The message's text as intake read it, else as the parser reads it now, else the
    beginning of its raw bytes (for mail the parser refuses)."""
    text = inbound.body_text or _parsed_text(inbound) or _raw_text(inbound, limit)
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    return text[:limit] + ("…" if len(text) > limit else "")


def _parsed_text(inbound: InboundMessage) -> str:
    """The text as the channel's adapter reads it now."""
    from salter.intake.context import load_context
    from salter.intake.pipeline import interpret

    try:
        item = interpret(inbound, load_context(inbound.municipality_id))
    except Exception:  # whatever the adapter makes of it, the raw bytes remain to show
        return ""
    return item.full_text or item.text


def _raw_text(inbound: InboundMessage, limit: int) -> str:
    try:
        raw = read_blob(inbound.raw)
    except OSError:
        return ""
    if b"\x00" in raw[:_SNIFF_BYTES]:  # an Outlook file, an image: not text at all
        return _("This message is a binary file of %(size)s bytes; it has no text to "
                 "show.") % {"size": number_format(len(raw), force_grouping=True)}
    return raw[: limit * 4].decode("utf-8", "replace")
