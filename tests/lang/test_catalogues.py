"""The translation catalogues: complete, current with the source, placeholders intact,
Cyrillic exactly as generated, and really used when a page is rendered.

When a test here fails after you added a string: run `salter i18n extract`, translate the
new entries in locale/sr_Latn (and hu), then `salter i18n cyrillic`.
"""

import re
import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from salter.cases.workflow import Status
from salter.lang.management.commands.i18n import cyrillic_catalog, problems

LOCALES = ["sr_Latn", "sr", "hu", "en"]
REPO = Path(settings.BASE_DIR)
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])  # read before any test overrides the setting
# What `salter i18n extract` does not scan (its ignore_patterns), plus what is not source.
NOT_SOURCE = {".git", ".venv", "var", "build", "tests", "static", "node_modules",
              "__pycache__", ".pytest_cache", ".ruff_cache"}

needs_gettext = pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgfmt")),
    reason="GNU gettext (xgettext, msgfmt) is not installed",
)


def catalog_paths(locale: str) -> list[Path]:
    return sorted((LOCALE_DIR / locale / "LC_MESSAGES").glob("*.po"))


def catalogue(locale: str) -> polib.POFile:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing"
    return polib.pofile(str(path))


def live(po: polib.POFile):
    return [entry for entry in po if not entry.obsolete]


