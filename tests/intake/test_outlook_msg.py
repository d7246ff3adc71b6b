"""Outlook .msg files through the intake pipeline, as specifications: a .msg gives the
same case, client, documents, threading and duplicates as the equivalent .eml, keeps its
own bytes as the stored original, and goes to quarantine with a reason when unreadable."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from salter.cases.models import Case, CaseEvent
from salter.channels.email.accept import accept_emails, scan_message_id
from salter.channels.models import InboundMessage, OutboundMessage
from salter.documents.storage import read_blob
from salter.intake.pipeline import process_batch, process_inbound, replay
from tests.channels.email.corpus import SERBIAN_LATIN, Part, build_message, forwarded
from tests.channels.email.msgwriter import MsgAttachment, MsgMessage, build_msg, word_document
from tests.intake.conftest import CITIZEN

pytestmark = pytest.mark.django_db
Kind = CaseEvent.Kind
State = InboundMessage.State
PERMIT = "Захтев за издавање грађевинске дозволе и скица парцеле.pdf"


def ingest(*paths) -> list[dict]:
    """Run `salter ingest-email` on files and read its JSON lines."""
    from io import StringIO

    out = StringIO()
    call_command("ingest-email", "--municipality", "subotica", *map(str, paths), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def inbound_of(case: Case) -> InboundMessage:
    return InboundMessage.objects.get(case=case)


def test_ingest_email_opens_a_case_from_a_msg_file_and_keeps_the_msg_as_original(
        municipality, tmp_path):
    raw = build_msg(MsgMessage(subject="Zahtev za građevinsku dozvolu", attachments=[
        MsgAttachment(b"%PDF-1.4 " + bytes(6000), long_filename=PERMIT,
                      filename="ZAHTEV~1.PDF", mime_tag="application/pdf")]))
    path = tmp_path / "zahtev.msg"
    path.write_bytes(raw)

    (line,) = ingest(path)

    case = Case.objects.get()
    assert line == {"file": str(path), "status": "created", "case": case.registry_number,
                    "reason": ""}
    assert case.subject == "Zahtev za građevinsku dozvolu"
    client = case.clients.get()
    assert (client.first_name, client.last_name) == ("Marko", "Petrović")
    assert client.contact_points.get().value == CITIZEN
    message_in = case.events.get(kind=Kind.MESSAGE_IN)
    assert message_in.text == SERBIAN_LATIN
    document = case.documents.get()
    assert document.filename == PERMIT
    assert message_in.ref["documents"] == [document.pk]
    inbound = inbound_of(case)
    sha256 = hashlib.sha256(raw).hexdigest()
    assert read_blob(inbound.raw) == raw
    assert inbound.idempotency_key == f"|{sha256}"
    assert inbound.external_id == "20240205101500.1234@example.net"
    ack = OutboundMessage.objects.get(case=case)
    assert ack.recipient == CITIZEN
    assert ack.in_reply_to == "<20240205101500.1234@example.net>"


def test_msg_is_keyed_by_its_digest_not_by_header_lines_inside_its_binary():
    headers = ("From: ana.kovac@example.net\r\nSubject: Stara\r\n"
               "Message-ID: <attached-one@example.net>\r\n\r\n")
    raw = build_msg(MsgMessage(unicode=False, codepage=1250, message_id=None,
                               transport_headers=headers))
    assert b"\r\nMessage-ID: <attached-one@example.net>" in raw

    assert scan_message_id(raw) == ""


def test_msg_and_its_eml_give_the_same_case_client_and_documents(
        municipality, other_municipality, deliver):
    photo = b"\xff\xd8\xff jpeg"
    eml = build_message(subject="Rupa na putu", body=SERBIAN_LATIN,
                        attachments=[Part("fotografija.jpg", "image/jpeg", photo)])
    msg = build_msg(MsgMessage(subject="Rupa na putu", body=SERBIAN_LATIN, attachments=[
        MsgAttachment(photo, long_filename="fotografija.jpg", mime_tag="image/jpeg")]))

    cases = []
    for raw, where in ((eml, municipality), (msg, other_municipality)):
        outcome, inbound = deliver(raw, to=where)
        assert outcome == "created"
        cases.append(inbound.case)

    def summary(case):
        client = case.clients.get()
        return (case.subject, case.language, client.first_name, client.last_name,
                case.events.get(kind=Kind.MESSAGE_IN).text,
                [(d.filename, read_blob(d.blob)) for d in case.documents.all()],
                list(case.events.order_by("pk").values_list("kind", flat=True)))

    assert summary(cases[0]) == summary(cases[1])


def test_msg_reply_is_appended_by_in_reply_to_from_its_transport_headers(
        deliver, clerk, case, citizen):
    from salter.channels.outbox import queue_message

    ours = queue_message(actor=clerk, case=case, client=citizen, recipient=CITIZEN,
                         subject="Odgovor", body="Molimo dopunu.", purpose="reply")
    headers = (f"From: Marko Petrovic <{CITIZEN}>\r\nTo: pisarnica@subotica.rs\r\n"
               "Subject: Dopuna\r\nDate: Tue, 06 Feb 2024 08:00:00 +0100\r\n"
               f"Message-ID: <dopuna@example.net>\r\nIn-Reply-To: {ours.external_id}\r\n"
               f"References: {ours.external_id}\r\nMIME-Version: 1.0\r\n\r\n")

    outcome, inbound = deliver(build_msg(MsgMessage(
        subject="Dopuna (Outlook)", body="Šaljem dopunu.", message_id=None,
        transport_headers=headers)))

    assert outcome == "appended"
    assert inbound.case == case
    assert inbound.subject == "Dopuna"
    assert inbound.external_id == "dopuna@example.net"
    assert case.events.get(kind=Kind.MESSAGE_IN).text == "Šaljem dopunu."


def test_msg_of_a_message_already_received_as_eml_is_a_duplicate(deliver):
    _outcome, first = deliver(build_message(subject="Rupa na putu"))

    outcome, copy = deliver(build_msg(MsgMessage(subject="Rupa na putu")))

    assert outcome == "duplicate"
    assert copy.state == State.DUPLICATE and copy.case == first.case
    assert Case.objects.count() == 1


def test_eml_of_a_message_already_received_as_msg_is_a_duplicate(deliver):
    _outcome, first = deliver(build_msg(MsgMessage(subject="Rupa na putu")))

    outcome, copy = deliver(build_message(subject="Rupa na putu"))

    assert outcome == "duplicate"
    assert copy.case == first.case


def test_the_same_msg_file_twice_is_stored_once(municipality, tmp_path):
    path = tmp_path / "prijava.msg"
    path.write_bytes(build_msg(MsgMessage()))

    lines = ingest(path, path)

    assert [line["status"] for line in lines] == ["created", "duplicate"]
    assert InboundMessage.objects.count() == 1


def test_forwarded_msg_inside_a_msg_brings_its_attachments(deliver):
    original = MsgMessage(subject="Kvar na javnoj rasveti", body="Lampa ne radi.",
                          sender_name="Ana Kovač", sender_address="ana.kovac@example.net",
                          message_id="<original@example.net>",
                          attachments=[MsgAttachment(b"jpeg", long_filename="lampa.jpg",
                                                     mime_tag="image/jpeg")])

    outcome, inbound = deliver(build_msg(MsgMessage(
        subject="FW: Kvar na javnoj rasveti", body="Prosleđujem prijavu suseda.",
        attachments=[MsgAttachment(embedded=original, display_name="Kvar na javnoj rasveti")])))

    assert outcome == "created"
    case = inbound.case
    assert case.events.get(kind=Kind.MESSAGE_IN).text == "Prosleđujem prijavu suseda."
    assert sorted(case.documents.values_list("filename", flat=True)) == [
        "Kvar na javnoj rasveti.eml", "lampa.jpg"]


def test_forwarded_msg_gives_the_same_documents_as_the_forwarded_eml(deliver, other_municipality):
    inner_eml = build_message(subject="Kvar", body="Lampa ne radi.",
                              attachments=[Part("lampa.jpg", "image/jpeg", b"jpeg")])
    eml = build_message(subject="FW: Kvar", body="Prosleđujem.",
                        attachments=[forwarded(inner_eml, "Kvar.eml")])
    msg = build_msg(MsgMessage(subject="FW: Kvar", body="Prosleđujem.", attachments=[
        MsgAttachment(embedded=MsgMessage(subject="Kvar", body="Lampa ne radi.", attachments=[
            MsgAttachment(b"jpeg", long_filename="lampa.jpg", mime_tag="image/jpeg")]),
            display_name="Kvar")]))

    _outcome, by_eml = deliver(eml)
    _outcome, by_msg = deliver(msg, to=other_municipality)

    def names(inbound):
        return sorted(inbound.case.documents.values_list("filename", flat=True))

    assert names(by_eml) == names(by_msg) == ["Kvar.eml", "lampa.jpg"]


# --- unreadable files ------------------------------------------------------------------------


def test_unreadable_msg_files_are_quarantined_with_a_reason_and_kept(municipality, tmp_path,
                                                                      settings):
    settings.SALTER_MAIL_MAX_ATTACHMENT_BYTES = 5000
    files = {
        "ostecen.msg": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 3000,
        "prekinut.msg": build_msg(MsgMessage())[:2000],
        "dokument.doc": word_document(),
        "veliki-prilog.msg": build_msg(MsgMessage(attachments=[
            MsgAttachment(bytes(6000), long_filename="snimak.pdf")])),
    }
    paths = []
    for name, raw in files.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(raw)

    lines = ingest(*paths)

    assert [line["status"] for line in lines] == ["quarantined"] * 4
    reasons = [line["reason"] for line in lines]
    assert "Outlook .msg file is damaged" in reasons[0]
    assert "Outlook .msg file is damaged" in reasons[1]
    assert "not an Outlook .msg message" in reasons[2]
    assert "'snimak.pdf'" in reasons[3] and "size limit of 5000 bytes" in reasons[3]
    for inbound, raw in zip(InboundMessage.objects.order_by("pk"), files.values(), strict=True):
        assert inbound.state == State.QUARANTINED
        assert read_blob(inbound.raw) == raw
    assert not Case.objects.exists()


def test_quarantined_msg_replays_after_the_limit_is_raised(deliver, settings):
    settings.SALTER_MAIL_MAX_ATTACHMENT_BYTES = 5000
    outcome, inbound = deliver(build_msg(MsgMessage(attachments=[
        MsgAttachment(bytes(6000), long_filename="snimak.pdf")])))
    assert outcome == "quarantined"

    settings.SALTER_MAIL_MAX_ATTACHMENT_BYTES = 10_000
    assert replay(inbound) == "created"
    inbound.refresh_from_db()
    assert inbound.case.documents.get().filename == "snimak.pdf"


def test_quarantine_reason_is_in_the_language_of_the_worker(municipality):
    (inbound, _created), = accept_emails(municipality=municipality, raws=[word_document()],
                                         source="test")

    with translation.override("sr-latn"):
        process_inbound(inbound.pk)

    inbound.refresh_from_db()
    assert inbound.state == State.QUARANTINED
    assert "Outlook" in inbound.reason and "nije" in inbound.reason


# --- batches ---------------------------------------------------------------------------------


def test_batch_with_a_msg_and_the_eml_of_the_same_message_opens_one_case(municipality):
    raws = [build_msg(MsgMessage(subject="Rupa na putu")),
            build_message(subject="Rupa na putu"),
            build_msg(MsgMessage(subject="Druga prijava", message_id="<druga@example.net>"))]
    ids = [inbound.pk for inbound, _created in
           accept_emails(municipality=municipality, raws=raws, source="test")]

    outcomes = process_batch(ids)

    assert sorted(outcomes.values()) == ["created", "created", "duplicate"]
    assert Case.objects.count() == 2
    first, second, third = InboundMessage.objects.filter(pk__in=ids).order_by("pk")
    assert first.case == second.case
    assert third.external_id == "druga@example.net"
