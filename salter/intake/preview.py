"""A preview of an inbound message that is safe to show whatever the bytes are: text only
(never rendered HTML), no control characters, bounded length. Templates escape it."""

import re

from salter.channels.models import InboundMessage
from salter.documents.storage import read_blob

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
PREVIEW_CHARS = 3000


def safe_preview(inbound: InboundMessage, limit: int = PREVIEW_CHARS) -> str:
    """The message's new text when it was parsed, else the beginning of its raw bytes."""
    text = inbound.body_text
    if not text:
        try:
            raw = read_blob(inbound.raw)[: limit * 4]
        except OSError:
            return ""
        text = raw.decode("utf-8", "replace")
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    return text[:limit] + ("…" if len(text) > limit else "")
