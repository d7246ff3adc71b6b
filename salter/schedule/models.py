"""The last run of each periodic job: one row per job, claimed slot by slot."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """Where a periodic job stands: the slot it last ran for, and how that went.

    A worker runs a job only after moving `slot` forward in one conditional UPDATE
    (`schedule.registry.claim`), so two workers, or the same one twice, run each slot of a
    job once."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=100, unique=True)
    # The start of the period the last run was for (UTC).
    slot = models.DateTimeField(_("slot"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S} ({self.state})"
