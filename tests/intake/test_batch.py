"""Settling many messages in one transaction, as specifications: the batch gives the same
cases, timelines, clients and acknowledgements as one message at a time would."""

import pytest
from django.db import transaction

from salter.cases.actions import create_case, merge_cases
from salter.cases.models import Case, CaseEvent, Channel
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage, OutboundMessage
from salter.clients.actions import create_client
from salter.clients.models import Client, ContactPoint
from salter.intake.context import load_context
from salter.intake.decide import NewCase, decide
from salter.intake.items import Item, Sender
from salter.intake.lookup import look_up
from salter.intake.pipeline import process_batch
from salter.registry.numbering import reserve_sequences
from salter.tenancy.roles import Role
from tests.channels.email.corpus import Part, build_message
from tests.factories import make_member

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind
State = InboundMessage.State


def accept(municipality, raws) -> list[int]:
    results = accept_emails(municipality=municipality, raws=raws, source="test")
    return [inbound.pk for inbound, _created in results]


def threaded(municipality, messages, sender="ana@example.net") -> list:
    """The case each (subject, references) from `sender` continues, decided as one batch
    (None for a new matter)."""
    ctx = load_context(municipality.pk)
    entries = [(InboundMessage(municipality=municipality, channel=Channel.EMAIL),
                Item(sender=Sender(kind=ContactPoint.Kind.EMAIL, value=sender),
                     subject=subject, marks_text=subject, replies_to=tuple(references)))
               for subject, references in messages]
    decisions = decide(entries, look_up(ctx, entries), ctx)
    return [None if isinstance(d.case, NewCase) else d.case for d in decisions]


def new_message(i: int, **kwargs) -> bytes:
    fields = {"subject": f"Prijava {i}", "from_name": f"Građanin {i}",
              "from_address": f"gradjanin{i}@example.net",
              "message_id": f"<batch-{i}@example.net>"}
    return build_message(**{**fields, **kwargs})


def test_batch_opens_a_case_per_message_with_numbers_timeline_and_acknowledgement(
        municipality):
    ids = accept(municipality, [new_message(i) for i in range(6)])

    outcomes = process_batch(ids)

    assert set(outcomes.values()) == {"created"}
    cases = Case.objects.filter(municipality=municipality)
    assert sorted(cases.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]
    for inbound in InboundMessage.objects.filter(pk__in=ids).select_related("case", "client"):
        assert inbound.state == State.PROCESSED and inbound.processed_at
        kinds = list(inbound.case.events.order_by("pk").values_list("kind", flat=True))
        assert kinds == [Kind.CREATED, Kind.MESSAGE_IN, Kind.MESSAGE_OUT]
        assert inbound.case.clients.get() == inbound.client
        assert inbound.case.registry_number in inbound.case.search_text.upper()
        ack = OutboundMessage.objects.get(inbound=inbound)
        assert ack.purpose == OutboundMessage.Purpose.ACKNOWLEDGEMENT
        assert inbound.case.registry_number in ack.subject
        assert inbound.client.search_text


def test_the_same_new_sender_twice_in_a_batch_becomes_one_client(municipality):
    ids = accept(municipality, [new_message(1), new_message(2, from_address=
                                                            "gradjanin1@example.net")])

    process_batch(ids)

    clients = Client.objects.filter(municipality=municipality)
    assert clients.count() == 1
    assert set(InboundMessage.objects.filter(pk__in=ids).values_list("client", flat=True)) == {
        clients.get().pk}
    assert Case.objects.filter(municipality=municipality).count() == 2


def test_a_reply_to_a_message_of_the_same_batch_is_appended_to_its_case(municipality):
    first = new_message(1)
    reply = new_message(2, subject="Re: Prijava 1", from_address="gradjanin1@example.net",
                        in_reply_to="<batch-1@example.net>",
                        references=["<batch-1@example.net>"])
    ids = accept(municipality, [first, reply])

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["created", "appended"]
    opened, appended = (InboundMessage.objects.get(pk=pk) for pk in ids)
    assert appended.case_id == opened.case_id
    assert opened.case.events.filter(kind=Kind.MESSAGE_IN).count() == 2


