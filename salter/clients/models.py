"""Clients of a municipality: citizens and businesses, and how to reach them."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from salter.lang.transliteration import fold
from salter.tenancy.models import Language, Municipality


class ClientQuerySet(models.QuerySet):
    def of(self, municipality):
        return self.filter(municipality=municipality)

    def current(self):
        """Clients that have not been merged into another."""
        return self.filter(merged_into__isnull=True)


class Client(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        BUSINESS = "business", _("Business")

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT,
                                     related_name="clients", db_index=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    business_name = models.CharField(_("business name"), max_length=200, blank=True)
    jmbg = models.CharField(_("JMBG"), max_length=13, blank=True)
    pib = models.CharField(_("PIB"), max_length=9, blank=True)
    mb = models.CharField(_("MB"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    language = models.CharField(_("language of correspondence"), max_length=10,
                                choices=Language.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Folded name, identifiers and contact points: what search matches against.
    search_text = models.TextField(editable=False, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_from")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the retention period had passed and the client's personal data was replaced
    # (`salter.clients.retention`); the row stays for the statistics.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "business_name"]
        indexes = [
            models.Index(fields=["municipality", "jmbg"]),
            models.Index(fields=["municipality", "pib"]),
            models.Index(fields=["municipality", "mb"]),
            models.Index(fields=["municipality", "last_name"]),
            # The staff list of current clients by name, keyset pages (`BY_NAME` of
            # `salter.workspace.views.clients`).
            models.Index(fields=["municipality", "last_name", "first_name", "business_name",
                                 "id"], name="client_by_name",
                         condition=models.Q(merged_into__isnull=True)),
        ]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.anonymised_at is not None:
            return gettext("Anonymised client %(number)s") % {"number": self.pk}
        if self.kind == self.Kind.BUSINESS:
            return self.business_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_business(self) -> bool:
        return self.kind == self.Kind.BUSINESS

    def compute_search_text(self, contact_values=()) -> str:
        parts = [self.display_name, self.jmbg, self.pib, self.mb, self.address, self.place,
                 *contact_values]
        return fold(" ".join(p for p in parts if p))


class ContactPoint(models.Model):
    """An e-mail address, telephone number or postal address of exactly one client."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Telephone")
        POSTAL = "postal", _("Postal address")

    # Indexed by the unique constraint below, which leads with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_points")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)  # normalised: lower-case e-mail, E.164 phone
    label = models.CharField(_("label"), max_length=50, blank=True)
    is_failing = models.BooleanField(_("failing"), default=False,
                                     help_text=_("Messages to it bounced."))
    failing_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "value"],
                                    name="contact_point_one_client"),
        ]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")

    def __str__(self) -> str:
        return self.value


class ContactPerson(models.Model):
    """Someone who speaks for a business client."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_persons")
    name = models.CharField(_("name"), max_length=200)
    function = models.CharField(_("function"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return self.name


class ClientMerge(models.Model):
    """Record of two clients merged into one; the source stays, pointing at the target."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT)
    source = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="merges")
    actor = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True)
    at = models.DateTimeField(auto_now_add=True)
    moved = models.JSONField(default=dict)  # what moved: case ids, contact points, …

    class Meta:
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")


class ClientRevision(models.Model):
    """One correction of a client's data: each changed field with its value before and
    after, who made it and why. The client page shows them; a data subject's export
    includes them (the right to rectification leaves a trace)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="revisions")
    actor = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True,
                              related_name="+")
    actor_label = models.CharField(max_length=100, blank=True)  # e.g. "retention"
    at = models.DateTimeField(auto_now_add=True)
    # {"address": ["Old street 1", "New street 2"], "contact:email": [null, "a@b.rs"]}
    changes = models.JSONField(default=dict)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "client", "at"])]
        verbose_name = _("client correction")
        verbose_name_plural = _("client corrections")


class Consent(models.Model):
    """One statement of a client about being contacted: on a channel, for a purpose,
    given or withdrawn, when and how (a form signed at the counter, "STOP" by SMS, a box
    ticked on the portal). Rows are only added; the latest for a channel and purpose is
    what holds (`salter.clients.consent`)."""

    class Purpose(models.TextChoices):
        ALL = "all", _("Every notification")
        CASE_UPDATES = "case_updates", _("News about their cases")
        ACKNOWLEDGEMENTS = "acknowledgements", _("Acknowledgements of receipt")
        REMINDERS = "reminders", _("Reminders and deadlines")
        INFORMATION = "information", _("Information from the municipality")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    # A channel as cases name them (email, sms, phone, post, portal, …); not a choice
    # list here, so that a new channel needs no migration of consents.
    channel = models.CharField(_("channel"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices,
                               default=Purpose.ALL)
    given = models.BooleanField(_("given"))
    at = models.DateTimeField(_("when"))
    how = models.CharField(_("how"), max_length=300, blank=True)
    # Where the statement came from: the counter, a message (then its id, by number to
    # keep clients free of channels), the portal.
    source = models.CharField(_("source"), max_length=20, blank=True)
    inbound_message_id = models.BigIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    recorded_label = models.CharField(max_length=100, blank=True)  # e.g. "intake:sms"

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["municipality", "client", "channel", "at"])]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")


class Anonymisation(models.Model):
    """That a client's personal data was replaced after the retention period: when, by
    what (the scheduled job, a command, an administrator) and how much changed."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    client = models.OneToOneField(Client, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150)
    last_activity = models.DateTimeField()
    changed = models.JSONField(default=dict)  # {"cases": 3, "messages": 5, …}

    class Meta:
        indexes = [models.Index(fields=["municipality", "at"])]


class RetentionRun(models.Model):
    """One run of the scheduled anonymisation (`salter.clients.retention`): the worker
    starts the next one a day after the last."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    anonymised = models.PositiveIntegerField(default=0)
