"""parse_email: the region's real mail, charsets, headers and MIME structure.

Pure tests: raw bytes in, ParsedEmail out, no database.
"""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salter.channels.email.charsets import decode_bytes
from salter.channels.email.parsing import Attachment, ParsedEmail, UnparseableEmail, parse_email

from .corpus import (
    HUNGARIAN,
    PDF_SMALL,
    PNG_1PX,
    SERBIAN_CYRILLIC,
    SERBIAN_LATIN,
    Part,
    build_bounce,
    build_message,
    forwarded,
    reply_body,
    winmail,
)

RUSSIAN = "Здравствуйте, пишу вам по поводу воды в подвале нашего дома."

# --- charsets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("utf-8", SERBIAN_LATIN),
        ("utf-8", SERBIAN_CYRILLIC),
        ("utf-8", HUNGARIAN),
        ("windows-1250", SERBIAN_LATIN),
        ("windows-1250", HUNGARIAN),
        ("windows-1251", SERBIAN_CYRILLIC),
        ("windows-1252", "Kérem, válaszoljon: Müller Károly, Óbecse."),
        ("iso-8859-2", SERBIAN_LATIN),
        ("iso-8859-2", HUNGARIAN),
        ("iso-8859-5", SERBIAN_CYRILLIC),
        ("iso-8859-16", SERBIAN_LATIN),
        ("koi8-r", RUSSIAN),
        ("koi8-u", "Добрий день, пишу щодо ремонту їхньої вулиці."),
    ],
)
@pytest.mark.parametrize("transfer_encoding", ["8bit", "quoted-printable", "base64"])
def test_body_in_each_regional_charset_round_trips_exactly(charset, text, transfer_encoding):
    raw = build_message(body=text, charset=charset, transfer_encoding=transfer_encoding)

    parsed = parse_email(raw)

    assert parsed.full_text == text
    assert parsed.charset_notes == []


@pytest.mark.parametrize(
    ("declared", "actual", "text", "note"),
    [
        ("iso-8859-1", "cp1250", SERBIAN_LATIN, "declared iso-8859-1, decoded as windows-1250"),
        ("us-ascii", "cp1250", SERBIAN_LATIN, "declared us-ascii, decoded as windows-1250"),
        ("iso-8859-1", "cp1250", HUNGARIAN, "declared iso-8859-1, decoded as windows-1250"),
        ("windows-1250", "utf-8", SERBIAN_LATIN, "declared windows-1250, decoded as utf-8"),
        ("windows-1251", "koi8-r", RUSSIAN, "declared windows-1251, decoded as koi8-r"),
        (
            "windows-1251",
            "iso8859-5",
            SERBIAN_CYRILLIC,
            "declared windows-1251, decoded as iso-8859-5",
        ),
        ("iso-8859-2", "cp1251", SERBIAN_CYRILLIC, "declared iso-8859-2, decoded as windows-1251"),
        (None, "cp1250", SERBIAN_LATIN, "no charset declared, decoded as windows-1250"),
        (None, "cp1251", SERBIAN_CYRILLIC, "no charset declared, decoded as windows-1251"),
        (
            "x-unknown-charset",
            "cp1250",
            SERBIAN_LATIN,
            "declared x-unknown-charset, decoded as windows-1250",
        ),
    ],
)
def test_mislabelled_charset_is_corrected_and_noted(declared, actual, text, note):
    raw = build_message(body=text, charset=declared, codec=actual, transfer_encoding="8bit")

    parsed = parse_email(raw)

    assert parsed.full_text == text
    assert note in parsed.charset_notes


def _words(plain: str, special: str) -> st.SearchStrategy[str]:
    """Word-like text: runs of ordinary letters, some with a special letter
    inside (a guess needs letters in context, as in any real sentence)."""
    word = st.text(st.sampled_from(plain), min_size=2, max_size=8)
    accented = st.builds(lambda a, c, b: a + c + b, word, st.sampled_from(special), word)
    return (
        st.lists(st.one_of(word, accented), min_size=3, max_size=15)
        .map(" ".join)
        .filter(lambda text: any(ch in special for ch in text))
    )


