"""The outbox: queueing inside the caller's transaction, and sending through real SMTP."""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from salter.cases.models import CaseEvent
from salter.channels import outbox
from salter.channels.email.devservices import free_port, start_smtp_relay
from salter.channels.models import OutboundMessage
from salter.lang.deferred import Deferred
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
    assert message.external_id.startswith("<") and message.external_id.endswith(
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
def test_send_task_is_queued_with_the_message_in_its_transaction(clerk, case, citizen):
    message = _queue(clerk, case, citizen)
    task = DBTaskResult.objects.get()
    assert task.task_path == "salter.channels.outbox.send_outbound"
    assert task.args_kwargs["args"] == [message.pk]


@pytest.mark.django_db
def test_nothing_is_queued_when_the_action_rolls_back(clerk, case, citizen):
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue(clerk, case, citizen)
        raise RuntimeError("the action failed after queueing")
    assert not DBTaskResult.objects.exists()
    assert not OutboundMessage.objects.exists()
    assert not case.events.filter(kind=Kind.MESSAGE_OUT).exists()


@pytest.mark.django_db
def test_backoff_doubles_up_to_the_cap(settings):
    settings.SALTER_MAIL_RETRY_BASE_SECONDS = 60
    settings.SALTER_MAIL_RETRY_MAX_SECONDS = 3600
    delays = [outbox.retry_delay(n).total_seconds() for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


# --- sending through real SMTP into a real Dovecot mailbox -----------------------------------


@pytest.fixture
def via_relay(settings, smtp_relay):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_relay.port
    return smtp_relay


def _delivery_events(case):
    return list(case.events.filter(kind=Kind.DELIVERY))


@pytest.mark.integration
@pytest.mark.django_db
def test_acknowledgement_arrives_with_number_thread_headers_and_auto_submitted(
        clerk, case, citizen, citizen_account, via_relay, municipality):
    municipality.email = "pisarnica@subotica.test"
    municipality.save()
    message = _queue(clerk, case, citizen, subject="Primili smo vašu poruku",
                     body="Vaš predmet je zaveden.",
                     purpose=OutboundMessage.Purpose.ACKNOWLEDGEMENT,
                     in_reply_to="<m1@citizen.example>", references="<m0@citizen.example>")

    assert outbox.send_outbound.call(message.pk) == State.SENT

    [mail] = citizen_account.messages()
    assert mail["Subject"] == f"[{case.registry_number}] Primili smo vašu poruku"
    assert mail["Message-ID"] == message.external_id
    assert mail["In-Reply-To"] == "<m1@citizen.example>"
    assert mail["References"] == "<m0@citizen.example> <m1@citizen.example>"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Salter-Case"] == case.registry_number
    assert mail["Content-Language"] == "sr-Latn"
    assert mail["From"].addresses[0].addr_spec == "pisarnica@subotica.test"
    assert mail.get_content().strip() == "Vaš predmet je zaveden."
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 1)
    assert message.sent_at is not None
    [event] = _delivery_events(case)
    assert event.after["state"] == State.SENT
    assert event.ref == {"outbound": message.pk}


@pytest.mark.integration
@pytest.mark.django_db
def test_staff_reply_in_cyrillic_is_not_auto_submitted(clerk, case, citizen, citizen_account,
                                                      via_relay):
    body = "Поштовани, рупа ће бити санирана до петка.\nОпштина Суботица"
    message = _queue(clerk, case, citizen, subject="Одговор", body=body, language="sr")

    outbox.send_outbound.call(message.pk)

    [mail] = citizen_account.messages()
    assert mail["Subject"] == f"[{case.registry_number}] Одговор"
    assert mail["Auto-Submitted"] is None
    assert mail["Content-Language"] == "sr-Cyrl"
    # Base64 text carries canonical CRLF line ends (RFC 2045); compare the lines.
    assert mail.get_content().splitlines() == body.splitlines()


@pytest.mark.integration
@pytest.mark.django_db
def test_server_down_means_retry_with_backoff_then_delivery(clerk, case, citizen,
                                                            citizen_account, dovecot, settings):
    settings.EMAIL_PORT = outbox_port = _closed_port()
    settings.SALTER_MAIL_RETRY_BASE_SECONDS = 1
    message = _queue(clerk, case, citizen)

    assert outbox.send_outbound.call(message.pk) == State.RETRYING
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.RETRYING, 1)
    assert "Connection" in message.last_error
    # Besides the task queued with the message, one for the retry at its time.
    first, retry = DBTaskResult.objects.filter(args_kwargs__args=[message.pk]).order_by(
        "enqueued_at")
    assert retry.run_after == message.next_attempt_at != first.run_after
    [deferred] = _delivery_events(case)
    assert deferred.after["state"] == State.RETRYING
    assert deferred.after["retry_at"] == message.next_attempt_at.isoformat()
    assert "Connection" not in reason_of(deferred)  # staff read why, not the exception
    assert reason_of(deferred) == "The mail server could not be reached."

    relay = start_smtp_relay(dovecot.lmtp_port, port=outbox_port)
    try:
        # Not due yet: the backoff is respected even when the server is back.
        assert outbox.send_outbound.call(message.pk) == "skipped"
        time.sleep(1.1)
        assert outbox.send_due() == {State.SENT: 1}
    finally:
        relay.stop()
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 2)
    assert len(citizen_account.messages()) == 1
    assert [e.after["state"] for e in _delivery_events(case)] == [State.RETRYING, State.SENT]


