"""The clients' periodic work (`salter.schedule`)."""

import datetime

from salter.schedule.registry import periodic


@periodic("clients.anonymise", every=datetime.timedelta(hours=1))
def anonymise_expired_clients(context) -> int | None:
    """Anonymise the clients whose retention period has passed; `run_if_due` keeps it to
    once a day, whichever hour's slot takes it."""
    from salter.clients.retention import run_if_due

    return run_if_due(context.now)
