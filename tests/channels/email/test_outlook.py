"""Outlook .msg files become Internet messages that the one parser reads like any .eml;
what cannot be read (damaged, hostile or not a message at all) is refused with a reason."""

import random
import struct
import time
from datetime import UTC, datetime

import pytest

from salter.channels.email.outlook import (
    UnreadableOutlookFile,
    is_compound_file,
    to_internet_message,
)
from salter.channels.email.parsing import UnparseableEmail, parse_email
from tests.channels.email.corpus import HUNGARIAN, SERBIAN_CYRILLIC, SERBIAN_LATIN
from tests.channels.email.msgwriter import (
    MsgAttachment,
    MsgMessage,
    MsgRecipient,
    build_msg,
    compound_file,
    uncompressed_rtf,
    word_document,
)

CITIZEN = "marko.petrovic@example.net"
RTF = (rb"{\rtf1\ansi\ansicpg1250\deff0{\fonttbl{\f0\fswiss\fcharset238 Arial;}}"
       rb"\f0 Po\'9atovani, \b hitno\b0.\par}")
TRANSPORT_HEADERS = (
    "Received: from mail.example.net (mail.example.net [192.0.2.7])\r\n"
    "\tby mx.subotica.rs with ESMTPS; Tue, 6 Feb 2024 08:01:02 +0100\r\n"
    "From: =?utf-8?b?0JzQsNGA0LrQviDQn9C10YLRgNC+0LLQuNGb?= <marko.petrovic@example.net>\r\n"
    "To: Pisarnica <pisarnica@subotica.rs>\r\n"
    "Cc: ana.kovac@example.net\r\n"
    "Subject: =?utf-8?q?Re=3A_Rupa_na_putu_=C4=8Dekamo?=\r\n"
    "Date: Tue, 06 Feb 2024 08:00:00 +0100\r\n"
    "Message-ID: <reply-1@example.net>\r\n"
    "In-Reply-To: <case-7@salter.localhost>\r\n"
    "References: <first@example.net>\r\n <case-7@salter.localhost>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/alternative; boundary="old-boundary"\r\n'
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
)


def convert(message: MsgMessage, **limits):
    return parse_email(to_internet_message(build_msg(message), **limits), **limits)


def refusal(raw: bytes, **limits) -> str:
    with pytest.raises(UnreadableOutlookFile) as refused:
        to_internet_message(raw, **limits)
    return str(refused.value.reason)  # as staff read it, in the active language


def entry_offset(raw: bytes, name: str) -> int:
    """Where the directory entry of the stream or storage `name` starts."""
    offset = raw.find(name.encode("utf-16-le") + b"\x00\x00")
    assert offset > 0 and offset % 128 == 0
    return offset


# --- what a .msg carries -----------------------------------------------------------------


def test_plain_text_message_gives_subject_sender_recipients_date_and_message_id():
    parsed = convert(MsgMessage(recipients=[
        MsgRecipient("Pisarnica", "pisarnica@subotica.rs"),
        MsgRecipient("Ana Kovač", "ana.kovac@example.net", kind=2),
        MsgRecipient("Skriveni", "bcc@example.net", kind=3),
    ]))

    assert parsed.subject == "Zahtev za odvoz kabastog otpada"
    assert (parsed.from_name, parsed.from_address) == ("Marko Petrović", CITIZEN)
    assert parsed.to == ["pisarnica@subotica.rs", "bcc@example.net"]
    assert parsed.cc == ["ana.kovac@example.net"]
    assert parsed.date == datetime(2024, 2, 5, 9, 15, tzinfo=UTC)
    assert parsed.message_id == "20240205101500.1234@example.net"
    assert parsed.text == SERBIAN_LATIN
    assert parsed.attachments == []


def test_html_only_body_is_read_as_text():
    html = ("<html><head><meta charset='windows-1250'></head><body><p>Poštovani,</p>"
            "<p>ulična svetiljka ne radi.</p></body></html>").encode("cp1250")

    parsed = convert(MsgMessage(body=None, html=html))

    assert "Poštovani," in parsed.text and "ulična svetiljka ne radi." in parsed.text
    assert "ulična svetiljka" in parsed.html


