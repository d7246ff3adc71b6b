"""parse_email on hostile and broken input: bounded, sanitised, and it only
ever raises UnparseableEmail (with a reason the quarantine can show)."""

import os
import zipfile
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salter.channels.email.parsing import UnparseableEmail, parse_email

from .corpus import (
    HUNGARIAN,
    PDF_SMALL,
    SERBIAN_CYRILLIC,
    Part,
    broken_messages,
    build_message,
    forwarded,
    hostile_messages,
    realistic_corpus,
    winmail,
)

FUZZ_EXAMPLES = int(os.environ.get("SALTER_FUZZ_EXAMPLES", "300"))


def hostile(name: str) -> bytes:
    return hostile_messages()[name]


# --- refused with a reason ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty", "empty message"),
        ("whitespace_only", "empty message"),
        ("no_headers", "no e-mail headers found"),
        ("random_garbage", "no e-mail headers found"),
        ("deep_nesting", "MIME nesting deeper than 20 levels"),
        ("too_many_parts", "more than 200 MIME parts"),
    ],
)
def test_unacceptable_input_is_refused_with_a_reason(name, reason):
    with pytest.raises(UnparseableEmail) as refused:
        parse_email(hostile(name))

    assert refused.value.reason == reason


def test_oversized_attachment_is_refused_naming_the_limit():
    with pytest.raises(UnparseableEmail) as refused:
        parse_email(hostile("oversized_attachment"))

    assert "veliko.bin" in refused.value.reason
    assert "size limit of 26214400 bytes" in refused.value.reason


def test_attachment_limit_is_exact_after_decoding():
    raw = build_message(attachments=[Part("a.bin", "application/octet-stream", b"x" * 1001)])

    assert len(parse_email(raw, max_attachment_bytes=1001).attachments[0].data) == 1001
    with pytest.raises(UnparseableEmail, match="size limit of 1000 bytes"):
        parse_email(raw, max_attachment_bytes=1000)


def test_attachment_inside_a_forwarded_message_counts_against_the_limit():
    inner = build_message(attachments=[Part("a.bin", "application/octet-stream", b"x" * 5000)])
    raw = build_message(attachments=[forwarded(inner)])

    with pytest.raises(UnparseableEmail, match="size limit"):
        parse_email(raw, max_attachment_bytes=4000)


def test_winmail_dat_contents_count_against_the_limit():
    raw = build_message(attachments=[winmail([("veliko.bin", b"x" * 5001)])])

    with pytest.raises(UnparseableEmail, match=r"'veliko\.bin' is 5001 bytes"):
        parse_email(raw, max_attachment_bytes=5000)


def test_limits_on_depth_and_parts_are_configurable():
    raw = hostile("too_many_parts")

    assert len(parse_email(raw, max_parts=1000).full_text.split("\n\n")) == 500
    with pytest.raises(UnparseableEmail, match="more than 10 MIME parts"):
        parse_email(
            build_message(attachments=[Part("a.pdf", "application/pdf", PDF_SMALL)] * 10),
            max_parts=10,
        )


def test_forwarded_messages_share_the_depth_limit():
    raw = build_message(body="dno")
    for _ in range(12):
        raw = build_message(body="omot", attachments=[forwarded(raw)])

    with pytest.raises(UnparseableEmail, match="nesting deeper than 20"):
        parse_email(raw)


def test_nesting_beyond_python_recursion_is_refused_not_crashed():
    head = b"From: a@example.net\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    body = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(5000)
    )

    with pytest.raises(UnparseableEmail, match="nesting"):
        parse_email(head + body + b"Content-Type: text/plain\r\n\r\nx\r\n")


def test_deep_nesting_over_a_long_body_is_refused_before_reading_the_body():
    # The stdlib parser checks each line against every open boundary; fed in
    # chunks, the parse stops as soon as the nesting is too deep.
    head = b"From: a@example.net\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    nesting = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(800)
    )
    body = b"Content-Type: text/plain\r\n\r\n" + b"tekst linija\r\n" * 200_000

    with pytest.raises(UnparseableEmail, match="nesting deeper than 20 levels"):
        parse_email(head + nesting + body)


@pytest.mark.parametrize("value", [None, "tekst", 42])
def test_non_bytes_input_is_refused(value):
    with pytest.raises(UnparseableEmail, match="input is not bytes"):
        parse_email(value)


# --- accepted, but defused ----------------------------------------------------------


