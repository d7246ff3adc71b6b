from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScheduleConfig(AppConfig):
    name = "salter.schedule"
    verbose_name = _("Scheduled work")

    def ready(self):
        # Each app declares its periodic jobs in its own `jobs` module.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