def test_html_body_is_decoded_in_the_internet_code_page():
    html = "<p>Kérelem – közvilágítás, őszi szünet</p>".encode("cp1250")

    parsed = convert(MsgMessage(body=None, html=html, internet_cpid=1250))

    assert "Kérelem – közvilágítás, őszi szünet" in parsed.text


def test_cyrillic_subject_and_body_in_unicode_properties():
    parsed = convert(MsgMessage(subject="Жалба на комуналну службу", body=SERBIAN_CYRILLIC,
                                sender_name="Марко Петровић"))

    assert parsed.subject == "Жалба на комуналну службу"
    assert parsed.text == SERBIAN_CYRILLIC
    assert parsed.from_name == "Марко Петровић"


def test_ansi_strings_are_decoded_in_the_message_code_page():
    parsed = convert(MsgMessage(unicode=False, codepage=1250, subject="Čišćenje snega – Đurđevo",
                                body=SERBIAN_LATIN, sender_name="Đorđe Šaćirović"))

    assert parsed.subject == "Čišćenje snega – Đurđevo"
    assert parsed.text == SERBIAN_LATIN
    assert parsed.from_name == "Đorđe Šaćirović"


def test_ansi_strings_without_a_code_page_fall_back_to_windows_1252():
    parsed = convert(MsgMessage(unicode=False, codepage=None, subject="Café in Novi Sad",
                                sender_name="Hans Müller",
                                body="Ich möchte einen Antrag stellen, danke schön."))

    assert parsed.subject == "Café in Novi Sad"
    assert parsed.from_name == "Hans Müller"
    assert parsed.text == "Ich möchte einen Antrag stellen, danke schön."


def test_ansi_serbian_without_a_code_page_is_repaired_like_mislabelled_mail():
    raw = build_msg(MsgMessage(unicode=False, codepage=1250, body=SERBIAN_LATIN))
    code_page = struct.pack("<I", 0x3FFD0003)  # PR_MESSAGE_CODEPAGE's tag
    assert raw.count(code_page) == 1
    unused = struct.pack("<I", 0x7FF00003)

    parsed = parse_email(to_internet_message(raw.replace(code_page, unused)))

    assert parsed.text == SERBIAN_LATIN


def test_transport_headers_give_the_original_from_subject_and_threading():
    parsed = convert(MsgMessage(subject="Rupa na putu (izmenjen u Outlooku)",
                                sender_name="Marko", message_id="<other@example.net>",
                                transport_headers=TRANSPORT_HEADERS))

    assert parsed.subject == "Re: Rupa na putu čekamo"
    assert (parsed.from_name, parsed.from_address) == ("Марко Петровић", CITIZEN)
    assert parsed.to == ["pisarnica@subotica.rs"]
    assert parsed.cc == ["ana.kovac@example.net"]
    assert parsed.message_id == "reply-1@example.net"
    assert parsed.in_reply_to == "case-7@salter.localhost"
    assert parsed.references == ["first@example.net", "case-7@salter.localhost"]
    assert parsed.date == datetime(2024, 2, 6, 7, 0, tzinfo=UTC)
    assert parsed.text == SERBIAN_LATIN  # the old Content-Type did not come along


def test_exchange_banner_before_the_transport_headers_is_skipped():
    headers = "Microsoft Mail Internet Headers Version 2.0\r\n" + TRANSPORT_HEADERS

    parsed = convert(MsgMessage(transport_headers=headers))

    assert parsed.message_id == "reply-1@example.net"
    assert parsed.in_reply_to == "case-7@salter.localhost"


def test_automatic_reply_headers_survive_for_loop_detection():
    headers = TRANSPORT_HEADERS.replace("MIME-Version", "Auto-Submitted: auto-replied\r\n"
                                        "MIME-Version")

    parsed = convert(MsgMessage(transport_headers=headers))

    assert parsed.headers["Auto-Submitted"] == "auto-replied"
    assert parsed.is_auto_reply


