"""Intake's periodic work (`salter.schedule`)."""

import datetime

from salter.schedule.registry import periodic

STALE_AFTER_SECONDS = 300.0


@periodic("intake.requeue-stale", every=datetime.timedelta(seconds=10))
def requeue_stale_messages(context) -> dict:
    """Hand out again the messages a dead worker left unprocessed."""
    from salter.intake.pipeline import requeue_stale

    return requeue_stale(
        older_than_seconds=context.options.get("stale_after", STALE_AFTER_SECONDS))