def test_zip_bomb_is_kept_as_opaque_bytes():
    parsed = parse_email(hostile("zip_bomb"))

    [bomb] = parsed.attachments
    assert bomb.filename == "bomba.zip"
    assert len(bomb.data) < 100_000
    assert zipfile.ZipFile(BytesIO(bomb.data)).namelist() == ["nule.txt"]


def test_gzip_content_encoding_is_never_expanded():
    parsed = parse_email(hostile("gzip_content_encoding"))

    [blob] = parsed.attachments
    assert blob.data.startswith(b"\x1f\x8b")
    assert len(blob.data) < 100_000


@pytest.mark.parametrize("name", ["subject_crlf_injection", "subject_encoded_crlf_injection"])
def test_header_injection_in_the_subject_is_removed(name):
    parsed = parse_email(hostile(name))

    assert "\r" not in parsed.subject and "\n" not in parsed.subject
    assert "\x00" not in parsed.subject
    assert parsed.subject.startswith("Zahtev")
    assert parsed.to == ["pisarnica@subotica.rs"]
    assert parsed.cc == []


def test_script_and_event_handlers_are_removed_from_html():
    parsed = parse_email(hostile("script_in_html"))

    html = parsed.html.lower()
    for banned in (
        "<script",
        "alert",
        "onclick",
        "onerror",
        "javascript:",
        "<style",
        "<iframe",
        "evil",
    ):
        assert banned not in html
    assert "Zdravo" in parsed.full_text
    assert "alert" not in parsed.full_text


def test_dangerous_attachment_names_become_safe_basenames():
    parsed = parse_email(hostile("path_traversal_names"))

    names = [a.filename for a in parsed.attachments]
    assert names[0] == "passwd"
    assert names[1] == "C_xy.exe" or names[1] == "y.exe"
    assert "\x00" not in names[2] and names[2].endswith(".pdf.exe")
    assert names[3] == "slikagpj.exe"  # the right-to-left override is gone
    assert names[4] == "attachment-5.bin"
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name
        assert name and len(name) <= 200


def test_overlong_attachment_name_is_cut_keeping_the_extension():
    raw = build_message(attachments=[Part("ž" * 500 + ".pdf", "application/pdf", PDF_SMALL)])

    name = parse_email(raw).attachments[0].filename

    assert len(name) == 200 and name.endswith(".pdf")


def test_nul_bytes_are_removed_from_text():
    parsed = parse_email(hostile("nul_in_text"))

    assert parsed.full_text == "Poštovani, molim odgovor."


def test_very_long_line_is_bounded():
    parsed = parse_email(hostile("very_long_line"))

    assert len(parsed.full_text) == 1_000_000
    assert parsed.parse_notes == ["text truncated to 1000000 characters"]


def test_huge_and_numerous_headers_are_bounded():
    assert len(parse_email(hostile("huge_header")).subject) == 300
    assert parse_email(hostile("many_headers")).full_text == "telo"
    assert len(parse_email(hostile("many_recipients")).to) == 200


def test_many_interleaved_quotes_are_split_in_one_pass():
    # Quadratic quote detection would take minutes here.
    parsed = parse_email(hostile("many_quoted_lines"))

    assert parsed.text.startswith("odgovor\nodgovor")
    assert parsed.quoted.endswith("> kraj")


def test_deeply_nested_html_is_shown_as_text():
    # html5ever needs quadratic time for deep nesting, so it never sees this.
    parsed = parse_email(hostile("deeply_nested_html"))

    assert parsed.full_text == "duboko"
    assert parsed.html == "<pre>duboko</pre>"


def test_unclosed_html_tags_are_read_in_one_pass():
    # A tokenizer that rescans to the end for every unclosed "<a" needs minutes here.
    parsed = parse_email(hostile("unclosed_html_tags"))

    assert parsed.full_text.endswith("kraj")


def test_winmail_dat_of_countless_tiny_objects_is_kept_unexpanded():
    parsed = parse_email(hostile("tnef_many_objects"))

    [winmail_dat] = parsed.attachments
    assert winmail_dat.filename == "winmail.dat"
    assert "winmail.dat could not be read; kept as is" in parsed.parse_notes


def test_deeply_nested_comments_in_the_sender_give_no_address():
    parsed = parse_email(hostile("nested_address_comments"))

    assert parsed.from_address == ""
    assert parsed.to == ["pisarnica@subotica.rs"]