@pytest.mark.integration
@pytest.mark.django_db
def test_4xx_answer_is_temporary(clerk, case, citizen, settings):
    # A relay whose mailbox server is unreachable answers 451.
    relay = start_smtp_relay(lmtp_port=_closed_port())
    settings.EMAIL_PORT = relay.port
    try:
        message = _queue(clerk, case, citizen)
        assert outbox.send_outbound.call(message.pk) == State.RETRYING
    finally:
        relay.stop()
    message.refresh_from_db()
    assert message.last_error.startswith("451")


@pytest.mark.integration
@pytest.mark.django_db
def test_unknown_recipient_is_a_permanent_failure_on_the_timeline(clerk, case, citizen,
                                                                  via_relay):
    message = _queue(clerk, case, citizen, recipient="nobody-here@mail.test")

    assert outbox.send_outbound.call(message.pk) == State.FAILED

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error.startswith("550")
    [event] = _delivery_events(case)
    assert event.after["state"] == State.FAILED
    assert "550" in reason_of(event)
    # A failed message is not tried again.
    assert outbox.send_outbound.call(message.pk) == "skipped"


@pytest.mark.integration
@pytest.mark.django_db
def test_gives_up_after_the_last_attempt(clerk, case, citizen, settings):
    settings.EMAIL_PORT = _closed_port()
    settings.SALTER_MAIL_RETRY_BASE_SECONDS = 1
    settings.SALTER_MAIL_MAX_ATTEMPTS = 2
    message = _queue(clerk, case, citizen)

    assert outbox.send_outbound.call(message.pk) == State.RETRYING
    time.sleep(1.1)
    assert outbox.send_due() == {State.FAILED: 1}

    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.FAILED, 2)
    assert "2 attempts" in message.last_error
    assert [e.after["state"] for e in _delivery_events(case)] == [State.RETRYING, State.FAILED]
    assert reason_of(_delivery_events(case)[-1]).startswith("Gave up after 2 attempts: ")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_message_is_sent_exactly_once_when_the_task_runs_twice(clerk, case, citizen,
                                                               citizen_account, via_relay):
    message = _queue(clerk, case, citizen)  # committed with its send task
    outbox.send_outbound.enqueue(message.pk)  # e.g. send_due raced the queue
    assert DBTaskResult.objects.count() == 2

    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    assert len(citizen_account.messages()) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == (State.SENT, 1)
    assert len(_delivery_events(case)) == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_once(clerk, case, citizen, citizen_account, via_relay):
    message = _queue(clerk, case, citizen)
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        start.wait()
        try:
            outcomes.append(outbox.send_outbound.call(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [State.SENT, "skipped"]
    assert len(citizen_account.messages()) == 1


def reason_of(event) -> str:
    """Why a delivery event's attempt failed, as staff read it (here in English)."""
    return str(Deferred.from_data(event.after["reason"]))


def _closed_port() -> int:
    return free_port()  # nothing listens there: connection refused


@pytest.mark.django_db
def test_bare_message_ids_from_intake_are_angled(clerk, case, citizen):
    message = _queue(clerk, case, citizen, in_reply_to="b@citizen.example",
                     references="a@citizen.example <b@citizen.example>")
    assert message.in_reply_to == "<b@citizen.example>"
    assert message.references == "<a@citizen.example> <b@citizen.example>"


@pytest.mark.integration
@pytest.mark.django_db
def test_send_due_leaves_fresh_messages_to_their_task_and_sends_lost_ones(
        clerk, case, citizen, citizen_account, via_relay):
    message = _queue(clerk, case, citizen)
    assert outbox.send_due() == {}

    OutboundMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - outbox.QUEUED_GRACE)  # its task was lost
    assert outbox.send_due() == {State.SENT: 1}
    assert len(citizen_account.messages()) == 1
