import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from salter.cases.actions import create_case
from salter.cases.models import Case, Channel
from salter.registry.numbering import format_registry_number, validate_pattern


def test_pattern_formats_like_the_uredba():
    assert format_registry_number("{unit}-{class}-{seq}/{year}", unit="IV-03",
                                  classification="351", seq=127, year=2026) == "IV-03-351-127/2026"
    assert format_registry_number("{unit}-{class}-{seq}/{year}", unit="IV", classification="",
                                  seq=5, year=2026) == "IV-5/2026"


def test_pattern_must_hold_sequence_and_year():
    validate_pattern("{seq}/{year}")
    with pytest.raises(ValidationError):
        validate_pattern("{unit}-{seq}")
    with pytest.raises(ValidationError):
        validate_pattern("{seq}/{year}/{jmbg}")


@pytest.mark.django_db
def test_sequence_restarts_each_year(clerk):
    import datetime

    from django.utils import timezone

    last_year = timezone.make_aware(datetime.datetime(2025, 12, 31, 12))
    a = create_case(actor=clerk, subject="A", channel=Channel.PHONE, received_at=last_year)
    b = create_case(actor=clerk, subject="B", channel=Channel.PHONE)
    assert (a.year, a.sequence) == (2025, 1)
    assert b.sequence == 1 and b.year > 2025


@pytest.mark.django_db(transaction=True)
def test_parallel_creation_gives_no_gaps_and_no_duplicates(clerk, other_clerk):
    """Many workers opening cases at once, in two municipalities: each municipality's
    numbers are exactly 1..N."""
    per_thread, threads = 10, 8
    errors = []

    def work(actor):
        try:
            for i in range(per_thread):
                create_case(actor=actor, subject=f"Paralelno {i}", channel=Channel.EMAIL)
        except Exception as exc:  # surfaced below; a thread must not swallow it
            errors.append(exc)
        finally:
            connection.close()

    pool = [threading.Thread(target=work, args=(clerk if i % 2 else other_clerk,))
            for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()

    assert errors == []
    for actor in (clerk, other_clerk):
        numbers = sorted(Case.objects.filter(municipality=actor.municipality)
                         .values_list("sequence", flat=True))
        assert numbers == list(range(1, per_thread * threads // 2 + 1))
