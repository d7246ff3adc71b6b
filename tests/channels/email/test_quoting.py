"""split_message: the new text, the quoted history and the signature of a reply."""

import pytest

from salter.channels.email.quoting import is_forward_subject, split_message


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Feb 5, 2024 at 10:00 AM Opština Subotica <pisarnica@subotica.rs> wrote:",
        "Dana 5.2.2024. u 10:00, Opština Subotica je napisao:",
        "pon, 5. feb 2024. u 10:00 Opština Subotica <pisarnica@subotica.rs> je napisao/la:",
        "Opština Subotica je napisala:",
        "Pisarnica je napisao(la):",
        "У пон, 5. феб 2024. у 10:00 Општина Суботица <pisarnica@subotica.rs> је написао/ла:",
        "Општина Суботица је написала:",
        "2024. febr. 5., h 10:00 időpontban Szabadka Község <pisarnica@subotica.rs> ezt írta:",
        "Kovács János írta:",
        "2024.02.05. 10:00 keltezéssel, Kovács János írta:",
    ],
)
def test_attribution_line_starts_the_quoted_history(attribution):
    body = f"Nije rešeno.\n\n{attribution}\n> Rešeno je.\n> Pozdrav"

    split = split_message(body)

    assert split.text == "Nije rešeno."
    assert split.quoted == f"{attribution}\n> Rešeno je.\n> Pozdrav"


def test_attribution_wrapped_by_gmail_onto_two_lines():
    body = (
        "Hvala na odgovoru.\n\n"
        "On Mon, Feb 5, 2024 at 10:00 AM Opština Subotica <pisarnica@subotica.rs>\n"
        "wrote:\n\n> Stari tekst."
    )

    split = split_message(body)

    assert split.text == "Hvala na odgovoru."
    assert split.quoted.startswith("On Mon, Feb 5, 2024")


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Izvorna poruka-----",
        "-----Originalna poruka-----",
        "-----Eredeti üzenet-----",
        "-----Оригинална порука-----",
    ],
)
def test_outlook_separator_starts_the_quoted_history(separator):
    body = f"Molim odgovor.\n\n{separator}\nFrom: Opština\nSent: Monday\n\nStari tekst."

    split = split_message(body)

    assert split.text == "Molim odgovor."
    assert split.quoted.startswith(separator)


@pytest.mark.parametrize(
    ("sender", "sent"),
    [
        ("From: Opština Subotica <o@subotica.rs>", "Sent: Monday, February 5, 2024 10:00 AM"),
        ("*From:* Opština <o@subotica.rs>", "*Sent:* Monday, February 5, 2024 10:00 AM"),
        ("Od: Opština Subotica <o@subotica.rs>", "Poslato: 5. februar 2024 10:00"),
        ("Šalje: Opština Subotica <o@subotica.rs>", "Datum: 5. veljače 2024. 10:00"),
        ("Feladó: Szabadka Község <o@subotica.rs>", "Elküldve: 2024. február 5. 10:00"),
        ("Од: Општина Суботица <o@subotica.rs>", "Послато: 5. фебруар 2024 10:00"),
    ],
)
def test_outlook_header_block_starts_the_quoted_history(sender, sent):
    body = f"Evo dokumenta.\n\n{sender}\n{sent}\nTo: Marko\nSubject: Re: Zahtev\n\nStari tekst."

    split = split_message(body)

    assert split.text == "Evo dokumenta."
    assert split.quoted.startswith(sender)


def test_outlook_web_rule_above_the_header_block_belongs_to_the_history():
    body = (
        "Evo.\n________________________________\n"
        "Od: Opština <o@x.rs>\nPoslato: ponedeljak\n\nStaro."
    )

    split = split_message(body)

    assert split.text == "Evo."
    assert split.quoted.startswith("________________________________\nOd: Opština")


def test_a_from_line_in_ordinary_text_is_not_history():
    body = "From: the citizen's point of view this is wrong.\nPlease fix it."

    assert split_message(body).text == body


