"""The 45 local self-governments (jedinice lokalne samouprave) of AP Vojvodina.

Plain data, imported by the data migration `tenancy.0002` and by onboarding; keep it free
of Django imports so that the migration stays reproducible.

Names follow the Zakon o teritorijalnoj organizaciji Republike Srbije. The eight cities
(grad) are Novi Sad, Subotica, Zrenjanin, Pančevo, Sombor, Kikinda, Sremska Mitrovica
and Vršac (a city since 2016); the other 37 are municipalities (opština).

`minority` holds the official name of the municipality in a minority language only where
that language is in official use on the *whole* territory of the municipality, after the
provincial overview "Službena upotreba jezika i pisama nacionalnih manjina na teritoriji
AP Vojvodine" (Pokrajinski sekretarijat za obrazovanje, propise, upravu i nacionalne
manjine). Languages official only in some settlements are left out, and so is every name
we could not confirm; each such gap is noted next to the entry so that a municipality's
administrator can complete it from the statute. Keys: hu, sk, ro, rue (Rusyn, Cyrillic
script), hr.
"""

CITY = "grad"
MUNICIPALITY = "opstina"

SEVERNOBACKI = "Severnobački okrug"
SREDNJOBANATSKI = "Srednjobanatski okrug"
SEVERNOBANATSKI = "Severnobanatski okrug"
JUZNOBANATSKI = "Južnobanatski okrug"
ZAPADNOBACKI = "Zapadnobački okrug"
JUZNOBACKI = "Južnobački okrug"
SREMSKI = "Sremski okrug"

DISTRICTS = (
    SEVERNOBACKI, SREDNJOBANATSKI, SEVERNOBANATSKI, JUZNOBANATSKI, ZAPADNOBACKI, JUZNOBACKI,
    SREMSKI,
)

# The ten municipalities piloting Šalter; the data migration activates these only.
PILOTS = (
    "subotica", "sombor", "kikinda", "vrsac", "zrenjanin", "sremska-mitrovica", "srbobran",
    "becej", "backa-palanka", "stara-pazova",
)


def _m(slug, name, name_cyrl, kind, district, **minority):
    return {"slug": slug, "name": name, "name_cyrl": name_cyrl, "kind": kind,
            "district": district, "minority_names": minority}


