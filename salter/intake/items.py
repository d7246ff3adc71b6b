"""What intake knows about a received item, whatever its channel.

Each channel's adapter (`salter.intake.adapters`) turns its raw bytes and transport
metadata into an `Item`; from there on, identifying the client, threading, routing,
opening or appending, acknowledging and setting aside are decided once for every channel
(`salter.intake.decide`).
"""

import datetime
from dataclasses import dataclass, field


class Unreadable(Exception):
    """The raw item cannot be turned into a message; it goes to quarantine with `reason`."""

    def __init__(self, reason):  # str, or a Deferred text (salter.lang.deferred)
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sender:
    """Who wrote or called: a contact point of any kind, or nobody known.

    `value` is normalised (an e-mail address in lower case, an E.164 number) and empty
    when the channel gave none or one that is not valid; `shown` is what the channel gave,
    kept for staff (an alphanumeric SMS sender id, a withheld number)."""

    kind: str = ""  # a ContactPoint.Kind, "" when there is no contact point
    value: str = ""
    name: str = ""
    shown: str = ""
    # False for senders one must never answer although they have an address (an
    # alphanumeric SMS sender id, a no-reply address).
    answerable: bool = True

    @property
    def domain(self) -> str:
        return self.value.rpartition("@")[2] if "@" in self.value else ""

    @property
    def known(self) -> bool:
        return bool(self.kind and self.value)

    def as_data(self) -> dict:
        return {"kind": self.kind, "value": self.value, "name": self.name}


NOBODY = Sender()


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class DeliveryReport:
    """A report about messages Šalter sent (an e-mail bounce, an SMS delivery report):
    which recipients, which of our messages by their external ids, what happened."""

    state: str  # an OutboundMessage.State
    recipients: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()  # without <>
    reason: str = ""


@dataclass(frozen=True)
class Item:
    """A received message in neutral terms: the one input of the decide step."""

    sender: Sender
    subject: str = ""
    text: str = ""  # what the client wrote now, without quoted history and signature
    full_text: str = ""
    language: str = ""
    attachments: tuple[Attachment, ...] = ()
    # The channel's id of this message (Message-ID without <>, a gateway's id): copies of
    # one message share it.
    external_id: str = ""
    # Ids of earlier messages (ours or theirs) this one answers, without <>.
    replies_to: tuple[str, ...] = ()
    # Where registry numbers and tracking codes are looked for: an e-mail's subject, a
    # text message's whole text.
    marks_text: str = ""
    # A client with exactly one open case that changed within this time continues it (a
    # text message that says nothing of its case); None: never by recency alone.
    recent_case_window: datetime.timedelta | None = None
    sent_at: datetime.datetime | None = None
    automatic: object = ""  # why no person wrote it (a Deferred text), "" if a person did
    report: DeliveryReport | None = None
    # A municipal address that forwarded the client's message to intake.
    forwarded_by: Sender | None = None
    # Where the matter is (settlement, street), when the channel gives it; routing reads it.
    location: str = ""
    # The channel's own facts, JSON-able; stored on the message as its metadata.
    facts: dict = field(default_factory=dict)
