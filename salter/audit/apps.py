"""The access log: who saw or changed which personal data, when, from where and why."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "salter.audit"
    verbose_name = _("Access log")
