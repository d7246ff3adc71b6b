"""The dashboards' periodic work: keep the daily figures of yesterday and today."""

import datetime

from salter.schedule.registry import periodic


@periodic("dashboards.daily-figures", every=datetime.timedelta(minutes=10))
def daily_figures(context) -> dict:
    """Rewrite yesterday's and today's figures of every active municipality (idempotent:
    a rerun writes the same rows)."""
    from salter.dashboards.figures import rebuild_days, recent_days

    return {"rows": rebuild_days(recent_days(context.now))}
