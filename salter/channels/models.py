"""Messages in and out, over every channel. Inbound items are stored raw before anything
else happens to them; outbound ones go through one durable outbox."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.cases.models import Channel
from salter.lang.deferred import Deferred
from salter.lang.fields import FoldedTextField
from salter.tenancy.models import Municipality


class Endpoint(models.Model):
    """Where the municipality is reached on a channel: an e-mail address, an SMS number, a
    PBX line, a scanner folder, the portal. Intake records the endpoint every item came in
    on, routing can send an endpoint's items to its department, and answers go out from
    the endpoint the client used."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="endpoints")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The channel's own spelling: an e-mail address (lower case), an E.164 number or a
    # short code, a line or folder name.
    address = models.CharField(_("address"), max_length=254)
    label = models.CharField(_("label"), max_length=200, blank=True)
    department = models.ForeignKey("tenancy.Department", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="endpoints",
                                   verbose_name=_("department"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["municipality", "channel", "address"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "channel", "address"],
                                    name="endpoint_unique"),
        ]
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")

    def __str__(self) -> str:
        return self.label or self.address


class Mailbox(models.Model):
    """How Šalter reads an e-mail endpoint over IMAP."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="mailboxes")
    endpoint = models.OneToOneField(Endpoint, on_delete=models.CASCADE,
                                    related_name="mailbox")
    imap_host = models.CharField(max_length=200)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True)
    imap_username = models.CharField(max_length=200)
    imap_password = models.CharField(max_length=200)
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(
        max_length=200, default="Salter/Processed",
        help_text=_("Handled mail is moved here; empty to only mark it as seen."))
    use_idle = models.BooleanField(default=True)
    poll_seconds = models.PositiveIntegerField(default=60)
    is_active = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return self.endpoint.address

    @property
    def department(self):
        return self.endpoint.department


class InboundMessage(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        DUPLICATE = "duplicate", _("Duplicate")
        IGNORED = "ignored", _("Ignored (automatic message)")
        REVIEW = "review", _("Needs review")
        QUARANTINED = "quarantined", _("Quarantined")

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # What makes a redelivery recognisable: for e-mail the Message-ID and the digest.
    idempotency_key = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    raw = models.ForeignKey("documents.Blob", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=100, blank=True)  # mailbox, SMTP, file, gateway
    received_at = models.DateTimeField(default=timezone.now)
    # When the client sent it, by the channel's own account (the Date header, the SMSC's
    # time stamp); null when the channel does not say. Office hours and deadlines count
    # from here, not from when Šalter processed it.
    sent_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVED)
    # Why it was set aside, as the settling process wrote it (command line, logs), and
    # untranslated for staff to read in their own language (`reason_shown`).
    reason = models.TextField(blank=True)
    reason_data = models.JSONField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When processing was last handed to a task, and last started: a message still
    # RECEIVED long after both was lost by a dead worker and is queued again.
    queued_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # What processing did: created, appended, duplicate, ignored, review, quarantined.
    outcome = models.CharField(max_length=20, blank=True)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="inbound_messages")
    # The channel's id of the message (an e-mail's Message-ID without <>, a gateway's
    # message id): copies of one message share it.
    external_id = models.CharField(max_length=255, blank=True)
    # What the channel's adapter found that only that channel has (e-mail: References,
    # the forwarder; SMS: coding, SMSC), as structured data.
    metadata = models.JSONField(default=dict, blank=True)
    # The normalised contact point of who wrote (an e-mail address, an E.164 number), or
    # as the channel gave it when it is not one (an alphanumeric SMS sender id).
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    # Folded subject and text, what search matches (`salter.search`, decision 17).
    search_text = FoldedTextField(sources=("subject", "body_text"))
    language = models.CharField(max_length=10, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="inbound_messages")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="inbound_messages")
    # A reply to a case its sender is not a party of waits here for staff to decide.
    review_case = models.ForeignKey("cases.Case", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "channel", "idempotency_key"],
                                    name="inbound_idempotent"),
        ]
        indexes = [
            models.Index(fields=["municipality", "state", "received_at"]),
            models.Index(fields=["municipality", "client"]),
            models.Index(fields=["municipality", "case"]),
            models.Index(fields=["municipality", "external_id"]),
            models.Index(fields=["state", "last_attempt_at"]),
        ]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language, where it was stored untranslated."""
        if self.reason_data:
            return str(Deferred.from_data(self.reason_data))
        return self.reason


class OutboundMessage(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Deferred")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        # Delivery reports (SMS): held by the network for a phone that is off, and
        # delivered to the phone.
        BUFFERED = "buffered", _("Buffered by the network")
        DELIVERED = "delivered", _("Delivered")

    class Purpose(models.TextChoices):
        ACKNOWLEDGEMENT = "ack", _("Acknowledgement")
        REPLY = "reply", _("Reply")
        NOTICE = "notice", _("Notice")
        REQUEST = "request", _("Request to a department")

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    inbound = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="responses")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.REPLY)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="outbound_messages")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="outbound_messages")
    # The endpoint it goes out from: the one the client wrote to, else the municipality's.
    endpoint = models.ForeignKey(Endpoint, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="outbound_messages")
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    # Our id of the message on its channel (an e-mail's <Message-ID>, the gateway's id):
    # replies and delivery reports find it by this, within the municipality (index below).
    external_id = models.CharField(max_length=255, blank=True)
    # Channel specifics, e.g. e-mail {"in_reply_to": "<…>", "references": "<…> <…>"}.
    metadata = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The last failure as the sending process wrote it (logs, operators), and untranslated
    # for staff to read in their own language (`error_shown`).
    last_error = models.TextField(blank=True)
    error_data = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["municipality", "client"]),
            models.Index(fields=["municipality", "case"]),
            # A bounce names its recipient; the latest message to it is the bounced one.
            models.Index(fields=["municipality", "recipient", "created_at"]),
            # A delivery report or a bounce names the message's id; a reply quotes it.
            models.Index(fields=["municipality", "external_id"]),
        ]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    @property
    def in_reply_to(self) -> str:
        return self.metadata.get("in_reply_to", "")

    @property
    def references(self) -> str:
        return self.metadata.get("references", "")

    @property
    def error_shown(self) -> str:
        """The last failure in the reader's language, where it was stored untranslated."""
        if self.error_data:
            return str(Deferred.from_data(self.error_data))
        return self.last_error
