from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _calendar_changed(sender, instance, **kwargs):
    from salter.procedures.calendar import forget_calendar

    forget_calendar(instance.municipality_id)


class ProceduresConfig(AppConfig):
    name = "salter.procedures"
    verbose_name = _("Procedures and case types")

    def ready(self):
        # Office hours and calendar days written outside the actions (data loads, tests)
        # must not leave this process answering from the calendar it had cached.
        from salter.procedures.models import CalendarDay
        from salter.tenancy.models import WorkingHours

        for model in (WorkingHours, CalendarDay):
            post_save.connect(_calendar_changed, sender=model,
                              dispatch_uid=f"calendar-{model.__name__}-saved")
            post_delete.connect(_calendar_changed, sender=model,
                                dispatch_uid=f"calendar-{model.__name__}-deleted")