def test_threading_ids_from_properties_when_there_are_no_transport_headers():
    parsed = convert(MsgMessage(in_reply_to="<case-7@salter.localhost>",
                                references="<first@example.net> <case-7@salter.localhost>"))

    assert parsed.in_reply_to == "case-7@salter.localhost"
    assert parsed.references == ["first@example.net", "case-7@salter.localhost"]


def test_exchange_sender_is_given_by_its_smtp_address():
    parsed = convert(MsgMessage(
        sender_addrtype="EX",
        sender_address="/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=MARKO",
        sender_smtp_address=CITIZEN))

    assert parsed.from_address == CITIZEN


def test_message_without_any_sender_address_has_none():
    parsed = convert(MsgMessage(sender_address=None, recipients=[], display_to="Pisarnica"))

    assert parsed.from_address == "" and parsed.to == []


def test_rtf_only_body_says_so_in_the_text():
    parsed = convert(MsgMessage(body=None, rtf=uncompressed_rtf(RTF)))

    assert "only a formatted (RTF) body" in parsed.text


def test_rtf_is_ignored_when_there_is_plain_text():
    parsed = convert(MsgMessage(body="Hvala.", rtf=uncompressed_rtf(RTF)))

    assert parsed.text == "Hvala."


def test_attachment_with_long_cyrillic_filename_and_mime_type():
    name = "Захтев за издавање грађевинске дозволе са свим прилозима и скицама парцеле.pdf"
    data = b"%PDF-1.4\n" + bytes(range(256)) * 40  # over 4 KiB: outside the mini stream

    parsed = convert(MsgMessage(attachments=[
        MsgAttachment(data, long_filename=name, filename="ZAHTEV~1.PDF",
                      mime_tag="application/pdf"),
        MsgAttachment(b"\x89PNG\r\n", filename="SKICA.PNG"),
        MsgAttachment(b"bez imena", mime_tag="text/plain"),
    ]))

    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        (name, "application/pdf"), ("SKICA.PNG", "image/png"), ("attachment-3.txt", "text/plain")]
    assert parsed.attachments[0].data == data
    assert parsed.text == SERBIAN_LATIN  # a nameless text attachment is not the body


def test_inline_image_keeps_its_content_id():
    parsed = convert(MsgMessage(html=b"<p><img src='cid:logo@opstina'></p>", attachments=[
        MsgAttachment(b"\x89PNG", long_filename="logo.png", mime_tag="image/png",
                      content_id="logo@opstina")]))

    (image,) = parsed.attachments
    assert image.is_inline and image.content_id == "logo@opstina"


def test_embedded_message_becomes_a_forwarded_message_with_its_attachments():
    original = MsgMessage(subject="Kvar na javnoj rasveti", body=HUNGARIAN,
                          sender_name="Kovács Anna", sender_address="anna@example.hu",
                          message_id="<original@example.hu>",
                          attachments=[MsgAttachment(b"jpeg", long_filename="lámpa.jpg",
                                                     mime_tag="image/jpeg")])

    parsed = convert(MsgMessage(subject="FW: Kvar na javnoj rasveti", body="Prosleđujem.",
                                attachments=[MsgAttachment(embedded=original,
                                                           display_name="Kvar na javnoj rasveti")]))

    (forwarded,) = parsed.forwarded
    assert forwarded.subject == "Kvar na javnoj rasveti"
    assert forwarded.from_address == "anna@example.hu"
    assert forwarded.message_id == "original@example.hu"
    assert forwarded.text == HUNGARIAN
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("Kvar na javnoj rasveti.eml", "message/rfc822"), ("lámpa.jpg", "image/jpeg")]
    assert parsed.message_id == "20240205101500.1234@example.net"


def test_attached_eml_file_is_read_as_a_forwarded_message():
    eml = (b"From: Ana <ana.kovac@example.net>\r\nSubject: Stara prijava\r\n"
           b"Message-ID: <old@example.net>\r\n\r\nTekst stare prijave.\r\n")

    parsed = convert(MsgMessage(attachments=[
        MsgAttachment(eml, long_filename="stara.eml", mime_tag="message/rfc822")]))

    assert [f.subject for f in parsed.forwarded] == ["Stara prijava"]


