"""Daily figures: per municipality, local day, department, procedure and channel, how many
cases were received and resolved and how long the first responses and resolutions that
day took. The dashboards read these rows, never the cases themselves; `figures.rebuild_days`
(the periodic job `dashboards.daily-figures`, and `salter dashboards rebuild`) writes them,
a day at a time, so running it again gives the same rows."""

from django.db import models

from salter.tenancy.models import Municipality


class DailyFigures(models.Model):
    # Indexed by the composite index below, which leads with it.
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, db_index=False,
                                     related_name="+")
    day = models.DateField()  # in Europe/Belgrade
    department = models.ForeignKey("tenancy.Department", on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="+", db_index=False)
    case_type = models.ForeignKey("procedures.CaseType", on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="+", db_index=False)
    channel = models.CharField(max_length=20)
    received = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    # Minutes each first response (the first reply, met deadline) and each resolution that
    # day took since receipt: medians and the 90th percentile are exact over any period.
    response_minutes = models.JSONField(default=list)
    resolution_minutes = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["municipality", "day"])]