_LANGUAGES = [
    ("abcdefghijklmnoprstuvz", "čćšžđČĆŠŽĐ", ["utf-8", "cp1250", "iso8859-2", "iso8859-16"]),
    ("абвгдежзијклмнопрстуфхцчш", "ђјљњћџЂЈЉЊЋЏ", ["utf-8", "cp1251", "iso8859-5"]),
    ("abcdefghijklmnoprstuvz", "áéíóöőúüűÁÉÍÓÖŐÚÜŰ", ["utf-8", "cp1250", "iso8859-2"]),
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_LANGUAGES).flatmap(
        lambda lang: st.tuples(_words(lang[0], lang[1]), st.sampled_from(lang[2]))
    )
)
def test_any_regional_text_in_its_declared_charset_decodes_exactly(text_and_codec):
    text, codec = text_and_codec

    assert decode_bytes(text.encode(codec), codec).text == text


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_LANGUAGES).flatmap(
        lambda lang: st.tuples(_words(lang[0], lang[1]), st.sampled_from(lang[2][:2]))
    )
)
def test_any_regional_text_without_a_declared_charset_decodes_exactly(text_and_codec):
    text, codec = text_and_codec

    assert decode_bytes(text.encode(codec), None).text == text


_SINGLE_BYTE_CODECS = ["cp1250", "iso8859-2", "iso8859-16", "cp1252", "cp1251", "iso8859-5",
                       "koi8-r", "koi8-u"]


_DECLARED_RIGHT_OR_WRONG = [
    *((plain, special, codecs[1:]) for plain, special, codecs in _LANGUAGES),
    ("абвгдежзиклмнопрстуфхцчшыяюэ", "АБВГДЖЗЯЭ", ["cp1251", "iso8859-5", "koi8-r"]),
    ("abcdefghijklmnoprstuvz", "čćšžđ„“”–…", ["cp1250"]),
    ("abcdefghijklmnoprstuvz", "áéíóöőúüűčćšž", ["cp1250", "iso8859-2", "iso8859-16"]),
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_DECLARED_RIGHT_OR_WRONG).flatmap(
        lambda lang: st.tuples(_words(lang[0], lang[1]), st.sampled_from(lang[2]),
                               st.sampled_from(_SINGLE_BYTE_CODECS))
    )
)
def test_taking_the_declared_codec_at_once_decides_as_comparing_all_would(case):
    """guess_codec takes a declared codec without comparing when its reading is
    unmistakable; for any of our texts, declared right or wrong, that gives the same
    decision as comparing every candidate."""
    text, actual, declared = case
    data = text.encode(actual)

    at_once = decode_bytes(data, declared)
    with mock.patch("salter.channels.email.charsets._unmistakable", return_value=False):
        compared = decode_bytes(data, declared)

    assert at_once == compared


def test_undeclared_utf8_is_read_without_a_note():
    raw = build_message(body=SERBIAN_LATIN, charset=None, codec="utf-8", transfer_encoding="8bit")

    parsed = parse_email(raw)

    assert parsed.full_text == SERBIAN_LATIN
    assert parsed.charset_notes == []


def test_damaged_utf8_keeps_its_good_characters():
    body = "Poštovani, čekam odgovor već danima.".encode() + b"\xc4"  # cut multi-byte char
    raw = build_message(body="x", transfer_encoding="8bit").replace(b"\r\nx", b"\r\n" + body)

    parsed = parse_email(raw)

    assert parsed.full_text.startswith("Poštovani, čekam odgovor već danima.")


# --- headers -----------------------------------------------------------------


@pytest.mark.parametrize("style", ["b", "q"])
@pytest.mark.parametrize(
    ("subject", "codec"),
    [
        ("Žalba na rad komunalne službe – hitno", "utf-8"),
        ("Жалба на рад комуналне службе – ђубре, љуљашка, џак", "utf-8"),
        ("Panasz: hűtőszekrény az utcán, kérem intézkedjenek", "utf-8"),
        ("Žalba: čišćenje snega", "cp1250"),
        ("Жалба: ђубре", "cp1251"),
        ("Kérelem: őszi lomtalanítás", "iso8859-2"),
    ],
)
def test_encoded_word_subject_is_decoded(style, subject, codec):
    raw = build_message(subject=subject, subject_style=style, header_codec=codec)

    assert parse_email(raw).subject == subject


