"""A local mail sink for the demo: an SMTP server (aiosmtpd) that accepts every message and
keeps it as an .eml file, so that a new user sees Šalter's acknowledgements and replies
"arrive" without any mail leaving the machine (`salter serve --mail-sink`, the README's
first command). Staff read them on the sent-mail page (`channels.views.sent_mail`), which
exists only with DEBUG on. Never for production.
"""

import email
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings

# What the page reads back, newest first.
_PAGE = 200


def sink_dir() -> Path:
    return Path(settings.SALTER_MAIL_SINK_DIR)


class SinkHandler:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{hashlib.sha256(raw).hexdigest()[:12]}.eml"
        temporary = self.folder / f".{name}"
        temporary.write_bytes(raw)
        temporary.rename(self.folder / name)
        return "250 2.0.0 Kept in the demo mail sink"


def start_sink(host: str = "127.0.0.1", port: int = 0, folder: Path | None = None) -> Controller:
    """Start the sink in a thread; `controller.port` is where it listens (port 0: any
    free one)."""
    from salter.channels.email.devservices import free_port

    controller = Controller(SinkHandler(folder or sink_dir()), hostname=host,
                            port=port or free_port(), decode_data=False, enable_SMTPUTF8=True)
    controller.start()
    return controller


@dataclass(frozen=True)
class KeptMessage:
    name: str
    received_at: datetime
    message_id: str
    to: str
    subject: str
    text: str


def kept_messages(folder: Path | None = None, *, limit: int = _PAGE) -> list[KeptMessage]:
    """The messages in the sink, newest first."""
    folder = folder or sink_dir()
    if not folder.is_dir():
        return []
    kept = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        kept.append(KeptMessage(
            name=path.name,
            received_at=datetime.fromtimestamp(int(path.name.split("-")[0]) / 1e9, tz=UTC),
            message_id=str(message.get("Message-ID", "")).strip(),
            to=str(message.get("To", "")), subject=str(message.get("Subject", "")),
            text=body.get_content() if body is not None else ""))
    return kept
