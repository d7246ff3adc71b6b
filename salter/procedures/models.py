"""Case types of a municipality: what a case is about, who handles it, how it is numbered."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Department, Municipality


class CaseType(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="case_types")
    name = models.CharField(_("name"), max_length=200)
    classification = models.CharField(
        _("classification mark"), max_length=20,
        help_text=_("Klasifikaciona oznaka used in registry numbers, e.g. 351."))
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                   verbose_name=_("default department"))
    resolution_days = models.PositiveSmallIntegerField(
        _("days to resolve"), null=True, blank=True,
        help_text=_("Deadline in working days; empty for none."))
    keywords = models.TextField(
        _("keywords"), blank=True,
        help_text=_("One per line; incoming messages containing one are given this type."))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="case_type_unique_name"),
        ]
        verbose_name = _("case type")
        verbose_name_plural = _("case types")

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """How an incoming message is classified and routed; the first matching rule wins."""

    class Match(models.TextChoices):
        SENDER_DOMAIN = "sender_domain", _("Sender's domain is")
        KEYWORD = "keyword", _("Subject or text contains")
        # Kept as "mailbox" in stored rules; matches any endpoint (an e-mail address, an SMS
        # number), by its address or id.
        MAILBOX = "mailbox", _("Arrived at endpoint")
        BUSINESS_SENDER = "business_sender", _("Sender is a business")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="routing_rules")
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    match = models.CharField(_("match"), max_length=20, choices=Match.choices)
    value = models.CharField(_("value"), max_length=200, blank=True)
    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, null=True, blank=True,
                                  verbose_name=_("case type"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True,
                                   verbose_name=_("department"))
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["municipality", "order", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.get_match_display()} {self.value}"
