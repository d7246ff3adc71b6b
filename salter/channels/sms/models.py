"""Each municipality's choices for its text messages. A municipality without a row uses
the defaults from the environment (`SALTER_SMS_*`, see `salter.settings`)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Municipality


class SmsSettings(models.Model):
    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE,
                                        related_name="sms_settings")
    # Cyrillic and č ć đ š ž make a message UCS-2 (70 characters instead of 160): a
    # municipality may send Latin without diacritics instead.
    plain_latin = models.BooleanField(
        _("send Latin without diacritics"), default=False,
        help_text=_("Serbian texts go out in Latin script without č, ć, đ, š, ž, so that a "
                    "message holds 160 characters instead of 70."))
    daily_limit = models.PositiveIntegerField(
        _("messages a day"), validators=[MinValueValidator(0), MaxValueValidator(1_000_000)],
        help_text=_("At most this many text messages are sent a day (Europe/Belgrade); 0 "
                    "for no limit."))
    # A number that texted more often than this within the hour gets no acknowledgement.
    hourly_acknowledged = models.PositiveIntegerField(
        _("texts an hour before acknowledgements stop"),
        validators=[MinValueValidator(1), MaxValueValidator(1000)])
    # A text that names no case continues the sender's only open case changed this
    # recently.
    recent_case_hours = models.PositiveIntegerField(
        _("hours a text continues an open case"),
        validators=[MinValueValidator(0), MaxValueValidator(24 * 90)])

    class Meta:
        verbose_name = _("SMS settings")
        verbose_name_plural = _("SMS settings")

    def __str__(self) -> str:
        return str(self.municipality)

    @classmethod
    def defaults(cls, municipality) -> "SmsSettings":
        return cls(municipality=municipality, plain_latin=settings.SALTER_SMS_PLAIN_LATIN,
                   daily_limit=settings.SALTER_SMS_DAILY_LIMIT,
                   hourly_acknowledged=settings.SALTER_SMS_ACK_HOURLY_LIMIT,
                   recent_case_hours=settings.SALTER_SMS_RECENT_CASE_HOURS)

    @classmethod
    def of(cls, municipality) -> "SmsSettings":
        """The municipality's settings, or the defaults when it has none stored."""
        return (cls.objects.filter(municipality=municipality).first()
                or cls.defaults(municipality))
