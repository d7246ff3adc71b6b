"""Checking a municipality's chain: every sealed row's link recomputed from its content
and the link before it, places without gaps, and the chain's head matching its last row.
Records not sealed yet (the worker seals every few seconds) are counted apart."""

from dataclasses import dataclass

from salter.audit.log import GENESIS, digest
from salter.audit.models import AccessRecord, AccessSubject, ChainHead

_CHUNK = 2000


@dataclass(frozen=True)
class Break:
    seq: int
    record_id: int | None
    why: str


@dataclass(frozen=True)
class Verdict:
    municipality_id: int
    checked: int
    broken: Break | None
    pending: int = 0

    @property
    def ok(self) -> bool:
        return self.broken is None


def _subjects(ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for record_id, client_id in (AccessSubject.objects.filter(record_id__in=ids)
                                 .values_list("record_id", "client_id")):
        found.setdefault(record_id, []).append(client_id)
    return found


def verify_chain(municipality_id: int) -> Verdict:
    """The first broken link of the municipality's chain, or none."""
    expected_seq, prev, checked, last_id = 1, GENESIS, 0, 0
    rows = AccessRecord.objects.filter(municipality_id=municipality_id,
                                       seq__isnull=False).order_by("seq")
    while True:
        chunk = list(rows.filter(seq__gte=expected_seq)[:_CHUNK])
        if not chunk:
            break
        indexed = _subjects([r.pk for r in chunk])
        for row in chunk:
            if row.seq != expected_seq:
                return Verdict(municipality_id, checked, Break(
                    expected_seq, None, f"record #{expected_seq} is missing "
                    f"(the next one is #{row.seq})"))
            if row.prev_hash != prev:
                return Verdict(municipality_id, checked, Break(
                    row.seq, row.pk, "its link to the record before it does not match"))
            if digest(row) != row.hash:
                return Verdict(municipality_id, checked, Break(
                    row.seq, row.pk, "its content does not match its hash"))
            if sorted(indexed.get(row.pk, [])) != sorted(row.subjects):
                return Verdict(municipality_id, checked, Break(
                    row.seq, row.pk, "its data subjects do not match its hash"))
            prev, last_id, expected_seq = row.hash, row.pk, expected_seq + 1
            checked += 1
    head = ChainHead.objects.filter(municipality_id=municipality_id).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq > checked:
        return Verdict(municipality_id, checked, Break(
            checked + 1, None, f"records #{checked + 1} to #{head_seq} are missing "
            "from the end of the chain"))
    if head_seq < checked:
        return Verdict(municipality_id, checked, Break(
            head_seq + 1, None, f"records after #{head_seq} were added outside Šalter"))
    if head_hash != prev:
        return Verdict(municipality_id, checked, Break(
            checked, last_id or None, "the last record does not match the chain's head"))
    pending = AccessRecord.objects.filter(municipality_id=municipality_id,
                                          seq__isnull=True).count()
    return Verdict(municipality_id, checked, None, pending)
