"""Tasks queued inside a transaction run only after it commits, and never if it rolls
back: beside the data the task row is part of the transaction, elsewhere it is handed
over on commit."""

import pytest
from django.db import transaction
from django_tasks import task, task_backends
from django_tasks_db.models import DBTaskResult

from salter.tasks import enqueue_on_commit

pytestmark = pytest.mark.django_db


@task()
def remember(value: int) -> int:
    return value


def test_beside_the_data_the_task_row_is_written_in_the_transaction(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue_on_commit(remember, 7)
        queued = DBTaskResult.objects.get()  # visible to this transaction already
    assert callbacks == []  # no commit of its own
    assert queued.args_kwargs["args"] == [7]


def test_beside_the_data_a_rollback_takes_the_task_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(remember, 7)
        raise RuntimeError("the action failed after queueing")
    assert not DBTaskResult.objects.exists()


def test_another_backend_gets_the_task_only_on_commit(settings,
                                                      django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(remember, 7)
        assert backend.results == []
    assert len(callbacks) == 1
    assert [result.args for result in backend.results] == [[7]]

