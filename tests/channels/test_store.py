"""Raw first: the exact bytes and their digest are stored before anything parses them."""

import hashlib

import pytest
from django.db import IntegrityError

from salter import bulk
from salter.cases.models import Channel
from salter.channels import store
from salter.channels.models import InboundMessage
from salter.channels.store import RawItem, store_inbound, store_inbound_many
from salter.documents import storage
from salter.documents.models import Blob
from salter.documents.storage import read_blob

pytestmark = pytest.mark.django_db


def test_store_inbound_keeps_the_exact_bytes_and_digest(municipality):
    raw = b"Subject: x\r\n\r\n\x00\xff not even mail \r\n"

    inbound, created = store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=raw,
                                     idempotency_key="k1", source="test")

    assert created
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest() == inbound.raw.sha256
    assert read_blob(InboundMessage.objects.get(pk=inbound.pk).raw) == raw
    assert inbound.state == InboundMessage.State.RECEIVED and inbound.queued_at


def test_second_arrival_of_the_same_key_returns_the_first(municipality):
    first, _ = store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"a",
                             idempotency_key="same", source="imap")
    again, created = store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"a",
                                   idempotency_key="same", source="smtp")

    assert not created and again.pk == first.pk
    assert InboundMessage.objects.count() == 1


def test_same_key_in_another_municipality_is_another_message(municipality, other_municipality):
    store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"a",
                  idempotency_key="k", source="t")
    _, created = store_inbound(municipality=other_municipality, channel=Channel.EMAIL, raw=b"a",
                               idempotency_key="k", source="t")

    assert created


def test_batch_store_reports_each_item_in_order(municipality):
    store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"old",
                  idempotency_key="old", source="t")
    items = [RawItem(b"one", "k-one", "one@x"), RawItem(b"old", "old"),
             RawItem(b"two", "k-two"), RawItem(b"one", "k-one", "one@x")]

    results = store_inbound_many(municipality=municipality, channel=Channel.EMAIL,
                                 items=items, source="batch")

    assert [created for _, created in results] == [True, False, True, False]
    assert results[0][0].pk == results[3][0].pk
    assert results[0][0].external_id == "one@x"
    assert [read_blob(m.raw) for m, _ in results] == [b"one", b"old", b"two", b"one"]
    assert InboundMessage.objects.count() == 3


def test_batch_store_keeps_large_messages_as_files_and_reads_them_back(municipality,
                                                                       settings):
    settings.SALTER_BLOB_INLINE_MAX_BYTES = 64
    small, large = b"Subject: kratko\r\n\r\nok", b"Subject: dugo\r\n\r\n" + b"x" * 100

    results = store_inbound_many(
        municipality=municipality, channel=Channel.EMAIL, source="batch",
        items=[RawItem(small, "small"), RawItem(large, "large")])

    stored = [InboundMessage.objects.get(pk=m.pk).raw for m, _ in results]
    assert [read_blob(b) for b in stored] == [small, large]
    assert [b.sha256 for b in stored] == [hashlib.sha256(r).hexdigest() for r in (small, large)]
    assert not storage.blob_path(stored[0].sha256).exists()
    assert storage.blob_path(stored[1].sha256).read_bytes() == large


def test_batch_store_reuses_bytes_stored_before(municipality):
    store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"same bytes",
                  idempotency_key="first", source="t")

    [(inbound, created)] = store_inbound_many(
        municipality=municipality, channel=Channel.EMAIL, source="batch",
        items=[RawItem(b"same bytes", "second")])

    assert created and Blob.objects.count() == 1
    assert read_blob(InboundMessage.objects.get(pk=inbound.pk).raw) == b"same bytes"


def test_key_stored_by_another_accept_after_the_look_up_is_not_lost(municipality,
                                                                     monkeypatch):
    """On PostgreSQL two accepts of one message can both look, find nothing and insert:
    the one that loses the race reports the winner's row instead of failing."""
    winner, _ = store_inbound(municipality=municipality, channel=Channel.EMAIL,
                              raw=b"raced", idempotency_key="raced", source="smtp")
    look_up = store._rows_by_key
    looks = []

    def blind_first_look(municipality, channel, keys):
        looks.append(keys)
        return {} if len(looks) == 1 else look_up(municipality, channel, keys)

    monkeypatch.setattr(store, "_rows_by_key", blind_first_look)
    items = [RawItem(b"new", "new"), RawItem(b"raced", "raced"), RawItem(b"also", "also")]

    results = store_inbound_many(municipality=municipality, channel=Channel.EMAIL,
                                 items=items, source="imap")

    assert [created for _, created in results] == [True, False, True]
    assert results[1][0].pk == winner.pk
    assert InboundMessage.objects.count() == 3
    assert [read_blob(InboundMessage.objects.get(pk=m.pk).raw) for m, _ in results] == [
        b"new", b"raced", b"also"]


def test_bytes_stored_by_another_accept_after_the_look_up_are_shared(municipality,
                                                                      monkeypatch):
    store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=b"raced",
                  idempotency_key="first", source="smtp")
    look_up = storage._existing_blob_ids
    looks = []

    def blind_first_look(digests):
        looks.append(digests)
        return {} if len(looks) == 1 else look_up(digests)

    monkeypatch.setattr(storage, "_existing_blob_ids", blind_first_look)

    [(inbound, created)] = store_inbound_many(
        municipality=municipality, channel=Channel.EMAIL, source="imap",
        items=[RawItem(b"raced", "second")])

    assert created and Blob.objects.count() == 1
    assert read_blob(InboundMessage.objects.get(pk=inbound.pk).raw) == b"raced"


def test_a_batch_that_fails_stores_nothing(municipality, monkeypatch):
    def broken_insert(model, objs, **kwargs):
        if model is InboundMessage:
            raise IntegrityError("not a race: something else is wrong")
        return real_insert(model, objs, **kwargs)

    real_insert = bulk.insert
    monkeypatch.setattr(bulk, "insert", broken_insert)

    with pytest.raises(IntegrityError):
        store_inbound_many(municipality=municipality, channel=Channel.EMAIL, source="imap",
                           items=[RawItem(b"one", "one")])

    assert not InboundMessage.objects.exists()