def test_known_senders_and_replies_in_a_batch(municipality, clerk):
    citizen = create_client(actor=clerk, first_name="Marko", last_name="Petrović",
                            contacts=[(ContactPoint.Kind.EMAIL, "marko@example.net")])
    case = create_case(actor=clerk, subject="Rupa na putu", channel=Channel.EMAIL,
                       clients=[citizen])
    ids = accept(municipality, [
        new_message(1, from_address="marko@example.net"),
        new_message(2, subject=f"Re: [{case.registry_number}] dopuna",
                    from_address="marko@example.net"),
        new_message(3, subject=f"Re: [{case.registry_number}] tuđe",
                    from_address="neko.drugi@example.net"),
        new_message(4, headers=[("Auto-Submitted", "auto-replied")]),
    ])

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["created", "appended", "review", "ignored"]
    assert InboundMessage.objects.get(pk=ids[0]).client == citizen
    assert InboundMessage.objects.get(pk=ids[2]).review_case == case
    assert OutboundMessage.objects.filter(inbound_id__in=ids).count() == 1
    assert case.events.filter(kind=Kind.MESSAGE_IN).count() == 1


def test_a_batch_processed_again_changes_nothing(municipality):
    ids = accept(municipality, [new_message(i) for i in range(3)])
    process_batch(ids)
    events = CaseEvent.objects.count()

    outcomes = process_batch(ids)

    assert set(outcomes.values()) == {"created"}
    assert CaseEvent.objects.count() == events
    assert Case.objects.filter(municipality=municipality).count() == 3


def test_reserved_numbers_are_given_back_by_a_rollback(municipality):
    with transaction.atomic():
        assert list(reserve_sequences(municipality, 2026, 3)) == [1, 2, 3]
        transaction.set_rollback(True)
    with transaction.atomic():
        assert list(reserve_sequences(municipality, 2026, 2)) == [1, 2]
        assert list(reserve_sequences(municipality, 2026, 1)) == [3]


def test_threading_a_batch_answers_as_threading_each_message(municipality, clerk):
    citizen = create_client(actor=clerk, first_name="Ana", last_name="Jović",
                            contacts=[(ContactPoint.Kind.EMAIL, "ana@example.net")])
    first, second, merged = (create_case(actor=clerk, subject=f"Predmet {i}",
                                         channel=Channel.EMAIL, clients=[citizen])
                             for i in range(3))
    merge_cases(actor=make_member(municipality, Role.HEAD), duplicate=merged, into=second)
    ours = OutboundMessage.objects.create(
        municipality=municipality, channel=Channel.EMAIL, case=first, client=citizen,
        recipient="ana@example.net", body_text="Odgovor", external_id="<ours-1@salter.test>")
    ids = accept(municipality, [new_message(9, from_address="ana@example.net")])
    InboundMessage.objects.filter(pk=ids[0]).update(case=second, external_id="theirs-1@x")
    messages = [
        ("Nova prijava", ()),
        (f"Re: {first.registry_number}", ()),
        (f"Kod {second.tracking_code}", ()),
        (f"Re: {merged.registry_number}", ()),
        ("Re: odgovor", (ours.external_id.strip("<>"),)),
        ("Re: moja poruka", ("theirs-1@x",)),
        (f"Re: {second.registry_number}", (ours.external_id.strip("<>"),)),
        ("", ("nepoznat@x",)),
    ]

    batch = threaded(municipality, messages)

    one_by_one = [threaded(municipality, [message])[0] for message in messages]
    assert batch == one_by_one
    assert batch == [None, first, second, second, first, second, first, None]


def test_a_sender_registered_while_the_batch_was_planned_is_that_client(
        municipality, clerk, monkeypatch, caplog):
    """The batch is planned outside its transaction; another worker may register one of
    its new senders in the meantime. The transaction notices and plans again."""
    from salter.intake import apply

    ids = accept(municipality, [new_message(1), new_message(2)])
    meanwhile = {}
    plan = apply.plan

    def plan_then_another_worker_registers(*args, **kwargs):
        planned = plan(*args, **kwargs)
        if not meanwhile:
            meanwhile["client"] = create_client(
                actor=clerk, first_name="Građanin", last_name="Jedan",
                contacts=[(ContactPoint.Kind.EMAIL, "gradjanin1@example.net")])
        return planned

    monkeypatch.setattr(apply, "plan", plan_then_another_worker_registers)

    outcomes = process_batch(ids)

    assert [outcomes[pk] for pk in ids] == ["created", "created"]
    assert "intake batch failed" not in caplog.text  # planned again, not retried
    first = InboundMessage.objects.get(pk=ids[0])
    assert first.client_id == meanwhile["client"].pk
    assert first.case.clients.get() == meanwhile["client"]
    assert Client.objects.filter(municipality=municipality).count() == 2