def test_encoded_words_split_inside_a_multibyte_character_are_joined():
    # "š" is C5 A1; a mailer split the word between the two bytes.
    raw = build_message(subject="x", subject_style="ascii").replace(
        b"Subject: x", b"Subject: =?utf-8?B?xQ==?= =?utf-8?B?oWtvbGE=?="
    )

    assert parse_email(raw).subject == "škola"


def test_raw_8bit_subject_is_decoded_by_guessing():
    raw = build_message(
        subject="Zahtev za čišćenje ulice", subject_style="raw", header_codec="cp1250"
    )

    parsed = parse_email(raw)

    assert parsed.subject == "Zahtev za čišćenje ulice"


def test_broken_encoded_words_still_give_readable_subject():
    raw = build_message(subject="x", subject_style="ascii").replace(
        b"Subject: x", b"Subject: =?utf-8?q?Zahtev_za_=C4=8Di=C5=A1=C4=87enje"
    )

    assert parse_email(raw).subject == "Zahtev za čišćenje"


def test_long_subject_is_folded_and_bounded():
    raw = build_message(subject="Zahtev " * 200)

    subject = parse_email(raw).subject

    assert len(subject) <= 300
    assert "  " not in subject
    assert subject.startswith("Zahtev Zahtev")


def test_envelope_fields():
    raw = build_message(
        from_name="Petrović, Marko",
        from_address="Marko.Petrovic@Example.NET",
        to=["pisarnica@subotica.rs", '"Kovács János" <kovacs@subotica.rs>'],
        cc=["=?utf-8?q?Ana_=C4=90or=C4=91evi=C4=87?= <ana@example.net>"],
        reply_to="Marko <marko.odgovor@example.net>",
        message_id="<abc.123@example.net>",
        in_reply_to="<case-7@subotica.rs>",
        references=["<case-1@subotica.rs>", "<case-7@subotica.rs>"],
        date="Mon, 05 Feb 2024 10:15:00 +0100",
    )

    parsed = parse_email(raw)

    assert parsed.from_name == "Petrović, Marko"
    assert parsed.from_address == "marko.petrovic@example.net"
    assert parsed.to == ["pisarnica@subotica.rs", "kovacs@subotica.rs"]
    assert parsed.cc == ["ana@example.net"]
    assert parsed.reply_to == "marko.odgovor@example.net"
    assert parsed.message_id == "abc.123@example.net"
    assert parsed.in_reply_to == "case-7@subotica.rs"
    assert parsed.references == ["case-1@subotica.rs", "case-7@subotica.rs"]
    assert parsed.date == datetime(2024, 2, 5, 10, 15, tzinfo=timezone(timedelta(hours=1)))


def test_invalid_sender_gives_empty_address():
    raw = build_message(from_name=None, from_address="not an address")

    parsed = parse_email(raw)

    assert parsed.from_address == ""


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Mon, 05 Feb 2024 10:15:00 -0000", datetime(2024, 2, 5, 10, 15, tzinfo=UTC)),
        ("5 Feb 2024 10:15", datetime(2024, 2, 5, 10, 15, tzinfo=UTC)),
        ("nije datum", None),
        ("Mon, 99 Foo 2024 99:99:99 +9999", None),
    ],
)
def test_dates_are_aware_or_none(header, expected):
    assert parse_email(build_message(date=header)).date == expected


def test_useful_raw_headers_are_kept():
    raw = build_message(
        headers=[
            ("Auto-Submitted", "no"),
            ("X-Salter-Case", "IV-03-351-127/2026"),
            ("List-Id", "<vesti.subotica.rs>"),
            ("Precedence", "list"),
            ("X-Spam", "ignored"),
        ]
    ).replace(b"Return-Path", b"X-Nothing")

    headers = parse_email(raw).headers

    assert headers["Auto-Submitted"] == "no"
    assert headers["X-Salter-Case"] == "IV-03-351-127/2026"
    assert headers["List-Id"] == "<vesti.subotica.rs>"
    assert headers["Precedence"] == "list"
    assert "X-Spam" not in headers


# --- attachment names (RFC 2231 / 2047) ------------------------------------------


