"""What the pipeline needs to know about an inbound message, whatever its channel.

Each channel's adapter turns its raw item into an `Incoming`; from there on, identifying
the client, threading, routing, opening or appending and acknowledging are the same for
e-mail, SMS, voicemail or the portal.
"""

from dataclasses import dataclass, field


class Unreadable(Exception):
    """The raw item cannot be turned into a message; it goes to quarantine with `reason`."""

    def __init__(self, reason):  # str, or a Deferred text (salter.lang.deferred)
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report about a message we sent."""

    recipients: tuple[str, ...]
    message_ids: tuple[str, ...]  # Message-IDs of our failed messages, without <>
    reason: str


@dataclass(frozen=True)
class Incoming:
    sender: str  # normalised contact value; "" when missing or not valid
    sender_kind: str  # a ContactPoint.Kind
    sender_name: str = ""
    subject: str = ""
    text: str = ""  # what the client wrote now, without quoted history and signature
    full_text: str = ""
    attachments: tuple = ()  # objects with filename, content_type and data
    message_id: str = ""  # without <>
    references: tuple[str, ...] = ()  # earlier messages this one answers, without <>
    automatic: object = ""  # why no person wrote it (a Deferred text), "" if a person did
    bounce: Bounce | None = None
    language: str = ""
    sender_domain: str = field(default="", init=False)

    def __post_init__(self):
        domain = self.sender.rpartition("@")[2] if "@" in self.sender else ""
        object.__setattr__(self, "sender_domain", domain)
