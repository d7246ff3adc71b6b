"""Nothing is lost and nothing stops the rest: bad messages are quarantined with a reason,
can be replayed after a fix, and a batch goes on past them."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from salter.cases.models import Case
from salter.channels.email.accept import accept_emails
from salter.channels.models import InboundMessage
from salter.documents.models import Document
from salter.intake.pipeline import process_batch, replay, requeue_stale
from tests.channels.email.corpus import build_message, hostile_messages

pytestmark = pytest.mark.django_db
State = InboundMessage.State


def test_empty_message_is_quarantined_with_the_reason(deliver):
    outcome, inbound = deliver(b"")

    assert outcome == "quarantined"
    assert inbound.state == State.QUARANTINED
    assert "empty" in inbound.reason


def test_processing_error_is_quarantined_and_replays_after_the_fix(deliver, municipality):
    municipality.registry_pattern = "{unit}-{seq}/{year}-{oops}"  # a broken configuration
    municipality.save()

    outcome, inbound = deliver(build_message())

    assert outcome == "quarantined"
    assert "oops" in inbound.reason
    assert not Case.objects.exists()

    municipality.registry_pattern = "{unit}-{seq}/{year}"
    municipality.save()
    assert replay(inbound) == "created"
    inbound.refresh_from_db()
    assert inbound.state == State.PROCESSED and inbound.reason == ""
    assert inbound.case.registry_number.startswith("IV-1/")


def test_replay_of_a_message_that_is_still_bad_keeps_it_quarantined(deliver):
    _outcome, inbound = deliver(b"\r\n\r\n   \r\n")

    assert replay(inbound) == "quarantined"
    assert InboundMessage.objects.get().state == State.QUARANTINED


def test_hostile_corpus_is_settled_safely_and_the_rest_of_the_batch_goes_on(municipality):
    hostile = hostile_messages()
    good = build_message(subject="Ispravna poruka", message_id="<good@example.net>",
                         from_address="dobar@example.net")
    names = [*hostile, "good"]
    results = accept_emails(municipality=municipality, raws=[*hostile.values(), good],
                            source="test")
    ids = [inbound.pk for inbound, _created in results]

    outcomes = process_batch(ids)

    by_name = dict(zip(names, (outcomes[pk] for pk in ids), strict=True))
    assert by_name["good"] == "created"
    for name in ("empty", "whitespace_only", "deep_nesting", "oversized_attachment"):
        assert by_name[name] == "quarantined", name
    states = dict(InboundMessage.objects.values_list("pk", "state"))
    assert State.RECEIVED not in states.values()
    for inbound in InboundMessage.objects.all():
        assert "\r" not in inbound.subject and "\n" not in inbound.subject
        assert "\x00" not in inbound.body_text
        assert "<script" not in inbound.body_text
        if inbound.state == State.QUARANTINED:
            assert inbound.reason
    for document in Document.objects.all():
        assert "/" not in document.filename and "\\" not in document.filename
        assert not document.filename.startswith(".") and "\x00" not in document.filename


def test_requeue_stale_hands_out_abandoned_messages_and_gives_up_on_poison(
        municipality, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    results = accept_emails(municipality=municipality, source="test", raws=[
        build_message(message_id="<a@x>"), build_message(message_id="<b@x>")])
    abandoned, poison = (inbound for inbound, _ in results)
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    InboundMessage.objects.filter(pk=abandoned.pk).update(
        received_at=long_ago, queued_at=long_ago, last_attempt_at=long_ago, attempts=1)
    InboundMessage.objects.filter(pk=poison.pk).update(
        received_at=long_ago, queued_at=long_ago, last_attempt_at=long_ago, attempts=5)
    DBTaskResult.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        recovered = requeue_stale(older_than_seconds=300)

    assert recovered == {"requeued": 1, "quarantined": 1}
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[abandoned.pk]]
    poison.refresh_from_db()
    assert poison.state == State.QUARANTINED and "5 attempts" in poison.reason
    assert requeue_stale(older_than_seconds=300) == {"requeued": 0, "quarantined": 0}


def _backlog(municipality, n):
    """`n` messages accepted half an hour ago and never started: a backlog."""
    results = accept_emails(municipality=municipality, source="test", raws=[
        build_message(message_id=f"<backlog-{i}@x>") for i in range(n)])
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    pks = [inbound.pk for inbound, _ in results]
    InboundMessage.objects.filter(pk__in=pks).update(received_at=long_ago, queued_at=long_ago)
    return pks


def test_a_backlog_whose_tasks_are_still_queued_is_not_handed_out_again(
        municipality, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    _backlog(municipality, 3)
    queued = DBTaskResult.objects.count()
    assert queued >= 1

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale(older_than_seconds=300) == {"requeued": 0, "quarantined": 0}
    assert DBTaskResult.objects.count() == queued


def test_a_backlog_of_texts_whose_tasks_are_still_queued_is_not_handed_out_again(
        municipality, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from salter.channels.sms.accept import accept_webhook
    from salter.channels.sms.tasks import process_texts

    for i in range(3):
        data = {"type": "mo", "id": f"gw-{i}", "from": "064 123 4567", "to": "1234",
                "text": f"Ne radi semafor {i}"}
        accept_webhook(municipality=municipality, body=json.dumps(data).encode(), data=data,
                       signature=f"sig-{i}")
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    InboundMessage.objects.update(received_at=long_ago, queued_at=long_ago)
    queued = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == [process_texts.module_path] * 3

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale(older_than_seconds=300) == {"requeued": 0, "quarantined": 0}
    assert DBTaskResult.objects.count() == len(queued)


def test_a_backlog_whose_task_was_lost_is_handed_out_again_in_batches(
        municipality, django_capture_on_commit_callbacks, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from salter.intake import pipeline
    from salter.intake.pipeline import process_inbound_batch_task

    monkeypatch.setattr(pipeline, "BATCH_SIZE", 2)
    pks = _backlog(municipality, 5)
    DBTaskResult.objects.all().delete()  # the queue was wiped

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale(older_than_seconds=300) == {"requeued": 5, "quarantined": 0}
    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert {t.task_path for t in tasks} == {process_inbound_batch_task.module_path}
    assert sorted(pk for t in tasks for pk in t.args_kwargs["args"][0]) == sorted(pks)
    assert len(tasks) == 3
    for t in tasks:
        process_batch(t.args_kwargs["args"][0])
    assert not InboundMessage.objects.filter(pk__in=pks, state=State.RECEIVED).exists()


def test_an_abandoned_message_is_handed_out_alone_while_a_backlog_waits(
        municipality, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from salter.intake.pipeline import process_inbound_task

    waiting = _backlog(municipality, 2)
    abandoned = waiting.pop()
    long_ago = timezone.now() - datetime.timedelta(minutes=30)
    InboundMessage.objects.filter(pk=abandoned).update(last_attempt_at=long_ago, attempts=1)
    before = set(DBTaskResult.objects.values_list("pk", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale(older_than_seconds=300) == {"requeued": 1, "quarantined": 0}
    [task] = DBTaskResult.objects.exclude(pk__in=before)
    assert task.task_path == process_inbound_task.module_path
    assert task.args_kwargs["args"] == [abandoned]


def test_quarantine_command_lists_shows_and_replays(deliver, municipality, capsys):
    municipality.registry_pattern = "{seq}/{year}{broken"
    municipality.save()
    _outcome, inbound = deliver(build_message())

    call_command("quarantine", "list")
    listed = capsys.readouterr().out
    assert listed.startswith(f"{inbound.pk}\tsubotica\t")
    call_command("quarantine", "show", str(inbound.pk))
    shown = capsys.readouterr().out
    assert "state: quarantined" in shown and "đubre" in shown

    municipality.registry_pattern = "{seq}/{year}"
    municipality.save()
    call_command("quarantine", "replay", "--all")
    assert capsys.readouterr().out.startswith(f"{inbound.pk}\tcreated")
    with pytest.raises(CommandError):
        call_command("quarantine", "replay")


def test_ingest_email_prints_one_json_line_per_file(municipality, tmp_path, capsys):
    new = tmp_path / "nova.eml"
    new.write_bytes(build_message(subject="Nova prijava"))
    broken = tmp_path / "prazna.eml"
    broken.write_bytes(b"")
    outlook = tmp_path / "outlook.msg"
    outlook.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)

    call_command("ingest-email", "--municipality", "subotica", str(new), str(broken),
                 str(outlook), str(new))

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    case = Case.objects.get()
    assert [line["status"] for line in lines] == ["created", "quarantined", "quarantined",
                                                   "duplicate"]
    assert lines[0] == {"file": str(new), "status": "created", "case": case.registry_number,
                        "reason": ""}
    assert lines[3]["case"] == case.registry_number
    assert "Outlook .msg" in lines[2]["reason"]


def test_ingest_email_fails_for_missing_files_and_unknown_municipality(municipality, tmp_path,
                                                                       capsys):
    with pytest.raises(CommandError, match="Unknown municipality 'nowhere'"):
        call_command("ingest-email", "--municipality", "nowhere", str(tmp_path / "x.eml"))
    with pytest.raises(CommandError) as failed:
        call_command("ingest-email", "--municipality", "subotica", str(tmp_path / "x.eml"))
    assert failed.value.returncode == 2
    line = json.loads(capsys.readouterr().out)
    assert line["status"] == "unreadable" and line["case"] is None
