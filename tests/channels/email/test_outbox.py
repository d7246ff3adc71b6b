"""The outbox: queueing inside the caller's transaction, and sending through real SMTP."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from salter.cases.models import CaseEvent
from salter.channels import outbox
from salter.channels.models import OutboundMessage
from tests.channels.conftest import CITIZEN_EMAIL

Kind = CaseEvent.Kind
State = OutboundMessage.State


def _queue(actor, case, client, **kwargs):
    fields = {"recipient": CITIZEN_EMAIL, "subject": "Odgovor", "body": "Poštovani, …",
              "purpose": OutboundMessage.Purpose.REPLY}
    fields.update(kwargs)
    return outbox.queue_message(actor=actor, case=case, client=client, **fields)


@pytest.mark.django_db
def test_queued_message_names_the_case_and_is_on_the_timeline(clerk, case, citizen, settings):
    settings.SALTER_MAIL_DOMAIN = "mail.subotica.test"
    message = _queue(clerk, case, citizen, recipient=" Marko.Petrovic@Example.NET ")

    assert message.state == State.QUEUED
    assert message.recipient == CITIZEN_EMAIL
    assert message.subject == f"[{case.registry_number}] Odgovor"
    assert message.message_id.startswith("<") and message.message_id.endswith(
        "@mail.subotica.test>")
    assert message.language == case.language
    event = case.events.get(kind=Kind.MESSAGE_OUT)
    assert event.ref == {"outbound": message.pk}
    assert event.after["state"] == State.QUEUED
    assert event.actor == clerk.user


@pytest.mark.django_db
def test_subject_already_carrying_the_number_is_kept(clerk, case, citizen):
    subject = f"Re: [{case.registry_number}] Rupa"
    assert _queue(clerk, case, citizen, subject=subject).subject == subject


@pytest.mark.django_db
def test_subject_cannot_smuggle_headers(clerk, case, citizen):
    message = _queue(clerk, case, citizen, subject="Hi\r\nBcc: everyone@example.org")
    assert "\n" not in message.subject and "\r" not in message.subject


@pytest.mark.django_db
def test_reply_continues_the_reference_chain(clerk, case, citizen):
    message = _queue(clerk, case, citizen, in_reply_to="<b@citizen.example>",
                     references="<a@salter.localhost>")
    assert message.in_reply_to == "<b@citizen.example>"
    assert message.references == "<a@salter.localhost> <b@citizen.example>"


@pytest.mark.django_db
def test_send_task_is_enqueued_only_after_commit(clerk, case, citizen,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = _queue(clerk, case, citizen)
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    task = DBTaskResult.objects.get()
    assert task.task_path == "salter.channels.outbox.send_outbound"
    assert task.args_kwargs["args"] == [message.pk]


@pytest.mark.django_db
def test_nothing_is_queued_when_the_action_rolls_back(clerk, case, citizen,
                                                      django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        _queue(clerk, case, citizen)
        raise RuntimeError("the action failed after queueing")
    assert callbacks == []
    assert not OutboundMessage.objects.exists()
    assert not case.events.filter(kind=Kind.MESSAGE_OUT).exists()


@pytest.mark.django_db
def test_backoff_doubles_up_to_the_cap(settings):
    settings.SALTER_MAIL_RETRY_BASE_SECONDS = 60
    settings.SALTER_MAIL_RETRY_MAX_SECONDS = 3600
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]
