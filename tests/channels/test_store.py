"""Raw first: the exact bytes and their digest are stored before anything parses them."""

import hashlib

import pytest

from salter.cases.models import Channel
from salter.channels.models import InboundMessage
from salter.channels.store import RawItem, store_inbound, store_inbound_many
from salter.documents.storage import blob_path, read_blob

pytestmark = pytest.mark.django_db


def test_store_inbound_keeps_the_exact_bytes_and_digest(municipality):
    raw = b"Subject: x\r\n\r\n\x00\xff not even mail \r\n"

    inbound, created = store_inbound(municipality=municipality, channel=Channel.EMAIL, raw=raw,
                                     idempotency_key="k1", source="test")

    assert created
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest() == inbound.raw.sha256
    assert read_blob(inbound.raw) == raw
    assert blob_path(inbound.sha256).is_file()
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
    assert results[0][0].message_id == "one@x"
    assert [read_blob(m.raw) for m, _ in results] == [b"one", b"old", b"two", b"one"]
    assert InboundMessage.objects.count() == 3
