"""The outbox's periodic work (`salter.schedule`)."""

import datetime

from salter.schedule.registry import periodic


@periodic("outbox.send-due", every=datetime.timedelta(seconds=10))
def send_due_messages(context) -> dict:
    """Send the outbox messages whose retry time has come, or whose task went missing."""
    from salter.channels.outbox import send_due

    return send_due(context.now)
