from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """`salter demo`: the pilot municipalities with staff, clients and cases to try."""

    name = "salter.demo"
    verbose_name = _("Demo data")
