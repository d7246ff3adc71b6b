"""The admin timeline: every change a municipal administrator makes to the municipality's
set-up — staff, departments, procedures, routing rules, the calendar, endpoints, reply
templates — with who, when and each field before and after. Append-only, like the case
timeline."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Membership, Municipality


class Target(models.TextChoices):
    MEMBER = "member", _("Staff member")
    DEPARTMENT = "department", _("Department")
    PROCEDURE = "procedure", _("Procedure")
    ROUTING_RULE = "routing_rule", _("Routing rule")
    OFFICE_HOURS = "office_hours", _("Office hours")
    CALENDAR_DAY = "calendar_day", _("Calendar day")
    ENDPOINT = "endpoint", _("Channel endpoint")
    REPLY_TEMPLATE = "reply_template", _("Reply template")


class Verb(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")
    REMOVED = "removed", _("removed")
    INVITED = "invited", _("invited")
    DEACTIVATED = "deactivated", _("deactivated")
    REACTIVATED = "reactivated", _("reactivated")


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("the admin timeline is append-only")

    def delete(self):
        raise TypeError("the admin timeline is append-only")


class AdminChange(models.Model):
    # Indexed by the composite index below, which leads with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False,
                                     related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=150)  # the username then, or the command
    target = models.CharField(max_length=20, choices=Target.choices)
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=300)  # its name then
    verb = models.CharField(max_length=12, choices=Verb.choices)
    # {field: [before, after]}, plain JSON values; a created row has only afters.
    changes = models.JSONField(default=dict)

    objects = AppendOnly.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "-at"]),
            models.Index(fields=["municipality", "target", "target_id"]),
        ]
        verbose_name = _("administrative change")
        verbose_name_plural = _("administrative changes")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("the admin timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("the admin timeline is append-only")
