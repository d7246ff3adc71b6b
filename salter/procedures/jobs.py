"""The deadlines' periodic work (`salter.schedule`): reminders, escalations, digests."""

import datetime

from salter.schedule.registry import periodic


@periodic("deadlines.reminders", every=datetime.timedelta(minutes=5))
def reminders(context) -> dict:
    """Remind owners of deadlines close at hand; tell the heads of deadlines passed."""
    from salter.procedures.reminders import remind_and_escalate

    return remind_and_escalate(now=context.now)


@periodic("deadlines.digests", every=datetime.timedelta(minutes=15))
def digests(context) -> dict:
    """Each officer's daily digest of their open cases, once a day."""
    from salter.procedures.reminders import send_digests

    return send_digests(now=context.now)
