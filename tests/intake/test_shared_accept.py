"""`accept_shared`: items accepted by the threads of one process at the same moment are
stored in one transaction, and no caller returns before its own item is committed."""

import threading
import time

import pytest
from django.db import connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from salter.cases.models import Channel
from salter.channels.models import InboundMessage
from salter.intake import entry
from salter.intake.entry import RawItem, accept_shared

pytestmark = pytest.mark.django_db(transaction=True)


@task()
def note_stored(*inbound_ids: int) -> int:
    return len(inbound_ids)


def wait_until(predicate, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Caller(threading.Thread):
    """One request's thread, accepting one item."""

    def __init__(self, municipality, key: str, raw: bytes | None = None):
        super().__init__(daemon=True)
        self.municipality, self.key, self.raw = municipality, key, raw or key.encode()
        self.accepted, self.error = None, None

    def run(self):
        try:
            self.accepted = accept_shared(
                municipality=self.municipality, channel=Channel.SMS, source="test",
                item=RawItem(raw=self.raw, idempotency_key=self.key, sender="+381641234567"),
                task=note_stored)
        except Exception as exc:
            self.error = exc
        finally:
            connection.close()


@pytest.fixture
def stores(monkeypatch):
    """Every store of a shared transaction, by the keys it held; the first one waits
    inside its transaction until `release` is set."""
    calls, entered, release = [], threading.Event(), threading.Event()
    real = entry.store_inbound_many

    def store(**kwargs):
        calls.append([item.idempotency_key for item in kwargs["items"]])
        if len(calls) == 1:
            entered.set()
            assert release.wait(10)
        return real(**kwargs)

    monkeypatch.setattr(entry, "store_inbound_many", store)
    return calls, entered, release


def test_items_that_come_during_a_commit_share_the_next_one(municipality, stores):
    calls, entered, release = stores
    first = Caller(municipality, "first")
    first.start()
    assert entered.wait(10)
    others = [Caller(municipality, f"k{n}") for n in range(4)]
    for caller in others:
        caller.start()
    wait_until(lambda: len(entry._shared._waiting) == 4, "four items waiting")

    # No caller has its answer while its item is not committed.
    assert all(caller.is_alive() for caller in [first, *others])
    assert not InboundMessage.objects.exists()

    release.set()
    for caller in [first, *others]:
        caller.join(10)
    assert [sorted(keys) for keys in calls] == [["first"], ["k0", "k1", "k2", "k3"]]
    assert all(c.accepted.created and c.error is None for c in [first, *others])
    stored = InboundMessage.objects.filter(municipality=municipality)
    assert stored.count() == 5
    assert set(stored.values_list("sender", flat=True)) == {"+381641234567"}
    # The task is queued with the data, once per shared transaction, with its items.
    queued = sorted(len(r.args_kwargs["args"]) for r in DBTaskResult.objects.all())
    assert queued == [1, 4]


def test_the_same_item_twice_in_one_transaction_is_stored_once(municipality, stores):
    _calls, entered, release = stores
    first = Caller(municipality, "first")
    first.start()
    assert entered.wait(10)
    twice = [Caller(municipality, "retry"), Caller(municipality, "retry")]
    for caller in twice:
        caller.start()
    wait_until(lambda: len(entry._shared._waiting) == 2, "both copies waiting")
    release.set()
    for caller in [first, *twice]:
        caller.join(10)

    assert sorted(c.accepted.created for c in twice) == [False, True]
    assert twice[0].accepted.inbound.pk == twice[1].accepted.inbound.pk
    assert InboundMessage.objects.filter(idempotency_key="retry").count() == 1


def test_when_a_shared_transaction_fails_each_item_is_tried_alone(municipality, stores,
                                                                 monkeypatch):
    calls, entered, release = stores
    blocking = entry.store_inbound_many

    def poisoned(**kwargs):
        keys = [item.idempotency_key for item in kwargs["items"]]
        if "poison" in keys:
            calls.append(keys)
            raise ValueError("this item cannot be stored")
        return blocking(**kwargs)

    monkeypatch.setattr(entry, "store_inbound_many", poisoned)
    first = Caller(municipality, "first")
    first.start()
    assert entered.wait(10)
    callers = [Caller(municipality, "good-1"), Caller(municipality, "poison"),
               Caller(municipality, "good-2")]
    for caller in callers:
        caller.start()
    wait_until(lambda: len(entry._shared._waiting) == 3, "three items waiting")
    release.set()
    for caller in [first, *callers]:
        caller.join(10)

    good_1, poison, good_2 = callers
    assert isinstance(poison.error, ValueError) and poison.accepted is None
    assert good_1.accepted.created and good_2.accepted.created
    assert set(InboundMessage.objects.values_list("idempotency_key", flat=True)) == {
        "first", "good-1", "good-2"}


def test_an_item_alone_is_committed_at_once(municipality):
    caller = Caller(municipality, "alone")
    caller.start()
    caller.join(10)

    assert caller.accepted.created
    assert InboundMessage.objects.get(idempotency_key="alone").sender == "+381641234567"
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [caller.accepted.inbound.pk]
