"""Processing texts in batches when they come fast.

Kannel calls Šalter once per text, so each MO would be a batch of one, and a batch's
fixed cost (the municipality's rules, endpoints and calendar, one transaction) would be
paid for every text. Each MO's task therefore takes, with its own text, the texts of
the same municipality that are still waiting (up to intake's batch size, oldest first):
under load the first task settles many and the tasks of the others find them settled;
alone, a text is settled at once. Claims inside `process_batch` keep two workers taking
overlapping sets from settling a text twice.
"""

from django_tasks import task

from salter.cases.models import Channel
from salter.channels.models import InboundMessage
from salter.intake.pipeline import BATCH_SIZE, process_batch


@task()
def process_texts(inbound_id: int) -> dict[str, int]:
    row = (InboundMessage.objects.filter(pk=inbound_id)
           .values_list("state", "municipality_id").first())
    if row is None or row[0] != InboundMessage.State.RECEIVED:
        return {"settled before": 1}
    waiting = list(InboundMessage.objects.filter(
        municipality_id=row[1], channel=Channel.SMS, state=InboundMessage.State.RECEIVED)
        .exclude(pk=inbound_id).order_by("received_at", "pk")
        .values_list("pk", flat=True)[:BATCH_SIZE - 1])
    outcomes: dict[str, int] = {}
    for outcome in process_batch([inbound_id, *waiting]).values():
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
