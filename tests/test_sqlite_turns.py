"""Writers of Šalter's SQLite take turns on a lock file instead of sleeping in SQLite's
busy handler: the next writer gets in as soon as the previous one lets go."""

import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from salter.sqlite.base import _KEEP_AT_MOST, _Turn, keep_write_turns

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite",
                                reason="the write turn is Šalter's SQLite backend")


@pytest.fixture
def turn_path(tmp_path):
    return {"NAME": str(tmp_path / "db.sqlite3"), "OPTIONS": {"timeout": 0.3}}


def test_a_second_writer_waits_for_the_turn_and_gets_it_when_it_is_given_back(turn_path):
    first, second = _Turn(turn_path), _Turn(turn_path)
    first.take()
    got_it = threading.Event()

    def write():
        second.take()
        got_it.set()
        second.give_back()

    waiter = threading.Thread(target=write)
    waiter.start()
    assert not got_it.wait(0.05)
    released = time.monotonic()
    first.give_back()
    assert got_it.wait(1)
    assert time.monotonic() - released < 0.05  # not SQLite's 100 ms naps
    waiter.join()


def test_a_turn_never_given_back_ends_in_a_database_error_not_a_hang(turn_path):
    first, second = _Turn(turn_path), _Turn(turn_path)
    first.take()
    try:
        with pytest.raises(OperationalError, match=r"no write turn in 0\.3 s"):
            second.take()
    finally:
        first.give_back()


def test_an_in_memory_database_needs_no_turn():
    turn = _Turn({"NAME": ":memory:"})
    turn.take()
    turn.give_back()
    assert turn.path is None


@pytest.mark.django_db(transaction=True)
def test_transactions_and_lone_writes_take_the_turn_and_give_it_back():
    turn = connection._turn
    with transaction.atomic():
        assert turn._held
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert not turn._held
    other = _Turn(connection.settings_dict)
    other.take()  # free again
    other.give_back()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE django_migrations SET app = app WHERE id = -1")
    assert not turn._held


@pytest.mark.django_db(transaction=True)
def test_another_thread_writes_as_soon_as_the_transaction_commits():
    done = threading.Event()
    timings = {}

    def write_from_another_connection():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("UPDATE django_migrations SET app = app WHERE id = -1")
            timings["written"] = time.monotonic()
        finally:
            connections.close_all()
            done.set()

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE django_migrations SET app = app WHERE id = -1")
        writer = threading.Thread(target=write_from_another_connection)
        writer.start()
        assert not done.wait(0.1)  # it waits for our turn to end
        committed = time.monotonic()
    assert done.wait(5)
    writer.join()
    assert timings["written"] - committed < 0.05


def _free_for_another(turn_path) -> bool:
    other = _Turn({**turn_path, "OPTIONS": {"timeout": 0.001}})
    try:
        other.take()
    except OperationalError:
        return False
    other.close()  # given back at once, even where turns are kept
    return True


def test_a_worker_keeps_the_turn_it_gives_back_for_its_next_write_a_moment(turn_path):
    turn = _Turn(turn_path)
    with keep_write_turns(0.2):
        turn.take()
        turn.give_back()
        assert turn.kept and not _free_for_another(turn_path)
        started = time.monotonic()
        turn.take()  # again at once: no queueing behind the other writers
        assert time.monotonic() - started < 0.01
        turn.give_back()
        time.sleep(0.3)  # nothing more to write: the keeper lets it go
        assert not turn.kept and _free_for_another(turn_path)
    turn.close()


def test_a_kept_turn_goes_after_a_few_writes_in_a_row(turn_path):
    turn = _Turn(turn_path)
    with keep_write_turns(5):
        for _write in range(_KEEP_AT_MOST + 1):
            turn.take()
            turn.give_back()
        assert not turn.kept and _free_for_another(turn_path)
    turn.close()


def test_without_keeping_a_turn_given_back_is_free_at_once(turn_path):
    turn = _Turn(turn_path)
    turn.take()
    turn.give_back()
    assert not turn.kept and _free_for_another(turn_path)
    turn.close()


@pytest.mark.django_db(transaction=True)
def test_a_read_after_the_writes_lets_the_kept_turn_go():
    turn = connection._turn
    with keep_write_turns(5):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE django_migrations SET app = app WHERE id = -1")
        connection.close()  # a worker reconnects between tasks: the turn stays its own
        with connection.cursor() as cursor:
            cursor.execute("UPDATE django_migrations SET app = app WHERE id = -1")
        assert turn.kept and not _free_for_another(connection.settings_dict)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
        assert not turn.kept and _free_for_another(connection.settings_dict)
