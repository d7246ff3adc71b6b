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

The workers write in bursts (a batch settled, its task recorded, the next one claimed):
within `keep_write_turns` a process keeps its turn a few milliseconds after it gives it
back, so that a burst queues once, not once per statement.
"""

import fcntl
import os
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")
# Waiting for the turn polls: often enough that a turn given back is taken within half a
# millisecond, and no thread ever waits for it without a limit.
_FIRST_WAIT, _LONGEST_WAIT = 0.00005, 0.0005
# In a process that keeps its turns: how long a turn given back is kept for the next
# write, and how many writes in a row may take it so before it is given back for real.
_keep_for = 0.0
_KEEP_AT_MOST = 8


@contextmanager
def keep_write_turns(seconds: float = 0.01):
    """Within this block, this process keeps a write turn it gives back for `seconds`,
    for its own next write (see `_Turn`). For the intake workers, whose writes come in
    bursts: settle a batch, record the task, claim the next one. Other backends ignore
    it."""
    global _keep_for
    previous, _keep_for = _keep_for, seconds
    try:
        yield
    finally:
        _keep_for = previous


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
            # The turn is the process's, not the SQLite connection's: a worker that
            # reconnects between tasks may keep it (`keep_write_turns`).
            self._turn.give_back()


class _Cursor(base.SQLiteCursorWrapper):
    turn: "_Turn"

    def execute(self, query, params=None):
        if self.connection.in_transaction:
            return super().execute(query, params)
        if not self._writing(query):
            self.turn.let_go()  # a read: the writes of the moment are over
            return super().execute(query, params)
        with self.turn:
            return super().execute(query, params)

    def executemany(self, query, param_list):
        if self.connection.in_transaction or not self._writing(query):
            return super().executemany(query, param_list)
        with self.turn:
            return super().executemany(query, param_list)

    def convert_query(self, query, *, param_names=None):
        # Bulk statements are long and come back again and again: convert each once.
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)

    @staticmethod
    def _writing(query: str) -> bool:
        """A write statement (outside a transaction, SQLite commits it on its own)."""
        return query.lstrip()[:6].upper() in _WRITES


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

    In a process that keeps its turns (`keep_write_turns`, the workers), a turn given back is
    kept a moment longer for this connection's next write: a worker that has settled a
    batch records the task's result, claims its next task and counts the attempt in one
    go, instead of queueing three times behind the other workers' batches. The turn goes
    when the moment has passed, at the connection's next read outside a transaction (the
    writes of the moment are over), or after a few writes in a row.
    """

    def __init__(self, settings_dict: dict):
        # The settings themselves, not a copy: the test runner renames the database.
        self._settings = settings_dict
        self.timeout = float((settings_dict.get("OPTIONS") or {}).get("timeout", 5))
        self._pid = 0
        self._fresh_process_state()

    @property
    def path(self) -> str | None:
        name = str(self._settings.get("NAME") or "")
        if not name or name == ":memory:" or "mode=memory" in name:
            return None
        return f"{name.removeprefix('file:').split('?')[0]}.write-turn"

    def _forget_parent(self) -> None:
        """In a child process: close the descriptors inherited over fork() (their lock
        is the parent's to give back) and start afresh."""
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
        self._fresh_process_state()

    def _fresh_process_state(self) -> None:
        """Nothing of a parent process carries over a fork(): a descriptor inherited
        shares its lock with the parent, and the keeper thread does not exist here."""
        self._fds: tuple[int, int] | None = None  # (turn, queue)
        self._fds_path: str | None = None
        self._held = False
        self._kept_until: float | None = None  # a turn given back but kept until then
        self._kept_writes = 0
        self._keeping = threading.Condition()
        self._keeper: threading.Thread | None = None
        self._pid = os.getpid()

    def __enter__(self):
        self.take()

    def __exit__(self, *exc):
        self.give_back()

    @property
    def kept(self) -> bool:
        return self._kept_until is not None

    def take(self) -> None:
        if self._held:
            return
        if self._pid != os.getpid():
            self._forget_parent()
        if self._kept_until is not None and self._take_kept():
            return
        path = self.path
        if path is None:
            return
        turn, queue = self._descriptors(path)
        fcntl.flock(queue, fcntl.LOCK_EX)
        try:
            try:
                fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._wait(turn)
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)
        self._held = True
        self._kept_writes = 0

    def _take_kept(self) -> bool:
        with self._keeping:
            if self._kept_until is None:  # the keeper let it go just now
                return False
            self._kept_until = None
            self._held = True
            self._kept_writes += 1
            return True

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
        if not self._held:
            return
        self._held = False
        if self._pid != os.getpid():
            return
        if _keep_for and self._kept_writes < _KEEP_AT_MOST:
            with self._keeping:
                self._kept_until = time.monotonic() + _keep_for
                self._start_keeper()
                self._keeping.notify()
            return
        fcntl.flock(self._fds[0], fcntl.LOCK_UN)

    def let_go(self) -> None:
        """Give back a kept turn now."""
        if self._kept_until is None or self._pid != os.getpid():
            return
        with self._keeping:
            self._release_kept()

    def _release_kept(self) -> None:
        if self._kept_until is not None:
            self._kept_until = None
            fcntl.flock(self._fds[0], fcntl.LOCK_UN)

    def _start_keeper(self) -> None:
        if self._keeper is None:
            self._keeper = threading.Thread(target=self._keep, name="sqlite-write-turn",
                                            daemon=True)
            self._keeper.start()

    def _keep(self) -> None:
        """The keeper thread: lets a kept turn go once its moment has passed."""
        with self._keeping:
            while self._keeper is threading.current_thread():
                if self._kept_until is None:
                    self._keeping.wait()
                    continue
                left = self._kept_until - time.monotonic()
                if left > 0:
                    self._keeping.wait(left)
                else:
                    self._release_kept()

    def close(self) -> None:
        if self._pid != os.getpid():
            return
        self.give_back()
        with self._keeping:
            self._release_kept()
            self._keeper = None  # the keeper thread ends
            self._keeping.notify()
        self._close_descriptors()

    def __del__(self):
        self.close()

    def _descriptors(self, path: str) -> tuple[int, int]:
        if self._fds_path != path:  # first use, or the database was renamed (tests)
            self._close_descriptors()
            self._fds = tuple(os.open(name, os.O_CREAT | os.O_RDWR, 0o600)
                              for name in (path, f"{path}.queue"))
            self._fds_path = path
        return self._fds

    def _close_descriptors(self) -> None:
        if self._fds is not None:
            for fd in self._fds:
                os.close(fd)
        self._fds, self._fds_path = None, None
