"""The access log (decision 15): one row per access to personal data, chained by hash
per municipality so that a changed, removed or inserted row shows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Membership, Municipality


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    LIST = "list", _("Listed")
    EXPORT = "export", _("Exported")
    CHANGE = "change", _("Changed")


class Target(models.TextChoices):
    CLIENT = "client", _("Client")
    CASE = "case", _("Case")
    MESSAGE = "message", _("Message")
    DOCUMENT = "document", _("Document")
    ACCESS_LOG = "access_log", _("Access log")


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the access log is append-only")

    def delete(self):
        raise TypeError("the access log is append-only")


class AccessRecord(models.Model):
    """Who (a membership, the municipality in it) did what to which record, when, from
    which address and why. Written only by `salter.audit.log`; never changed."""

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False,
                                     related_name="+")
    # Place in the municipality's chain, from 1; empty until the record is sealed into it.
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150)  # the username then, kept if renamed
    action = models.CharField(max_length=10, choices=Action.choices)
    target = models.CharField(max_length=20, choices=Target.choices)
    target_id = models.BigIntegerField(null=True, blank=True)
    # The search as typed, what an export held, the kind of change.
    detail = models.CharField(max_length=300, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)  # results a search showed
    reason = models.CharField(max_length=500, blank=True)
    address = models.CharField(max_length=45, blank=True)
    path = models.CharField(max_length=300, blank=True)
    # Client ids whose data it touched, also in AccessSubject for looking them up.
    subjects = models.JSONField(default=list)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "seq"], name="access_record_seq"),
        ]
        indexes = [
            models.Index(fields=["municipality", "at"]),
            # The log page, newest first, a page after another by keyset.
            models.Index(fields=["municipality", "-id"], name="access_record_newest"),
            models.Index(fields=["municipality", "actor", "at"]),
            # What the sealer looks for: the records not in a chain yet.
            models.Index(fields=["municipality", "id"], name="access_record_unsealed",
                         condition=models.Q(seq__isnull=True)),
        ]
        verbose_name = _("access record")
        verbose_name_plural = _("access records")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the access log is append-only")


class AccessSubject(models.Model):
    """A client whose data one access touched: what "who saw my data" is read from."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False,
                                     related_name="+")
    record = models.ForeignKey(AccessRecord, on_delete=models.PROTECT,
                               related_name="subject_rows")  # written when it is sealed
    client_id = models.BigIntegerField()

    objects = AppendOnly.as_manager()

    class Meta:
        indexes = [models.Index(fields=["municipality", "client_id", "record"])]


class ChainHead(models.Model):
    """The last link of a municipality's chain: writers lock it to take the next place,
    and the verifier compares it with the last row (a removed tail shows)."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT,
                                        related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
