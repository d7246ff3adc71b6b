"""The SMS alphabet and its segments, numbers, opt-out words and Latin without diacritics:
no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salter.channels.sms import gsm, kannel
from salter.channels.sms.text import normalise_number, opt_out_word, plain_latin

GSM_CHARS = [c for c in gsm.DEFAULT_ALPHABET if c != "\x1b"] + list(gsm.EXTENSION.values())


# --- segments ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "coding", "parts", "left"), [
    ("", gsm.GSM7, 1, 160),
    ("a" * 160, gsm.GSM7, 1, 0),
    ("a" * 161, gsm.GSM7, 2, 153 * 2 - 161),
    ("€" * 80, gsm.GSM7, 1, 0),  # two septets each
    ("€" * 81, gsm.GSM7, 2, 153 - 10),  # 76 fill 152 septets; the 77th starts part 2
    ("č" * 70, gsm.UCS2, 1, 0),
    ("Ђ" * 71, gsm.UCS2, 2, 67 * 2 - 71),
    ("Rupa na putu, ulica Žarka Zrenjanina", gsm.UCS2, 1, 70 - 36),
    ("Rupa na putu, ulica Zarka Zrenjanina", gsm.GSM7, 1, 160 - 36),
    ("😀" * 35, gsm.UCS2, 1, 0),  # two UTF-16 units each
])
def test_segments(text, coding, parts, left):
    counted = gsm.segments(text)
    assert (counted.coding, counted.parts, counted.left) == (coding, parts, left)


def test_an_extension_character_is_never_split_between_parts():
    # 152 septets, then "€" (2) would straddle the 153rd: it moves to the next part.
    text = "a" * 152 + "€" + "a" * 10
    counted = gsm.segments(text)
    assert counted.parts == 2
    assert counted.left == 153 - 12


@given(st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=400))
def test_gsm_septets_round_trip(text):
    assert gsm.fits_gsm7(text)
    assert gsm.decode_septets(gsm.encode_septets(text)) == text
    assert gsm.segments(text).units == len(gsm.encode_septets(text))


@given(st.text(max_size=300))
def test_every_text_has_a_coding_and_the_parts_hold_it(text):
    counted = gsm.segments(text)
    single, multi = gsm.LIMITS[counted.coding]
    assert counted.coding == (gsm.GSM7 if gsm.fits_gsm7(text) else gsm.UCS2)
    if counted.parts == 1:
        assert counted.units <= single
    else:
        assert counted.units <= counted.parts * multi
        assert counted.units > (counted.parts - 1) * multi - counted.parts  # not one too many
    assert 0 <= counted.left <= (single if counted.parts == 1 else multi)


@given(st.text(max_size=200))
def test_ucs2_text_decodes_exactly(text):
    assert kannel.decode_text(text.encode("utf-16-be"), "2", "UTF-16BE") == text


def test_bad_text_is_refused_with_the_field():
    with pytest.raises(kannel.Malformed) as odd:
        kannel.decode_text(b"\x04\x1a\x04", "2", "UTF-16BE")
    assert odd.value.field == "text" and "odd" in str(odd.value.reason)
    with pytest.raises(kannel.Malformed) as utf8:
        kannel.decode_text(b"\xc3\x28", "0", "UTF-8")
    assert utf8.value.field == "text"
    with pytest.raises(kannel.Malformed) as charset:
        kannel.decode_text(b"abc", "0", "KLINGON-8")
    assert charset.value.field == "charset"
    assert kannel.decode_text("Čačak".encode("iso-8859-2"), "0", "ISO-8859-2") == "Čačak"
    assert kannel.decode_text("Grüße".encode("latin-1"), "1", "8-BIT") == "Grüße"
    assert kannel.decode_text(gsm.encode_septets("Ünïcode? no: Ü€"[0]), "0", "GSM") == "Ü"


def test_udh_concatenation():
    assert kannel.concat_of(bytes((5, 0, 3, 42, 3, 2))) == kannel.Concat(42, 3, 2)
    assert kannel.concat_of(bytes((6, 8, 4, 1, 2, 3, 1))) == kannel.Concat(258, 3, 1)
    assert kannel.concat_of(b"") is None
    with pytest.raises(kannel.Malformed):
        kannel.concat_of(bytes((9, 0, 3, 42, 3, 2)))  # says 10 bytes, is 6
    with pytest.raises(kannel.Malformed):
        kannel.concat_of(bytes((5, 0, 3, 42, 3, 4)))  # part 4 of 3


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("given_as", ["0641234567", "064 123 4567", "064/123-4567",
                                      "+381641234567", "00381641234567", "381641234567",
                                      "+381 64 123 45 67"])
def test_serbian_numbers_in_every_spelling_are_one_e164(given_as):
    number = normalise_number(given_as)
    assert number.e164 == "+381641234567" and not number.foreign


def test_foreign_alphanumeric_withheld_and_garbage():
    hungary = normalise_number("+36301234567")
    assert hungary.e164 == "+36301234567" and hungary.foreign
    bank = normalise_number("Banca Intesa"[:11])
    assert bank.alphanumeric and not bank.e164
    assert normalise_number("").e164 == ""
    assert not normalise_number("").alphanumeric
    assert normalise_number("12").e164 == ""
    assert not normalise_number("<script>").alphanumeric


# --- opt-out --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop! ", "ODJAVA", "odjava.", "СТОП",
                                  "стоп", "ОДЈАВА", "Одјава", "sToP"])
def test_stop_in_any_case_and_script(text):
    assert opt_out_word(text) == "stop"


@pytest.mark.parametrize("text", ["START", "start", "СТАРТ", "Prijava"])
def test_start_resumes(text):
    assert opt_out_word(text) == "start"


@pytest.mark.parametrize("text", ["Stop sign is broken", "STOP STOP", "stopa", "", "123"])
def test_a_sentence_is_not_an_opt_out(text):
    assert opt_out_word(text) == ""


# --- Latin without diacritics --------------------------------------------------------------


def test_plain_latin_fits_gsm7():
    assert plain_latin("Ђорђе Чавић из Шида, Жабаљ") == "Djordje Cavic iz Sida, Zabalj"
    assert plain_latin("Љиљана Његош, Џеп") == "Ljiljana Njegos, Dzep"
    assert plain_latin("Szabadka, Újvidék") == "Szabadka, Ujvidék"
    text = "Поштовани, рупа ће бити санирана до петка."
    assert gsm.fits_gsm7(plain_latin(text))
    assert gsm.segments(plain_latin(text * 3)).parts < gsm.segments(text * 3).parts