@pytest.mark.parametrize(
    "style", ["rfc2231", "rfc2231-continued", "rfc2047", "plain", "raw8bit", "name-only"]
)
def test_attachment_filename_in_every_encoding_style(style):
    name = "Rešenje o porezu – Đorđević Жарко Kovács Ödön.pdf"
    raw = build_message(
        attachments=[Part(name, "application/pdf", PDF_SMALL, filename_style=style)]
    )

    [attachment] = parse_email(raw).attachments

    assert attachment.filename == name
    assert attachment.content_type == "application/pdf"
    assert attachment.data == PDF_SMALL
    assert attachment.is_inline is False


def test_rfc2231_filename_in_a_legacy_charset_with_language():
    raw = build_message(attachments=[Part("x", "application/pdf", PDF_SMALL)]).replace(
        b"filename*=utf-8''x", b"filename*=windows-1250'sr'%E8i%9A%E6enje.pdf"
    )

    [attachment] = parse_email(raw).attachments

    assert attachment.filename == "čišćenje.pdf"


def test_filename_star_wins_over_plain_filename_and_name():
    raw = build_message(attachments=[Part("x", "application/pdf", PDF_SMALL)]).replace(
        b"filename*=utf-8''x",
        b"filename=\"resenje.pdf\"; filename*=utf-8''re%C5%A1enje.pdf",
    )

    assert parse_email(raw).attachments[0].filename == "rešenje.pdf"


def test_attachment_without_name_gets_a_numbered_name_with_extension():
    raw = build_message(attachments=[Part(None, "application/pdf", PDF_SMALL)])

    assert parse_email(raw).attachments[0].filename == "attachment-1.pdf"


# --- structure ------------------------------------------------------------------


def test_html_only_mail_is_sanitised_and_gives_readable_text():
    html = (
        "<html><head><title>Naslov</title><style>p{color:red}</style></head><body>"
        "<p>Poštovani,</p><p>molim vas&nbsp;da <b>hitno</b> reagujete &amp; javite.<br>Hvala.</p>"
        "<ul><li>rupa na putu</li><li>nema rasvete</li></ul>"
        '<p><a href="https://subotica.rs/mapa">mapa</a></p></body></html>'
    )
    raw = build_message(body=None, html=html)

    parsed = parse_email(raw)

    assert parsed.full_text == (
        "Poštovani,\n\nmolim vas da hitno reagujete & javite.\nHvala.\n\n"
        "- rupa na putu\n- nema rasvete\n\nmapa"
    )
    assert "<style" not in parsed.html and "color:red" not in parsed.html
    assert '<a href="https://subotica.rs/mapa"' in parsed.html


def test_html_quoted_history_is_separated():
    html = (
        "<div>Nije rešeno.</div><div class='gmail_quote'>"
        "<div>pon, 5. feb 2024. u 10:00 Opština &lt;o@subotica.rs&gt; je napisao/la:</div>"
        "<blockquote><p>Rešeno je.</p></blockquote></div>"
    )
    parsed = parse_email(build_message(body=None, html=html))

    assert parsed.text == "Nije rešeno."
    assert "Rešeno je." in parsed.quoted


def test_alternative_prefers_the_plain_text_part_and_keeps_the_html():
    raw = build_message(body="Tekst iz plain dela.", html="<p>Tekst iz <b>HTML</b> dela.</p>")

    parsed = parse_email(raw)

    assert parsed.full_text == "Tekst iz plain dela."
    assert parsed.html == "<p>Tekst iz <b>HTML</b> dela.</p>"


def test_empty_plain_part_falls_back_to_html_text():
    raw = build_message(body="   ", html="<p>Samo HTML ima sadržaj.</p>")

    assert parse_email(raw).full_text == "Samo HTML ima sadržaj."


def test_html_in_legacy_charset_declared_only_in_meta():
    html = '<html><head><meta charset="windows-1250"></head><body><p>Čišćenje</p></body></html>'
    raw = build_message(
        body=None, html=html, charset=None, codec="cp1250", transfer_encoding="8bit"
    )

    parsed = parse_email(raw)

    assert parsed.full_text == "Čišćenje"
    assert parsed.charset_notes == []


