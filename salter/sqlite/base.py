"""SQLite for several Šalter processes at once: writers take turns.

SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in
steps of up to 100 ms before it looks again. Two intake workers whose transactions
collide, or a worker claiming its next task while the other settles a batch, lose more
time sleeping than writing. Here a writer first takes its turn on an flock(2) of a file
beside the database, which it gets the moment the previous writer lets go.

Every transaction is a write transaction on Šalter's SQLite (IMMEDIATE, see settings), so
the turn is taken when a transaction begins and given back when it commits, rolls back
or the connection closes; a single write statement outside a transaction takes it for
that statement. Readers never wait: WAL lets them read while someone writes. A process
that does not use this backend (the sqlite3 shell) still meets SQLite's own lock.
"""

import fcntl
import os
import time
from functools import lru_cache

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
# Waiting for the turn polls: often enough that a turn given back is taken within half a
# millisecond, and no thread ever waits for it without a limit.
_FIRST_WAIT, _LONGEST_WAIT = 0.00005, 0.0005


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._turn = _Turn(self.settings_dict)

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=_Cursor)
        cursor.turn = self._turn
        return cursor

    def _start_transaction_under_autocommit(self):
        self._turn.take()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._turn.give_back()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._turn.give_back()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._turn.give_back()

    def _close(self):
        try:
            super()._close()
        finally:
            self._turn.close()


class _Cursor(base.SQLiteCursorWrapper):
    turn: "_Turn"

    def execute(self, query, params=None):
        if not self._alone_writing(query):
            return super().execute(query, params)
        with self.turn:
            return super().execute(query, params)

    def executemany(self, query, param_list):
        if not self._alone_writing(query):
            return super().executemany(query, param_list)
        with self.turn:
            return super().executemany(query, param_list)

    def convert_query(self, query, *, param_names=None):
        # Bulk statements are long and come back again and again: convert each once.
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)

    def _alone_writing(self, query: str) -> bool:
        """A write statement outside a transaction (SQLite commits it on its own)."""
        return (not self.connection.in_transaction
                and query.lstrip()[:6].upper() in _WRITES)


@lru_cache(maxsize=512)
def _qmark_style(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class _Turn:
    """The write turn of one connection: its own descriptors of the turn files, so that
    two connections (threads) of one process also wait for each other.

    Turns are handed over in order. A writer first queues (a blocking flock of the queue
    file), then waits for the turn itself and leaves the queue; so a writer that gives
    the turn back and wants it again at once (its next task's claim) lines up behind the
    one already waiting instead of taking it again. Only the wait for the turn is bounded:
    the queue is held only by a writer waiting for the turn, which gives up within the
    timeout.
    """

    def __init__(self, settings_dict: dict):
        name = str(settings_dict.get("NAME") or "")
        in_memory = not name or name == ":memory:" or "mode=memory" in name
        database = name.removeprefix("file:").split("?")[0]
        self.path = None if in_memory else f"{database}.write-turn"
        self.timeout = float((settings_dict.get("OPTIONS") or {}).get("timeout", 5))
        self._fds: tuple[int, int] | None = None  # (turn, queue)
        self._pid = 0
        self._held = False

    def __enter__(self):
        self.take()

    def __exit__(self, *exc):
        self.give_back()

    def take(self) -> None:
        if self.path is None or self._held:
            return
        turn, queue = self._descriptors()
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            try:
                fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._wait(turn)
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)
        self._held = True

    def _wait(self, fd: int) -> None:
        deadline = time.monotonic() + self.timeout
        pause = _FIRST_WAIT
        while True:
            time.sleep(pause)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OperationalError(
                        f"database is locked: no write turn in {self.timeout:g} s") from None
                pause = min(pause * 2, _LONGEST_WAIT)

    def give_back(self) -> None:
        if self._held and self._pid == os.getpid():
            fcntl.flock(self._fds[0], fcntl.LOCK_UN)
        self._held = False

    def close(self) -> None:
        self.give_back()
        if self._fds is not None and self._pid == os.getpid():
            for fd in self._fds:
                os.close(fd)
        self._fds = None

    def __del__(self):
        self.close()

    def _descriptors(self) -> tuple[int, int]:
        # A descriptor inherited over fork() would share its lock with the parent.
        if self._fds is None or self._pid != os.getpid():
            self._fds = tuple(os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
                              for path in (self.path, f"{self.path}.queue"))
            self._pid = os.getpid()
            self._held = False
        return self._fds
