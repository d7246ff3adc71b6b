"""The contract every channel fulfils, and the registry that finds a channel's adapter.

A channel lives in its own package (`salter/channels/<name>/`) and joins Šalter with one
line in `ADAPTERS`. Its adapter does what only that channel knows: it turns a stored raw
item into a neutral `salter.intake.items.Item` (intake decides the rest the same way for
every channel), and it hands an outbound message to its transport. Intake and the outbox
look adapters up here by channel and import no channel themselves.
"""

from functools import cache

from django.utils.module_loading import import_string

# Channel (cases.models.Channel value) → dotted path of its adapter class.
ADAPTERS = {
    "email": "salter.channels.email.adapter.EmailAdapter",
    "sms": "salter.channels.sms.adapter.SmsAdapter",
}


class TemporaryFailure(Exception):
    """The receiving side may accept the message later (4xx, connection trouble).

    `reason` is what staff read (a Deferred text, in their language); the exception's own
    text is the technical detail for the log."""

    def __init__(self, detail: str, reason=None):
        super().__init__(detail)
        self.reason = reason


class PermanentFailure(TemporaryFailure):
    """The receiving side will never accept this message (5xx, an invalid recipient)."""


class Adapter:
    """One channel's half of intake and of the outbox. Subclasses set `channel` and
    implement what their channel can do."""

    channel: str = ""
    # The acknowledgement's wording (templates/intake/acknowledgements/<variant>.txt):
    # a letter for e-mail, two lines for a text message.
    acknowledgement = "email"
    # Tasks (dotted paths) this channel queues to settle its stored items, besides
    # intake's own: while one waits, housekeeping leaves the backlog it carries alone.
    processing_tasks: tuple[str, ...] = ()

    def interpret(self, inbound, raw: bytes, context):
        """The neutral `Item` for a stored raw item; raises `Unreadable` with the reason
        when it cannot be read. `context` is the municipality's `intake.context.Context`."""
        raise NotImplementedError

    @property
    def can_send(self) -> bool:
        return type(self).send is not Adapter.send

    def send(self, message) -> str:
        """Hand one OutboundMessage to the transport; returns the transport's id of it
        ("" if it gives none). Raises TemporaryFailure or PermanentFailure."""
        raise NotImplementedError

    def recipient(self, value: str) -> str:
        """The recipient in the channel's normal form; raises ValidationError."""
        return value

    def new_external_id(self) -> str:
        """Our id of a message before it is sent ("" when the transport assigns it)."""
        return ""


@cache
def adapter_for(channel: str) -> Adapter | None:
    """The channel's adapter, or None for a channel Šalter does not speak yet."""
    path = ADAPTERS.get(channel)
    return import_string(path)() if path else None


def processing_tasks() -> list:
    """The tasks the channels queue to settle stored items besides intake's own."""
    return [import_string(path) for channel in ADAPTERS
            for path in adapter_for(channel).processing_tasks]
