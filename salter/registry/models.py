from django.db import models

from salter.tenancy.models import Municipality


class RegistryCounter(models.Model):
    """Last registry sequence number issued in a municipality in a year."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"],
                                    name="registry_counter_unique"),
        ]