MUNICIPALITIES = (
    # Severnobački okrug
    _m("subotica", "Subotica", "Суботица", CITY, SEVERNOBACKI, hu="Szabadka", hr="Subotica"),
    _m("backa-topola", "Bačka Topola", "Бачка Топола", MUNICIPALITY, SEVERNOBACKI,
       hu="Topolya"),  # sk and rue only in some settlements
    _m("mali-idjos", "Mali Iđoš", "Мали Иђош", MUNICIPALITY, SEVERNOBACKI, hu="Kishegyes"),
    # Srednjobanatski okrug
    _m("zrenjanin", "Zrenjanin", "Зрењанин", CITY, SREDNJOBANATSKI,
       hu="Nagybecskerek", sk="Zreňanin", ro="Zrenianin"),
    _m("novi-becej", "Novi Bečej", "Нови Бечеј", MUNICIPALITY, SREDNJOBANATSKI,
       hu="Törökbecse"),
    _m("nova-crnja", "Nova Crnja", "Нова Црња", MUNICIPALITY, SREDNJOBANATSKI,
       hu="Magyarcsernye"),
    _m("zitiste", "Žitište", "Житиште", MUNICIPALITY, SREDNJOBANATSKI,
       hu="Begaszentgyörgy", ro="Jitiște"),
    # Sečanj: Hungarian and Romanian use not confirmed for the whole municipality.
    _m("secanj", "Sečanj", "Сечањ", MUNICIPALITY, SREDNJOBANATSKI),
    # Severnobanatski okrug
    # Kikinda: Hungarian is official only in some settlements.
    _m("kikinda", "Kikinda", "Кикинда", CITY, SEVERNOBANATSKI),
    _m("senta", "Senta", "Сента", MUNICIPALITY, SEVERNOBANATSKI, hu="Zenta"),
    _m("ada", "Ada", "Ада", MUNICIPALITY, SEVERNOBANATSKI, hu="Ada"),
    _m("kanjiza", "Kanjiža", "Кањижа", MUNICIPALITY, SEVERNOBANATSKI, hu="Magyarkanizsa"),
    _m("novi-knezevac", "Novi Kneževac", "Нови Кнежевац", MUNICIPALITY, SEVERNOBANATSKI,
       hu="Törökkanizsa"),
    _m("coka", "Čoka", "Чока", MUNICIPALITY, SEVERNOBANATSKI, hu="Csóka"),
    # Južnobanatski okrug
    # Pančevo: Hungarian, Romanian (and Bulgarian, Macedonian) only in some settlements.
    _m("pancevo", "Pančevo", "Панчево", CITY, JUZNOBANATSKI),
    _m("vrsac", "Vršac", "Вршац", CITY, JUZNOBANATSKI, hu="Versec", ro="Vârșeț"),
    _m("kovin", "Kovin", "Ковин", MUNICIPALITY, JUZNOBANATSKI, hu="Kevevára", ro="Cuvin"),
    # Bela Crkva: Czech is official too (Bílá Církev); no key for it yet.
    _m("bela-crkva", "Bela Crkva", "Бела Црква", MUNICIPALITY, JUZNOBANATSKI,
       hu="Fehértemplom", ro="Biserica Albă"),
    # Alibunar: Slovak is official as well; its Slovak form is not confirmed here.
    _m("alibunar", "Alibunar", "Алибунар", MUNICIPALITY, JUZNOBANATSKI, ro="Alibunar"),
    # Plandište: Slovak and Romanian use not confirmed for the whole municipality.
    _m("plandiste", "Plandište", "Пландиште", MUNICIPALITY, JUZNOBANATSKI, hu="Zichyfalva"),
    _m("opovo", "Opovo", "Опово", MUNICIPALITY, JUZNOBANATSKI),
    # Kovačica: Romanian is official as well; its Romanian form is not confirmed here.
    _m("kovacica", "Kovačica", "Ковачица", MUNICIPALITY, JUZNOBANATSKI,
       hu="Antalfalva", sk="Kovačica"),
    # Zapadnobački okrug
    # Sombor: Hungarian and Croatian not confirmed for the whole city.
    _m("sombor", "Sombor", "Сомбор", CITY, ZAPADNOBACKI),
    # Apatin: Hungarian and Croatian only in some settlements.
    _m("apatin", "Apatin", "Апатин", MUNICIPALITY, ZAPADNOBACKI),
    # Ruski Krstur, the centre of the Rusyns, lies in Kula.
    _m("kula", "Kula", "Кула", MUNICIPALITY, ZAPADNOBACKI, hu="Kúla", rue="Кула"),
    _m("odzaci", "Odžaci", "Оџаци", MUNICIPALITY, ZAPADNOBACKI, hu="Hódság", sk="Odžaci"),
    # Južnobački okrug
    _m("novi-sad", "Novi Sad", "Нови Сад", CITY, JUZNOBACKI,
       hu="Újvidék", sk="Nový Sad", rue="Нови Сад"),
    _m("bac", "Bač", "Бач", MUNICIPALITY, JUZNOBACKI, hu="Bács", sk="Báč"),
    # Bačka Palanka: Slovak is used in Pivnice, Silbaš and Gajdobra; whether the statute
    # makes it official for the whole municipality is not confirmed, so no name here.
    _m("backa-palanka", "Bačka Palanka", "Бачка Паланка", MUNICIPALITY, JUZNOBACKI),
    _m("backi-petrovac", "Bački Petrovac", "Бачки Петровац", MUNICIPALITY, JUZNOBACKI,
       sk="Báčsky Petrovec"),
    # Beočin: Slovak only in the settlement Lug.
    _m("beocin", "Beočin", "Беочин", MUNICIPALITY, JUZNOBACKI),
    _m("becej", "Bečej", "Бечеј", MUNICIPALITY, JUZNOBACKI, hu="Óbecse"),
    _m("vrbas", "Vrbas", "Врбас", MUNICIPALITY, JUZNOBACKI, hu="Verbász", rue="Вербас"),
    # Žabalj: Rusyn is official (Đurđevo); its Rusyn form is not confirmed here.
    _m("zabalj", "Žabalj", "Жабаљ", MUNICIPALITY, JUZNOBACKI),
    _m("srbobran", "Srbobran", "Србобран", MUNICIPALITY, JUZNOBACKI, hu="Szenttamás"),
    _m("sremski-karlovci", "Sremski Karlovci", "Сремски Карловци", MUNICIPALITY, JUZNOBACKI),
    _m("temerin", "Temerin", "Темерин", MUNICIPALITY, JUZNOBACKI, hu="Temerin"),
    # Titel: minority-language use not confirmed for the whole municipality.
    _m("titel", "Titel", "Тител", MUNICIPALITY, JUZNOBACKI),
    # Sremski okrug
    _m("sremska-mitrovica", "Sremska Mitrovica", "Сремска Митровица", CITY, SREMSKI),
    # Šid: Slovak and Rusyn are in use; whole-municipality status not confirmed.
    _m("sid", "Šid", "Шид", MUNICIPALITY, SREMSKI),
    _m("indjija", "Inđija", "Инђија", MUNICIPALITY, SREMSKI),
    _m("irig", "Irig", "Ириг", MUNICIPALITY, SREMSKI),
    _m("ruma", "Ruma", "Рума", MUNICIPALITY, SREMSKI),
    # Stara Pazova: Slovak is official only in the settlement Stara Pazova (Stará Pazova).
    _m("stara-pazova", "Stara Pazova", "Стара Пазова", MUNICIPALITY, SREMSKI),
    _m("pecinci", "Pećinci", "Пећинци", MUNICIPALITY, SREMSKI),
)

BY_SLUG = {m["slug"]: m for m in MUNICIPALITIES}
