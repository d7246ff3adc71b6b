"""Sealing new access records into their municipality's hash chain.

A request only inserts its records (`salter.audit.log.write`). Here, in one transaction
per municipality and batch, the chain's head is locked, each new record in the order
they were written gets the next place (`seq`), the previous link and its own link
(`digest`), the clients it names are indexed (`AccessSubject`) and the head moves on.
The worker seals every few seconds; `salter audit verify` seals what is pending first.
"""

from django.db import transaction

from salter.audit.log import digest
from salter.audit.models import AccessRecord, AccessSubject, ChainHead

BATCH = 2000


def _head(municipality_id: int) -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(municipality_id=municipality_id).first()
    if head is None:
        ChainHead.objects.get_or_create(municipality_id=municipality_id)
        head = ChainHead.objects.select_for_update().get(municipality_id=municipality_id)
    return head


def pending_municipalities() -> list[int]:
    return list(AccessRecord.objects.filter(seq__isnull=True).order_by()
                .values_list("municipality_id", flat=True).distinct())


@transaction.atomic
def _seal_batch(municipality_id: int) -> int:
    head = _head(municipality_id)
    rows = list(AccessRecord.objects.filter(municipality_id=municipality_id, seq__isnull=True)
                .order_by("id")[:BATCH])
    seq, prev = head.seq, head.hash
    for row in rows:
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.hash = prev = digest(row)
    # The one update the log takes: a record's place in the chain, once.
    AccessRecord._base_manager.bulk_update(rows, ["seq", "prev_hash", "hash"])
    AccessSubject.objects.bulk_create(
        AccessSubject(municipality_id=municipality_id, record=row, client_id=client_id)
        for row in rows for client_id in row.subjects)
    ChainHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    return len(rows)


def seal(municipality_id: int | None = None) -> int:
    """Seal every pending record (of one municipality, or of all); how many."""
    sealed = 0
    for m in [municipality_id] if municipality_id else pending_municipalities():
        while True:
            done = _seal_batch(m)
            sealed += done
            if done < BATCH:
                break
    return sealed
