"""Existing case types get their deadline rules, a code and a category.

`resolution_days` was counted as calendar days with the ZUP end-of-term rule (whatever its
help text said), so N becomes "N calendar days"; a type without days gets ZUP's general
30 days, since every procedure now has a deadline. The first response is due by the end
of the next working day. Categories follow the classification marks of the former
starter set; the former starter names get their Hungarian and English names.
"""

from django.db import migrations
from django.utils.text import slugify

from salter.lang.transliteration import fold

CATEGORIES = {"031": "information", "351": "urbanism", "352": "communal",
              "355": "inspection", "434": "taxes", "310": "business"}
TRANSLATIONS = {
    "Informacije od javnog značaja": ("Közérdekű információk", "Information of public importance"),
    "Urbanizam i izgradnja": ("Településrendezés és építés", "Urban planning and construction"),
    "Komunalni problemi": ("Kommunális problémák", "Communal problems"),
    "Vodovod i kanalizacija": ("Vízellátás és csatornázás", "Water supply and sewerage"),
    "Komunalna inspekcija": ("Kommunális felügyelőség", "Communal inspection"),
    "Lokalni porezi i takse": ("Helyi adók és illetékek", "Local taxes and fees"),
    "Privreda i preduzetništvo": ("Gazdaság és vállalkozás", "Economy and entrepreneurship"),
}


def _days(amount: int) -> str:
    return f"{amount} calendar {'day' if amount == 1 else 'days'}"


def forward(apps, schema_editor):
    CaseType = apps.get_model("procedures", "CaseType")
    taken: dict[int, set[str]] = {}
    for case_type in CaseType.objects.order_by("municipality_id", "id"):
        codes = taken.setdefault(case_type.municipality_id, set())
        base = slugify(fold(case_type.name))[:50] or "procedure"
        code, n = base, 2
        while code in codes:
            code, n = f"{base}-{n}", n + 1
        codes.add(code)
        case_type.code = code
        days = case_type.resolution_days
        case_type.resolution_rule = _days(days) if days else _days(30)
        case_type.first_response_rule = "1 working day"
        case_type.category = CATEGORIES.get(case_type.classification, "other")
        if case_type.name in TRANSLATIONS and not case_type.translations:
            hu, en = TRANSLATIONS[case_type.name]
            case_type.translations = {"hu": {"name": hu}, "en": {"name": en}}
        case_type.save(update_fields=["code", "resolution_rule", "first_response_rule",
                                      "category", "translations"])


def backward(apps, schema_editor):
    CaseType = apps.get_model("procedures", "CaseType")
    for case_type in CaseType.objects.all():
        amount, _space, unit = case_type.resolution_rule.partition(" ")
        if unit in ("calendar day", "calendar days") and amount.isdigit():
            case_type.resolution_days = int(amount)
            case_type.save(update_fields=["resolution_days"])


class Migration(migrations.Migration):

    dependencies = [
        ("procedures", "0002_procedures_as_data"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