def test_compound_files_are_recognised_by_their_signature():
    assert is_compound_file(build_msg(MsgMessage()))
    assert is_compound_file(word_document())
    assert not is_compound_file(b"From: a@example.net\r\n\r\nx")


# --- refused, with a reason -------------------------------------------------------------------


def test_word_document_is_not_a_message():
    assert "not an Outlook .msg message" in refusal(word_document())


def test_corrupt_and_truncated_files_are_damaged():
    raw = build_msg(MsgMessage(attachments=[MsgAttachment(bytes(20000), long_filename="a.bin")]))

    for broken in (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
                   b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 3000,
                   raw[:100], raw[:1536], raw[: len(raw) // 2]):
        assert "Outlook .msg file is damaged" in refusal(broken)


def test_attachment_over_the_size_limit_is_refused_before_it_is_read():
    raw = build_msg(MsgMessage(attachments=[
        MsgAttachment(bytes(6000), long_filename="veliko.pdf")]))

    reason = refusal(raw, max_attachment_bytes=5000)

    assert "'veliko.pdf'" in reason and "6000 bytes" in reason and "5000 bytes" in reason


def test_too_many_attachments_are_refused():
    raw = build_msg(MsgMessage(attachments=[MsgAttachment(b"x", long_filename=f"{i}.txt")
                                            for i in range(6)]))

    assert "more than 5 attachments" in refusal(raw, max_parts=5)


def test_messages_attached_too_deep_are_refused():
    message = MsgMessage(subject="0")
    for level in range(1, 6):
        message = MsgMessage(subject=str(level), attachments=[MsgAttachment(embedded=message)])

    assert "more than 3 levels deep" in refusal(build_msg(message), max_depth=3)
    allowed = parse_email(to_internet_message(build_msg(message), max_depth=5))
    assert allowed.forwarded[0].subject == "4"


def test_stream_claiming_more_bytes_than_the_file_is_refused():
    raw = bytearray(build_msg(MsgMessage()))
    offset = entry_offset(raw, "__substg1.0_1000001F")
    struct.pack_into("<I", raw, offset + 116, 0)  # first sector: somewhere in the file
    struct.pack_into("<Q", raw, offset + 120, 10 * len(raw))

    assert "Outlook .msg file is damaged" in refusal(bytes(raw))


def test_allocation_table_claiming_more_than_the_file_is_refused():
    raw = bytearray(build_msg(MsgMessage()))
    struct.pack_into("<I", raw, 44, 0xFFFFFFF0)  # number of FAT sectors
    struct.pack_into("<I", raw, 72, 0x02000000)  # number of DIFAT sectors

    assert "allocation tables" in refusal(bytes(raw))


def test_attached_message_that_contains_the_whole_file_again_is_refused():
    raw = bytearray(build_msg(MsgMessage(attachments=[MsgAttachment(embedded=MsgMessage())])))
    offset = entry_offset(raw, "__substg1.0_3701000D")
    struct.pack_into("<I", raw, offset + 76, 0)  # its child: the root entry

    assert "Outlook .msg file is damaged" in refusal(bytes(raw))


def test_damaged_files_are_refused_quickly_and_never_crash():
    original = build_msg(MsgMessage(
        html=b"<p>x</p>", transport_headers=TRANSPORT_HEADERS,
        attachments=[MsgAttachment(bytes(5000), long_filename="a.pdf"),
                     MsgAttachment(embedded=MsgMessage(attachments=[
                         MsgAttachment(b"abc", long_filename="b.txt")]))]))
    rng = random.Random(7)
    started = time.monotonic()
    for _ in range(300):
        raw = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(8, len(raw))] = rng.randrange(256)
        try:
            parse_email(to_internet_message(bytes(raw)))
        except (UnreadableOutlookFile, UnparseableEmail) as refused:
            assert str(refused.reason)
    assert time.monotonic() - started < 60


def test_an_empty_compound_file_is_not_a_message():
    assert "not an Outlook .msg message" in refusal(compound_file({}))
