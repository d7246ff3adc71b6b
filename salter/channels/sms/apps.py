from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    """The SMS channel: Kannel's MO and delivery-report callbacks, sending through its
    sendsms interface, and each municipality's SMS settings."""

    name = "salter.channels.sms"
    label = "sms"
    verbose_name = _("SMS")
