"""Taking turns at SQLite's one write lock.

SQLite lets one writer in at a time, and a writer that finds the lock taken sleeps in
steps of up to 100 ms before it looks again: two intake workers whose transactions
collide lose more time sleeping than writing. Waiting on an flock(2) of a file beside
the database instead wakes the next worker the moment the lock is released. PostgreSQL
locks rows, not the database, and needs none of this.
"""

import fcntl
import os
from contextlib import contextmanager

from django.db import connection

_open: dict[tuple[int, str], int] = {}


@contextmanager
def write_turn():
    """Hold the turn for a write transaction (on SQLite files; otherwise a no-op)."""
    path = _turn_file()
    if path is None:
        yield
        return
    fd = _descriptor(path)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _turn_file() -> str | None:
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        # Inside a transaction the write lock may already be held: waiting for the turn
        # there could deadlock with a worker that has the turn and waits for the lock.
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return f"{name}.write-turn"


def _descriptor(path: str) -> int:
    # Per process: a descriptor inherited over fork() would share its lock with the parent.
    key = (os.getpid(), path)
    if key not in _open:
        _open[key] = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    return _open[key]
