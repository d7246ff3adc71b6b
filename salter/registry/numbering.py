"""Registry numbers per the Uredba o kancelarijskom poslovanju.

The sequence restarts each year and has no gaps: the counter is incremented inside the
transaction that creates the case, so a rolled-back creation gives its number back. The
increment is a single UPDATE, which takes a row lock on PostgreSQL and the database write
lock on SQLite (IMMEDIATE transactions): concurrent creations queue, never collide.
"""

import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from salter.registry.models import RegistryCounter

PLACEHOLDERS = {"unit", "class", "seq", "year"}


def next_sequence(municipality, year: int) -> int:
    """Take the next number; must run inside the caller's transaction."""
    return reserve_sequences(municipality, year, 1)[0]


def format_registry_number(pattern: str, *, unit: str, classification: str, seq: int,
                           year: int) -> str:
    parts = {"unit": unit, "class": classification, "seq": seq, "year": year}
    number = pattern.format_map(parts)
    # Empty marks would leave doubled or dangling dashes: "I--12/2026".
    while "--" in number:
        number = number.replace("--", "-")
    return number.strip("-").replace("-/", "/")


def validate_pattern(pattern: str) -> None:
    fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    unknown = fields - PLACEHOLDERS
    if unknown or "seq" not in fields or "year" not in fields:
        raise ValidationError(
            _("Use {seq} and {year}, and optionally {unit} and {class}, in the pattern."),
            code="invalid",
        )


def document_number(registry_number: str, sub: int) -> str:
    """Sub-number of a later document in the same case: IV-03-351-127/2026-2."""
    return f"{registry_number}-{sub}"


def reserve_sequences(municipality, year: int, count: int) -> range:
    """Take the next `count` numbers at once; must run inside the caller's transaction.

    One UPDATE for a whole intake batch instead of one per case; the numbers stay
    gap-free because a rollback gives them all back together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("registry numbers are issued only inside a transaction")
    if count <= 0:
        return range(0)
    RegistryCounter.objects.bulk_create(
        [RegistryCounter(municipality=municipality, year=year, last=0)], ignore_conflicts=True
    )
    counter = RegistryCounter.objects.filter(municipality=municipality, year=year)
    counter.update(last=F("last") + count)
    last = counter.values_list("last", flat=True).get()
    return range(last - count + 1, last + 1)
