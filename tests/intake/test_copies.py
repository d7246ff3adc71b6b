"""Copies: the same message (same Message-ID) reaching intake again. With the same text it
is a duplicate of the first; with a different text it is a message of its own, appended
to the same case and marked as a possible copy, never left invisible."""

import pytest

from salter.cases.models import Case, CaseEvent
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage, OutboundMessage
from salter.intake.pipeline import process_batch
from tests.channels.email.corpus import build_message

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind
State = InboundMessage.State


def test_same_message_id_with_another_text_is_appended_as_a_possible_copy(deliver):
    first, original = deliver(build_message(body="Rupa na putu kod škole."))

    second, copy = deliver(build_message(body="Rupa na putu kod škole, sada još veća."))

    assert (first, second) == ("created", "appended")
    assert copy.case == original.case and copy.state == State.PROCESSED
    entries = list(original.case.events.filter(kind=Kind.MESSAGE_IN).order_by("pk"))
    assert [e.ref["inbound"] for e in entries] == [original.pk, copy.pk]
    assert entries[1].after["possible_copy_of"] == original.pk
    assert "possible_copy_of" not in entries[0].after
    assert str(original.pk) in copy.reason_shown and "copy" in copy.reason_shown
    assert Case.objects.count() == 1
    assert OutboundMessage.objects.count() == 1  # acknowledged once


def test_a_possible_copy_from_someone_else_waits_for_review(deliver):
    """A Message-ID is no secret: a stranger reusing one does not write into the case."""
    _first, original = deliver(build_message(body="Rupa na putu."))

    outcome, copy = deliver(build_message(body="Ubačen tekst.",
                                          from_address="stranac@example.org"))

    assert outcome == "review"
    assert copy.review_case == original.case and copy.case is None
    assert original.case.events.filter(kind=Kind.MESSAGE_IN).count() == 1


def test_copies_in_one_batch_give_a_case_a_duplicate_and_a_possible_copy(municipality):
    raws = [build_message(body="Prvi tekst."),
            b"Received: from mx2\r\n" + build_message(body="Prvi tekst."),
            build_message(body="Drugi tekst istog Message-ID.")]
    ids = [inbound.pk for inbound, _created in
           accept_emails(municipality=municipality, raws=raws, source="test")]

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["created", "duplicate", "appended"]
    first, duplicate, copy = (InboundMessage.objects.get(pk=pk) for pk in ids)
    assert duplicate.case == copy.case == first.case
    assert first.case.events.filter(kind=Kind.MESSAGE_IN).count() == 2
    assert Case.objects.count() == 1
