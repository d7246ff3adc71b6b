"""Whose data a record holds: the client ids an access names as its subjects."""

from salter.cases.models import CaseParty


def of_case(case) -> list[int]:
    """`case`: a Case or its id. A case whose parties were read with it (a prefetch of
    "parties") names them without another query."""
    read = getattr(case, "_prefetched_objects_cache", {}).get("parties")
    if read is not None:
        return [party.client_id for party in sorted(read, key=lambda party: party.pk)]
    return list(CaseParty.objects.filter(case=case).values_list("client_id", flat=True))


def of_cases(cases) -> list[int]:
    ids = [c.pk for c in cases]
    if not ids:
        return []
    return list(CaseParty.objects.filter(case_id__in=ids)
                .values_list("client_id", flat=True).distinct())
