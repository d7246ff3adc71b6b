"""Processing texts in batches when they come fast.

Kannel calls Šalter once per text, so each MO would be a batch of one, and a batch's
fixed cost (the municipality's rules, endpoints and calendar, one transaction) would be
paid for every text. Each task therefore takes, with its own texts (those stored in one
shared commit, `intake.entry.accept_shared`), the texts of the same municipality that
are still waiting (up to intake's batch size, oldest first): under load the first task
settles many and the tasks of the others find them settled; alone, a text is settled at
once. Claims inside `process_batch` keep two workers taking overlapping sets from
settling a text twice.
"""

from django_tasks import task

from salter.cases.models import Channel
from salter.channels.models import InboundMessage
from salter.intake.pipeline import BATCH_SIZE, process_batch


@task()
def process_texts(inbound_id: int, *more_ids: int) -> dict[str, int]:
    """Settle the texts `inbound_id` and `more_ids` (of one municipality) that are still
    waiting, with the municipality's other waiting texts up to a batch."""
    given = [inbound_id, *more_ids]
    rows = list(InboundMessage.objects.filter(pk__in=given, state=InboundMessage.State.RECEIVED)
                .values_list("pk", "municipality_id"))
    if not rows:
        return {"settled before": len(given)}
    own = [pk for pk, _m in rows][:BATCH_SIZE]
    waiting = list(InboundMessage.objects.filter(
        municipality_id=rows[0][1], channel=Channel.SMS, state=InboundMessage.State.RECEIVED)
        .exclude(pk__in=own).order_by("received_at", "pk")
        .values_list("pk", flat=True)[:BATCH_SIZE - len(own)])
    outcomes: dict[str, int] = {}
    for outcome in process_batch([*own, *waiting]).values():
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