def test_inline_image_is_marked_inline_with_its_content_id():
    raw = build_message(
        body="Pogledajte sliku.",
        html='<p>Pogledajte:</p><img src="cid:rupa@example.net" alt="rupa">',
        attachments=[
            Part("rupa.png", "image/png", PNG_1PX, inline=True, content_id="rupa@example.net")
        ],
    )

    parsed = parse_email(raw)

    [image] = parsed.attachments
    assert (image.filename, image.is_inline, image.content_id) == (
        "rupa.png",
        True,
        "rupa@example.net",
    )
    assert image.data == PNG_1PX
    assert 'src="cid:rupa@example.net"' in parsed.html


def test_forwarded_message_is_kept_as_eml_and_its_attachments_surface():
    inner = build_message(
        subject="Kvar na vodovodu",
        from_address="komsija@example.net",
        body="Voda curi iz cevi u podrumu.",
        attachments=[Part("fotografija.jpg", "image/jpeg", b"\xff\xd8\xff" + b"j" * 100)],
    )
    raw = build_message(
        subject="Fwd: Kvar na vodovodu",
        body="Prosleđujem poruku komšije.",
        attachments=[forwarded(inner)],
    )

    parsed = parse_email(raw)

    assert parsed.text == "Prosleđujem poruku komšije."
    names = [a.filename for a in parsed.attachments]
    assert names == ["Kvar na vodovodu.eml", "fotografija.jpg"]
    assert parse_email(parsed.attachments[0].data).text == "Voda curi iz cevi u podrumu."
    [inner_parsed] = parsed.forwarded
    assert inner_parsed.from_address == "komsija@example.net"
    assert inner_parsed.text == "Voda curi iz cevi u podrumu."


def test_forwarded_message_sent_as_base64_is_parsed_too():
    inner = build_message(
        subject="Unutra",
        body="Unutrašnji tekst.",
        attachments=[Part("a.pdf", "application/pdf", PDF_SMALL)],
    )
    outer_part = Part("poruka.eml", "message/rfc822", inner, filename_style="plain")
    parsed = parse_email(build_message(body="Vidi prilog.", attachments=[outer_part]))

    assert [a.filename for a in parsed.attachments] == ["poruka.eml", "a.pdf"]
    assert parsed.forwarded[0].text == "Unutrašnji tekst."


def test_winmail_dat_is_expanded_into_its_attachments_and_body():
    tnef = winmail(
        [("rešenje.pdf", PDF_SMALL), ("slika.png", PNG_1PX)], body="Poštovani, u prilogu."
    )
    raw = build_message(body=None, attachments=[tnef])

    parsed = parse_email(raw)

    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("rešenje.pdf", "application/pdf", PDF_SMALL),
        ("slika.png", "image/png", PNG_1PX),
    ]
    assert parsed.full_text == "Poštovani, u prilogu."


def test_unreadable_winmail_dat_is_kept_as_is():
    broken = Part("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22\x01\x00\xff\xff")
    parsed = parse_email(build_message(attachments=[broken]))

    assert [(a.filename, a.data) for a in parsed.attachments] == [("winmail.dat", broken.data)]
    assert "winmail.dat could not be read; kept as is" in parsed.parse_notes


def test_text_attachment_is_not_mixed_into_the_body():
    raw = build_message(
        body="Telo poruke.",
        attachments=[
            Part("spisak.txt", "text/plain", b"Spisak stanara"),
        ],
    )

    parsed = parse_email(raw)

    assert parsed.full_text == "Telo poruke."
    assert parsed.attachments[0].filename == "spisak.txt"


def test_reply_separates_new_text_quote_and_signature():
    body = reply_body(
        "Kanta ni danas nije odneta.\n\nS poštovanjem,\nMarko Petrović\n064/123-456",
        "Poštovani, kanta će biti odneta sutra.",
        "pon, 5. feb 2024. u 10:00 JKP Čistoća <info@jkp.rs> je napisao/la:",
    )

    parsed = parse_email(build_message(body=body, in_reply_to="<case-1@subotica.rs>"))

    assert parsed.text == "Kanta ni danas nije odneta."
    assert parsed.signature == "S poštovanjem,\nMarko Petrović\n064/123-456"
    assert parsed.quoted.startswith("pon, 5. feb 2024.")
    assert "> Poštovani, kanta će biti odneta sutra." in parsed.quoted
    assert parsed.full_text == body.strip("\n")