def key(entry: polib.POEntry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# --- complete ---------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(locale):
    found = problems(catalogue(locale))
    assert not found, f"{locale}: {len(found)} entries to translate:\n" + "\n".join(found)


def test_serbian_plurals_have_three_forms():
    for locale in ("sr_Latn", "sr"):
        po = catalogue(locale)
        assert po.metadata["Plural-Forms"].startswith("nplurals=3;")
        for entry in live(po):
            if entry.msgid_plural:
                assert sorted(entry.msgstr_plural) == [0, 1, 2], (locale, entry.msgid)


# --- current with the source ---------------------------------------------------------------

@pytest.fixture(scope="module")
def source_msgids(tmp_path_factory):
    """Every msgid in the source, extracted as `salter i18n extract` does, in a copy of
    the repository so that the real catalogues are not touched."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path_factory.mktemp("extract") / "src"
    shutil.copytree(
        REPO, copy, symlinks=True,
        ignore=lambda folder, names: [
            n for n in names
            if n in NOT_SOURCE or n.endswith(".mo") or (Path(folder) == REPO and n == "locale")
        ],
    )
    (copy / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
    previous = Path.cwd()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(copy)
            mp.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
            call_command("makemessages", locale=["en"], keep_pot=True, verbosity=0)
    finally:
        assert Path.cwd() == previous
    pot = polib.pofile(str(copy / "locale" / "django.pot"))
    return {key(entry) for entry in pot}


@needs_gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_holds_every_string_of_the_source(locale, source_msgids):
    assert len(source_msgids) > 100  # the extraction really found the source
    have = {key(entry) for entry in live(catalogue(locale))}
    missing = sorted(source_msgids - have, key=lambda k: (k[1], k[0] or ""))
    assert not missing, (
        f"{locale}: {len(missing)} strings of the source are not in the catalogue "
        "(run `salter i18n extract` and translate them):\n"
        + "\n".join(repr(m[1]) for m in missing)
    )


# --- placeholders ---------------------------------------------------------------------------

PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACES = re.compile(r"\{[^{}\s]*\}")
TAG = re.compile(r"<[^<>]+>")


def placeholders(entry: polib.POEntry, text: str) -> tuple:
    printf = sorted(PRINTF.findall(text)) if "python-format" in entry.flags else []
    return printf, sorted(set(BRACES.findall(text))), sorted(TAG.findall(text))


@needs_gettext
@pytest.mark.parametrize("locale", LOCALES)
def test_msgfmt_accepts_the_formats(locale):
    for path in catalog_paths(locale):
        result = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders_and_tags(locale):
    wrong = []
    for entry in live(catalogue(locale)):
        allowed = [placeholders(entry, entry.msgid)]
        if entry.msgid_plural:
            # A plural form repeats the singular's or the plural's placeholders.
            allowed.append(placeholders(entry, entry.msgid_plural))
        for text in translations(entry):
            if text and placeholders(entry, text) not in allowed:
                wrong.append(f"{entry.msgid!r} → {text!r}")
    assert not wrong, f"{locale}: placeholders differ:\n" + "\n".join(wrong)


def test_placeholder_comparison_catches_a_mistake():
    entry = polib.POEntry(msgid="Case %(number)s of {year} <b>now</b>", flags=["python-format"])
    good = "Predmet %(number)s iz {year} <b>sada</b>"
    assert placeholders(entry, good) == placeholders(entry, entry.msgid)
    for bad in ("Predmet %(broj)s iz {year} <b>sada</b>",
                "Predmet %(number)s iz {godina} <b>sada</b>",
                "Predmet %(number)s iz {year} sada",
                "Predmet %(number)d iz {year} <b>sada</b>"):
        assert placeholders(entry, bad) != placeholders(entry, entry.msgid), bad


# --- Cyrillic -----------------------------------------------------------------------------

def test_cyrillic_catalogue_is_exactly_what_the_transliterator_generates():
    expected = cyrillic_catalog(catalogue("sr_Latn"))
    actual = catalogue("sr")

    def entries(po):
        return {key(e): (translations(e), sorted(e.flags)) for e in live(po)}

    want, have = entries(expected), entries(actual)
    differing = [k[1] for k in want.keys() | have.keys() if want.get(k) != have.get(k)]
    assert not differing, (
        "locale/sr is generated: run `salter i18n cyrillic` (and fix wrong words in "
        "salter/lang/transliteration.py, not in locale/sr). Differing entries:\n"
        + "\n".join(repr(m) for m in sorted(differing))
    )
    assert actual.metadata.get("Plural-Forms") == expected.metadata.get("Plural-Forms")


# Latin that Serbian Cyrillic text keeps, each with its reason.
LATIN_IN_CYRILLIC = {
    "API": "technical acronym; Serbian IT texts in Cyrillic write API",
    "CSV": "file format, as PDF is",
    "XLSX": "file format, as PDF is",
    "IMAP": "protocol name (the mailbox settings)",
    "IMAPS": "protocol name, as IMAP is",
    "IDLE": "IMAP command name, quoted literally",
    "TLS": "protocol name, as IMAP is",
    "Message-ID": "e-mail header name, quoted literally",
    "Auto-Submitted": "e-mail header name, quoted literally",
    "Precedence": "e-mail header name, quoted literally",
}
LATIN_IN_CYRILLIC_PATTERNS = [
    PRINTF, BRACES, TAG,  # placeholders and markup are code
    re.compile(r"\S*(?:@|://|www\.)\S*"),  # e-mail addresses and links
    # Codes as printed on receipts: tracking codes (7KX4-MP29QD), registry numbers with a
    # Roman unit mark (IV-03-351-127/2026). Always capitals with at least one digit.
    re.compile(r"\b(?=[A-Z0-9/-]*\d)[A-Z0-9]+(?:[-/][A-Z0-9]+)+\b"),
    re.compile(r"\b(?:" + "|".join(map(re.escape, LATIN_IN_CYRILLIC)) + r")\b"),
]
LATIN_LETTER = re.compile(r"[A-Za-zČĆŽŠĐčćžšđ]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u04FF]")


def without_allowed_latin(text: str) -> str:
    for pattern in LATIN_IN_CYRILLIC_PATTERNS:
        text = pattern.sub(" ", text)
    return text


def test_cyrillic_translations_have_no_latin_letters_outside_the_allowlist():
    found = [text for entry in live(catalogue("sr")) for text in translations(entry)
             if LATIN_LETTER.search(without_allowed_latin(text))]
    assert not found, "Latin letters in the Cyrillic catalogue:\n" + "\n".join(found)


def test_cyrillic_allowlist_is_narrow():
    assert LATIN_LETTER.search(without_allowed_latin("Шалтер APIs"))
    assert LATIN_LETTER.search(without_allowed_latin("SMS порука"))
    assert not LATIN_LETTER.search(without_allowed_latin(
        "Код 7KX4-MP29QD, %(n)s, {year}, <b>pisarnica@subotica.rs</b>, API"))


def test_latin_catalogue_has_no_cyrillic_letters():
    found = [text for entry in live(catalogue("sr_Latn")) for text in translations(entry)
             if CYRILLIC_LETTER.search(text)]
    assert not found, "Cyrillic letters in the Latin catalogue:\n" + "\n".join(found)


# --- rendering -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory):
    """The catalogues compiled (as `salter i18n compile` does) into a temporary folder, so
    rendering uses the .po files as they are now, not stale .mo files."""
    target = tmp_path_factory.mktemp("locale")
    for locale in LOCALES:
        for path in catalog_paths(locale):
            out = target / locale / "LC_MESSAGES" / path.with_suffix(".mo").name
            out.parent.mkdir(parents=True, exist_ok=True)
            polib.pofile(str(path)).save_as_mofile(str(out))
    return target


@pytest.fixture
def translated(settings, compiled_locale):
    settings.LOCALE_PATHS = [compiled_locale]  # resets Django's translation caches
    yield
    translation.activate(settings.LANGUAGE_CODE)


def hu(msgid: str) -> str:
    return catalogue("hu").find(msgid).msgstr


EXPECTED_STATUS = {
    "sr-latn": ["Novo", "U radu", "Čeka građanina", "Rešeno", "Zatvoreno"],
    "sr": ["Ново", "У раду", "Чека грађанина", "Решено", "Затворено"],
    "en": ["New", "In progress", "Waiting on citizen", "Resolved", "Closed"],
}
STATUSES = [Status.NEW, Status.IN_PROGRESS, Status.WAITING_CITIZEN, Status.RESOLVED,
            Status.CLOSED]


@pytest.mark.parametrize("code", ["sr-latn", "sr", "en"])
def test_status_labels_in_each_language(translated, code):
    with translation.override(code):
        assert [str(s.label) for s in STATUSES] == EXPECTED_STATUS[code]


def test_status_labels_in_hungarian(translated):
    with translation.override("hu"):
        labels = [str(s.label) for s in STATUSES]
    # The words the Hungarian translator chose are what is shown: neither English nor the
    # Serbian that Django falls back to (LANGUAGE_CODE) for a missing translation.
    assert labels == [hu(msgid) for msgid in EXPECTED_STATUS["en"]]
    assert all(labels)
    assert not set(labels) & (set(EXPECTED_STATUS["en"]) | set(EXPECTED_STATUS["sr-latn"]))


LOGIN_WORDS = {
    "sr-latn": ["Prijava za zaposlene", "Korisničko ime", "Lozinka", "Promeni"],
    "sr": ["Пријава за запослене", "Корисничко име", "Лозинка", "Промени"],
    "hu": ["Jelszó"],
    "en": ["Staff sign-in", "Username", "Password", "Change"],
}


@pytest.mark.parametrize("code", LOGIN_WORDS)
@pytest.mark.django_db
def test_login_page_in_the_language_of_the_cookie(translated, client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    words = list(LOGIN_WORDS[code])
    if code == "hu":
        for msgid in ("Staff sign-in", "Username"):
            assert hu(msgid), f"the Hungarian catalogue does not translate {msgid!r}"
            words.append(hu(msgid))
    for word in words:
        assert word in page, f"{word!r} not on the {code} login page"
    for other, other_words in LOGIN_WORDS.items():
        if other != code:
            assert other_words[0] not in page, f"{other} text on the {code} login page"
