"""Translation catalogues: extract, derive Cyrillic, compile, check.

    salter i18n extract    # makemessages for sr_Latn, hu, en (needs GNU gettext)
    salter i18n cyrillic   # sr (Cyrillic) generated from sr_Latn by the transliterator
    salter i18n compile    # .po → .mo in pure Python (no gettext needed to run Šalter)
    salter i18n check      # fail on untranslated or fuzzy entries
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from salter.lang.transliteration import to_cyrillic

LOCALES = ["sr_Latn", "sr", "hu", "en"]
EXTRACTED = ["sr_Latn", "hu", "en"]
DOMAINS = ["django", "djangojs"]


def catalog_paths(locale: str):
    base = Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES"
    return [base / f"{domain}.po" for domain in DOMAINS if (base / f"{domain}.po").exists()]


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.get(i) for i in range(len(entry.msgstr_plural) or 1)):
                found.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


def tidy_header(po: polib.POFile, locale: str) -> None:
    po.metadata_is_fuzzy = False
    po.header = "Šalter translations. Same licence as Šalter."
    po.metadata.update({
        "Project-Id-Version": "Šalter",
        "Language": locale,
        "Language-Team": f"Šalter {locale}",
        "Last-Translator": "Šalter",
        "PO-Revision-Date": po.metadata.get("POT-Creation-Date", ""),
    })


def fill_english(po: polib.POFile) -> None:
    """The msgids are English: the English catalogue repeats them."""
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")


def cyrillic_catalog(latin: polib.POFile) -> polib.POFile:
    cyr = polib.POFile(wrapwidth=100)
    cyr.header = latin.header
    cyr.metadata = dict(latin.metadata)
    cyr.metadata["Language"] = "sr"
    cyr.metadata["Language-Team"] = "Šalter sr (generated from sr_Latn)"
    cyr.metadata["Plural-Forms"] = latin.metadata.get("Plural-Forms", "")
    for entry in latin:
        if entry.obsolete:
            continue
        copy = polib.POEntry(
            msgid=entry.msgid, msgid_plural=entry.msgid_plural, msgctxt=entry.msgctxt,
            occurrences=entry.occurrences, flags=list(entry.flags),
            msgstr=to_cyrillic(entry.msgstr) if entry.msgstr else "",
            msgstr_plural={k: to_cyrillic(v) for k, v in entry.msgstr_plural.items()},
        )
        cyr.append(copy)
    return cyr


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["extract", "cyrillic", "compile", "check"])

    def handle(self, action, **options):
        getattr(self, f"do_{action}")()

    def do_extract(self):
        call_command("makemessages", locale=EXTRACTED, no_obsolete=True, verbosity=0,
                     ignore_patterns=[".venv/*", "var/*", "build/*", "tests/*", "static/*",
                                      "node_modules/*"])
        for locale in EXTRACTED:
            for path in catalog_paths(locale):
                po = polib.pofile(str(path), wrapwidth=100)
                tidy_header(po, locale)
                if locale == "en":
                    fill_english(po)
                po.save()
        self.do_cyrillic()

    def do_cyrillic(self):
        for latin_path in catalog_paths("sr_Latn"):
            target = Path(str(latin_path).replace("/sr_Latn/", "/sr/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            cyrillic_catalog(polib.pofile(str(latin_path))).save(str(target))
            self.stdout.write(f"wrote {target}")

    def do_compile(self):
        for locale in LOCALES:
            for path in catalog_paths(locale):
                polib.pofile(str(path)).save_as_mofile(str(path.with_suffix(".mo")))

    def do_check(self):
        report = []
        for locale in LOCALES:
            paths = catalog_paths(locale)
            if not paths:
                report.append(f"{locale}: no catalogue")
            for path in paths:
                report += [f"{locale}/{path.name}: {p}" for p in problems(polib.pofile(str(path)))]
        if report:
            raise CommandError("\n".join(report))
        self.stdout.write("all catalogues complete")