# --- flags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ([("Auto-Submitted", "auto-replied")], "Re: zahtev"),
        ([("X-Autoreply", "yes")], "Re: zahtev"),
        ([("X-Autorespond", "Out of office")], "Re: zahtev"),
        ([("Precedence", "auto_reply")], "Re: zahtev"),
        ([], "Automatic reply: Zahtev"),
        ([], "Automatski odgovor: Zahtev"),
        ([], "Out of Office: Zahtev"),
        ([], "Automatikus válasz: Kérelem"),
        ([], "Odsutan: Zahtev"),
        ([], "Odsutna do 20.2."),
    ],
)
def test_auto_replies_are_recognised(headers, subject):
    assert parse_email(build_message(subject=subject, headers=headers)).is_auto_reply


@pytest.mark.parametrize("headers", [[], [("Auto-Submitted", "no")]])
def test_ordinary_mail_is_not_an_auto_reply(headers):
    parsed = parse_email(build_message(subject="Re: zahtev", headers=headers))

    assert not parsed.is_auto_reply
    assert not parsed.is_bounce
    assert not parsed.is_list


def test_delivery_status_notification_is_a_bounce_with_failed_recipients():
    parsed = parse_email(build_bounce("nema.ga@example.net"))

    assert parsed.is_bounce
    assert parsed.bounced_recipients == ["nema.ga@example.net"]


def test_mailer_daemon_with_empty_return_path_is_a_bounce():
    raw = build_message(
        from_name="Mail Delivery Subsystem",
        from_address="MAILER-DAEMON@mx.example.net",
        subject="Undeliverable: Vaš predmet",
        headers=[("Return-Path", "<>")],
    )

    assert parse_email(raw).is_bounce


@pytest.mark.parametrize(
    "header",
    [
        ("List-Id", "<vesti.subotica.rs>"),
        ("List-Unsubscribe", "<mailto:u@x.rs>"),
        ("Precedence", "bulk"),
        ("Precedence", "junk"),
    ],
)
def test_list_mail_is_recognised(header):
    assert parse_email(build_message(headers=[header])).is_list


def test_exim_failed_recipients_header_marks_a_bounce():
    raw = build_message(
        from_address="mailer-daemon@mx.example.net",
        headers=[("X-Failed-Recipients", "nema.ga@example.net"), ("Return-Path", "<>")],
    )

    parsed = parse_email(raw)

    assert parsed.is_bounce
    assert parsed.bounced_recipients == ["nema.ga@example.net"]


def test_only_web_mail_and_cid_urls_survive_in_html():
    html = (
        '<a href="https://a.rs">a</a><a href="mailto:p@subotica.rs">m</a>'
        '<a href="javascript:alert(1)">j</a><a href="vbscript:x">v</a>'
        '<img src="cid:slika@x"><img src="data:image/png;base64,AAAA"><img src="http://b.rs/p.png">'
        '<a href="file:///etc/passwd">f</a>'
    )

    sanitized = parse_email(build_message(body=None, html=html)).html

    assert 'href="https://a.rs"' in sanitized and 'href="mailto:p@subotica.rs"' in sanitized
    assert 'src="cid:slika@x"' in sanitized and 'src="http://b.rs/p.png"' in sanitized
    for banned in ("javascript:", "vbscript:", "data:", "file:"):
        assert banned not in sanitized


def test_the_agreed_interface_is_kept():
    # The intake pipeline is written against these names; fields may be added, not changed.
    parsed_fields = {f.name for f in dataclasses.fields(ParsedEmail)}
    assert parsed_fields >= {
        "message_id",
        "in_reply_to",
        "references",
        "subject",
        "from_address",
        "from_name",
        "reply_to",
        "to",
        "cc",
        "date",
        "text",
        "quoted",
        "signature",
        "full_text",
        "html",
        "attachments",
        "is_auto_reply",
        "is_bounce",
        "bounced_recipients",
        "is_list",
        "headers",
        "charset_notes",
    }
    assert [f.name for f in dataclasses.fields(Attachment)] == [
        "filename",
        "content_type",
        "data",
        "is_inline",
        "content_id",
    ]
    assert UnparseableEmail("why").reason == "why"