# --- broken MIME: parse what is there ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "attachments"),
    [
        ("missing_boundary_param", "Prvi deo sa tekstom.", ["a.pdf"]),
        ("wrong_boundary_param", "Tekst uz pogresnu granicu.", []),
        ("missing_end_boundary", "Tekst bez kraja.", ["a.pdf"]),
        ("bad_base64_padding", "Poštovani, čekam odgovor", []),
        ("glued_base64_chunks", "Prvi drugi.", []),
        ("bad_quoted_printable", "Poštovani =ZZ i nastavak \ufffd", []),
        ("base64_declared_plain_sent", "Ovo nije base64, ovo je običan tekst: šta sad?", []),
        ("unknown_transfer_encoding", "Tekst je čitljiv.", []),
        ("part_without_headers", "Deo bez zaglavlja, ćao.", []),
        ("part_without_separator", "Deo odmah počinje tekstom", []),
        ("attachment_without_transfer_encoding_header", "Vidi prilog.", ["a.pdf"]),
        ("bare_lf_line_endings", None, []),
        ("mbox_from_line", None, []),
    ],
)
def test_broken_mime_is_recovered(name, text, attachments):
    parsed = parse_email(broken_messages()[name])

    if text is not None:
        assert parsed.full_text == text
    else:
        assert parsed.full_text.startswith("Poštovani, u Ulici Žarka")
    assert [a.filename for a in parsed.attachments] == attachments


def test_attachment_without_transfer_encoding_header_is_decoded():
    parsed = parse_email(broken_messages()["attachment_without_transfer_encoding_header"])

    assert parsed.attachments[0].data == PDF_SMALL * 4


# --- never anything but UnparseableEmail ---------------------------------------------

_VALID = [
    build_message(),
    build_message(
        body=SERBIAN_CYRILLIC,
        charset="windows-1251",
        transfer_encoding="base64",
        html="<p>Здраво</p>",
        attachments=[Part("a.pdf", "application/pdf", PDF_SMALL)],
    ),
    build_message(
        body=HUNGARIAN,
        charset="iso-8859-1",
        codec="cp1250",
        transfer_encoding="8bit",
        subject="Kérelem",
        subject_style="raw",
        header_codec="cp1250",
        attachments=[
            winmail([("b.txt", b"tnef")], body="telo"),
            forwarded(build_message(subject="Unutra")),
        ],
    ),
    *broken_messages().values(),
]


def _parse_or_refuse(raw: bytes) -> None:
    try:
        parsed = parse_email(raw, max_attachment_bytes=1_000_000)
    except UnparseableEmail as refused:
        assert refused.reason
        assert not refused.reason.startswith("internal parser error"), refused.reason
        return
    assert "\x00" not in parsed.full_text
    assert "\r" not in parsed.subject and "\n" not in parsed.subject
    assert len(parsed.subject) <= 300
    for attachment in parsed.attachments:
        assert attachment.filename and len(attachment.filename) <= 200
        assert "/" not in attachment.filename and "\\" not in attachment.filename


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise_anything_else(raw):
    _parse_or_refuse(raw)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 8), st.binary(max_size=12)), max_size=8),
)
def test_mutated_valid_messages_never_raise_anything_else(raw, mutations):
    data = bytearray(raw)
    for where, drop, insert in mutations:
        at = int(where * len(data))
        data[at : at + drop] = insert
    _parse_or_refuse(bytes(data))


_MIME_TOKENS = [
    b"\r\n",
    b"\r\n\r\n",
    b"--",
    b"=?utf-8?b?",
    b"=?",
    b"?=",
    b"; boundary=",
    b"multipart/",
    b"message/rfc822",
    b"Content-Type: ",
    b"Content-Transfer-Encoding: base64",
    b"quoted-printable",
    b"filename*0*=",
    b"filename*=utf-8''%",
    b"charset=",
    b"\x00",
    b"\xc4",
    b"\xff",
    b'"',
    b"\\",
    b"winmail.dat",
    b"application/ms-tnef",
    b"\x78\x9f\x3e\x22",
    b"<",
    b">",
    b"=\r\n",
]


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(_VALID),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(_MIME_TOKENS)), max_size=10),
)
def test_messages_with_injected_mime_syntax_never_raise_anything_else(raw, insertions):
    data = bytearray(raw)
    for where, token in insertions:
        at = int(where * len(data))
        data[at:at] = token
    _parse_or_refuse(bytes(data))


def test_realistic_corpus_parses_without_notes_of_damage():
    for raw in realistic_corpus(200, seed=7):
        parsed = parse_email(raw)
        assert parsed.full_text
        assert parsed.parse_notes == []