def test_a_batch_tried_again_links_its_documents_to_their_own_bytes(municipality, monkeypatch):
    """A failed batch rolls back the rows it gave its attachments; tried again, the
    documents take the keys the second transaction gives, not the rolled back ones (here
    taken meanwhile by other bytes)."""
    from salter.documents.storage import read_blob, store_bytes
    from salter.intake import apply

    photo = b"\xff\xd8\xff fotografija rupe na putu"
    ids = accept(municipality, [new_message(1, attachments=[
        Part("rupa.jpg", "image/jpeg", photo)])])
    write, calls = apply.write, []

    def fail_once_after_saving_the_blobs(plan):
        calls.append(plan)
        if len(calls) == 1:
            apply.save_blobs([b for files in plan.files.values() for b, _n, _t in files])
            raise RuntimeError("the database went away mid-batch")
        store_bytes(b"other bytes, stored by another message meanwhile")
        return write(plan)

    monkeypatch.setattr(apply, "write", fail_once_after_saving_the_blobs)

    assert process_batch(ids) == {ids[0]: "created"}

    [document] = InboundMessage.objects.get(pk=ids[0]).case.documents.all()
    assert len(calls) == 2
    assert document.filename == "rupa.jpg" and read_blob(document.blob) == photo


def test_a_copy_settled_while_the_batch_was_planned_makes_the_batch_message_a_duplicate(
        municipality, monkeypatch):
    """The same message by two paths (sent to two of the municipality's mailboxes): one
    copy is in a batch being planned when the other arrives and is settled by another
    worker. The batch's transaction finds the copy and decides again: its message is
    the duplicate."""
    from salter.intake import apply

    raw = new_message(1)
    [first] = accept(municipality, [raw])
    meanwhile = {}
    plan = apply.plan

    def plan_while_the_copy_is_settled(*args, **kwargs):
        planned = plan(*args, **kwargs)
        if not meanwhile:
            [meanwhile["copy"]] = accept(municipality, [b"Received: from mx2\r\n" + raw])
            meanwhile["outcome"] = process_batch([meanwhile["copy"]])
        return planned

    monkeypatch.setattr(apply, "plan", plan_while_the_copy_is_settled)

    assert process_batch([first]) == {first: "duplicate"}

    assert meanwhile["outcome"] == {meanwhile["copy"]: "created"}
    copy = InboundMessage.objects.get(pk=meanwhile["copy"])
    duplicate = InboundMessage.objects.get(pk=first)
    assert duplicate.state == State.DUPLICATE and duplicate.case == copy.case
    assert Case.objects.filter(municipality=municipality).count() == 1
    assert OutboundMessage.objects.count() == 1  # one acknowledgement


@pytest.mark.django_db(transaction=True)
def test_two_workers_settling_two_copies_at_once_make_one_case(municipality, monkeypatch):
    """Each worker takes one copy; the second waits for the first's transaction (the lock
    per Message-ID on PostgreSQL, the write turn on SQLite) and then finds its copy."""
    import threading

    from django.db import connections

    from salter.intake import lookup

    raw = new_message(1)
    ids = accept(municipality, [raw, b"Received: from mx2\r\n" + raw])
    inside, release = threading.Event(), threading.Event()
    copies = lookup.settled_copy_ids

    def first_worker_pauses_under_the_lock(municipality, entries):
        if entries[0][0].pk == ids[0]:
            inside.set()
            release.wait(10)
        return copies(municipality, entries)

    monkeypatch.setattr(lookup, "settled_copy_ids", first_worker_pauses_under_the_lock)
    outcomes = {}

    def worker(pk):
        try:
            outcomes.update(process_batch([pk]))
        finally:
            connections.close_all()

    first = threading.Thread(target=worker, args=(ids[0],))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=worker, args=(ids[1],))
    second.start()
    second.join(0.5)
    waited = second.is_alive()
    release.set()
    first.join(10)
    second.join(10)

    assert waited
    assert outcomes == {ids[0]: "created", ids[1]: "duplicate"}
    assert Case.objects.filter(municipality=municipality).count() == 1
