"""The SMS channel's periodic work (`salter.schedule`)."""

import datetime

from salter.schedule.registry import periodic


@periodic("sms.stale-parts", every=datetime.timedelta(seconds=60))
def settle_stale_parts(context) -> dict:
    """Put together the parts of long texts whose assembly was missed, and quarantine the
    sets whose last part never came."""
    from salter.channels.sms.accept import settle_stale_parts as settle

    return settle(context.now)
