"""Requests from a case to a department or an outside body (a JKP, a public company) for
its response: the question, its own deadline, and the answer when it comes — given in
Šalter by the department's staff, by e-mail through intake, or through a link that needs
no login."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Department, Language, Municipality

# The alphabet of tracking codes: no 0/O, 1/I/L to mix up when read out.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "Z-"
REFERENCE_LENGTH = 8


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(_REFERENCE_ALPHABET)
                                      for _ in range(REFERENCE_LENGTH))


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


class RequestQuerySet(models.QuerySet):
    def open_on(self, case):
        return self.filter(municipality_id=case.municipality_id, case=case,
                           state=DepartmentRequest.State.OPEN)


class DepartmentRequest(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Awaiting the response")
        ANSWERED = "answered", _("Answered")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Way(models.TextChoices):
        WORKSPACE = "workspace", _("In Šalter")
        EMAIL = "email", _("By e-mail")
        LINK = "link", _("Through the link")
        RECORDED = "recorded", _("Recorded by staff")

    # Indexed by the composite indexes below, which lead with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, db_index=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT,
                             related_name="department_requests")
    department = models.ForeignKey(Department, on_delete=models.PROTECT,
                                   related_name="requests", verbose_name=_("asked"))
    # Named in the e-mail's subject: a reply that lost its headers still finds its way.
    reference = models.CharField(_("reference"), max_length=20, unique=True,
                                 default=new_reference, editable=False)
    question = models.TextField(_("question"))
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    deadline = models.OneToOneField("procedures.Deadline", on_delete=models.PROTECT,
                                    related_name="request")
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.OPEN)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    asked_at = models.DateTimeField(_("asked"))
    # The e-mail that carried the request, and its Message-ID without <> (replies name it).
    outbound = models.ForeignKey("channels.OutboundMessage", on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    answer = models.TextField(_("response"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    # Who answered when no staff member did: an e-mail address, the link.
    answered_by_label = models.CharField(max_length=254, blank=True)
    answered_way = models.CharField(max_length=10, choices=Way.choices, blank=True)
    answer_inbound = models.ForeignKey("channels.InboundMessage", on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+")
    # The link without login works while this is set; answering clears it.
    token_nonce = models.CharField(max_length=32, blank=True, default=new_nonce)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [
            models.Index(fields=["municipality", "case"]),
            models.Index(fields=["municipality", "department", "state"]),
            models.Index(fields=["municipality", "external_id"]),
        ]
        verbose_name = _("request to a department")
        verbose_name_plural = _("requests to departments")

    def __str__(self) -> str:
        return f"{self.reference} {self.department}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def by_email(self) -> bool:
        return bool(self.department.email)

    @property
    def answered_by_shown(self) -> str:
        user = self.answered_by
        if user is not None:
            return user.get_full_name() or user.get_username()
        return self.answered_by_label