def test_interleaved_reply_keeps_the_answers_and_moves_the_quotes():
    body = "> Da li je kvar otklonjen?\nNije.\n> Kada ste primetili?\nJuče uveče."

    split = split_message(body)

    assert split.text == "Nije.\nJuče uveče."
    assert split.quoted == "> Da li je kvar otklonjen?\n> Kada ste primetili?"


def test_gmail_forward_keeps_its_content_as_text():
    body = (
        "Prosleđujem vam prijavu komšije.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Komšija <k@example.net>\nDate: Mon, Feb 5, 2024\nSubject: Kvar\n\n"
        "Voda curi iz cevi."
    )

    split = split_message(body)

    assert split.text == body
    assert split.quoted == ""


def test_outlook_forward_keeps_its_content_when_the_subject_says_forward():
    body = "Vidi dole.\n\n-----Original Message-----\nFrom: Komšija\nSent: Monday\n\nVoda curi."

    split = split_message(body, forward=True)

    assert "Voda curi." in split.text
    assert split.quoted == ""


@pytest.mark.parametrize(
    "subject", ["Fwd: Kvar", "FW: Kvar", "Fw: Kvar", "TR: Kvar", "Továbbítás: Kvar", "[JKP] Fwd: x"]
)
def test_forward_subjects_are_recognised(subject):
    assert is_forward_subject(subject)


@pytest.mark.parametrize("subject", ["Re: Kvar", "Kvar na vodovodu", "Fwdovanje"])
def test_other_subjects_are_not_forwards(subject):
    assert not is_forward_subject(subject)


def test_signature_after_dash_dash_space():
    body = "Molim odgovor.\n\n-- \nMarko Petrović\nUlica Matije Gupca 5\n064/123-456"

    split = split_message(body)

    assert split.text == "Molim odgovor."
    assert split.signature == "-- \nMarko Petrović\nUlica Matije Gupca 5\n064/123-456"


@pytest.mark.parametrize(
    "footer",
    [
        "Sent from my iPhone",
        "Poslato sa mog iPhone-a",
        "Poslato sa mog Samsung Galaxy uređaja",
        "Послато са мог iPhone-а",
        "Get Outlook for Android",
        "Küldve az iPhone-omról",
    ],
)
def test_phone_footer_is_the_signature(footer):
    split = split_message(f"Rupa je i dalje tu.\n\n{footer}")

    assert split.text == "Rupa je i dalje tu."
    assert split.signature == footer


@pytest.mark.parametrize(
    "closing",
    [
        "S poštovanjem,",
        "Srdačan pozdrav,",
        "Pozdrav",
        "С поштовањем,",
        "Üdvözlettel:",
        "Best regards,",
        "Lep pozdrav!",
    ],
)
def test_closing_with_name_lines_at_the_end_is_the_signature(closing):
    body = f"Molim vas da rešite problem.\n\n{closing}\nMarko Petrović\nmob. 064/123-456"

    split = split_message(body)

    assert split.text == "Molim vas da rešite problem."
    assert split.signature == f"{closing}\nMarko Petrović\nmob. 064/123-456"


def test_closing_followed_by_a_long_paragraph_is_not_a_signature():
    body = (
        "Pozdrav\n\nPišem vam jer već treću nedelju niko ne odnosi smeće iz naše ulice, "
        "a kontejneri su puni i oko njih se skupljaju psi lutalice i pacovi."
    )

    split = split_message(body)

    assert split.text == body
    assert split.signature == ""


def test_closing_alone_is_not_taken_as_the_whole_message():
    assert split_message("Pozdrav").text == "Pozdrav"


def test_reply_with_signature_and_history():
    body = (
        "Nije rešeno.\n\nS poštovanjem,\nMarko\n\n"
        "pon, 5. feb 2024. u 10:00 Opština <o@x.rs> je napisao/la:\n> Rešeno."
    )

    split = split_message(body)

    assert (split.text, split.signature) == ("Nije rešeno.", "S poštovanjem,\nMarko")
    assert split.quoted.endswith("> Rešeno.")


def test_very_long_line_is_handled_quickly_and_kept():
    body = "a" * 2_000_000 + " wrote:"

    assert split_message(body).text == body
