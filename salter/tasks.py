"""Queueing background tasks so that they run only after the work they are about.

A task queued inside a transaction must not run before that transaction commits, nor run
if it rolls back. With the tasks in the database beside the data (django-tasks-db on the
same database, Šalter's default) the task row is simply written inside the transaction:
it becomes visible together with the data, and costs no commit (and, on SQLite, no write
turn) of its own. Any other backend is handed the task when the transaction commits.
"""

from django.db import router, transaction
from django_tasks import TaskResultStatus
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def enqueue_on_commit(task, *args, using: str | None = None) -> None:
    """Queue `task(*args)` to run once the current transaction (if any) has committed."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block or _beside_the_data(task, connection.alias):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args), using=using)


def _beside_the_data(task, alias: str) -> bool:
    return (isinstance(task.get_backend(), DatabaseBackend)
            and router.db_for_write(DBTaskResult) == alias)


def waiting(*tasks) -> bool:
    """Whether a task of one of these kinds is queued and not yet started (ready now or
    due later). Only the database's queue can be asked; with another backend: False."""
    if not all(isinstance(t.get_backend(), DatabaseBackend) for t in tasks):
        return False
    return DBTaskResult.objects.filter(
        task_path__in=[t.module_path for t in tasks],
        status=TaskResultStatus.READY).exists()
