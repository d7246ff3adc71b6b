from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsConfig(AppConfig):
    """Requests from a case to departments and outside bodies for their response."""

    name = "salter.requests"
    label = "requests"
    verbose_name = _("Requests to departments")
