"""The procedures every municipality starts with (laid out by `tenancy.onboarding`).

Deadlines follow the law where there is one — the Law on Free Access to Information of
Public Importance (15 days; 48 hours where life, health or the environment is at stake),
the Law on General Administrative Procedure (ZUP: 30 days for a direct decision, 60 with an
examination procedure), the 15 days for a complaint about the administration — and are a
service standard elsewhere (communal problems, inquiries, businesses first), which each
municipality tunes. Classification marks follow the common local-government scheme where
the former defaults used it (031, 351, 352, 355, 434, 310); each pisarnica edits them to
its own list. Departments are named by the keys of `tenancy.onboarding.DEFAULT_DEPARTMENTS`.
"""

from dataclasses import dataclass

HIGH, URGENT = 30, 40  # cases.models.Priority


def t(sr_latn: str, hu: str, en: str) -> dict[str, str]:
    return {"sr-latn": sr_latn, "hu": hu, "en": en}


@dataclass(frozen=True)
class ProcedureSpec:
    code: str
    name: dict[str, str]
    description: dict[str, str]
    category: str
    classification: str
    department: str
    first_response: str
    resolution: str
    priority: int = 20
    required_fields: tuple[str, ...] = ("description",)
    checklist: tuple[dict[str, str], ...] = ()
    reply_templates: tuple[dict, ...] = ()
    keywords: tuple[str, ...] = ()
    is_public: bool = True
    variant_of: str = ""  # code of the main procedure


RECEIVED = {
    "key": "received",
    "title": t("Potvrda prijema", "Átvételi elismervény", "Acknowledgement of receipt"),
    "body": t(
        "Poštovani,\n\nVaš podnesak „{subject}“ primljen je i zaveden pod brojem "
        "{registry_number}. Odgovor ćete dobiti najkasnije do {due_date}.\n\n"
        "Stanje predmeta možete pratiti na: {tracking_url}\n\n{municipality}",
        "Tisztelt Ügyfél!\n\n„{subject}” tárgyú beadványát átvettük, és {registry_number} "
        "számon iktattuk. Legkésőbb {due_date} napjáig választ kap.\n\n"
        "Az ügy állását itt követheti: {tracking_url}\n\n{municipality}",
        "Dear Sir or Madam,\n\nYour submission “{subject}” has been received and registered "
        "under number {registry_number}. You will receive an answer by {due_date} at the "
        "latest.\n\nYou can follow your case at: {tracking_url}\n\n{municipality}"),
}
FORWARDED = {
    "key": "forwarded",
    "title": t("Vaša prijava je prosleđena nadležnoj službi",
               "Bejelentését továbbítottuk az illetékes szolgálatnak",
               "Your report has been forwarded to the competent service"),
    "body": t(
        "Poštovani,\n\nVaša prijava „{subject}“ zavedena je pod brojem {registry_number} i "
        "prosleđena nadležnoj službi. Odgovor ćete dobiti najkasnije do {due_date}.\n\n"
        "Stanje predmeta možete pratiti na: {tracking_url}\n\n{municipality}",
        "Tisztelt Bejelentő!\n\n„{subject}” tárgyú bejelentését {registry_number} számon "
        "iktattuk, és továbbítottuk az illetékes szolgálatnak. Legkésőbb {due_date} napjáig "
        "választ kap.\n\nAz ügy állását itt követheti: {tracking_url}\n\n{municipality}",
        "Dear Sir or Madam,\n\nYour report “{subject}” has been registered under number "
        "{registry_number} and forwarded to the competent service. You will receive an "
        "answer by {due_date} at the latest.\n\nYou can follow your case at: {tracking_url}"
        "\n\n{municipality}"),
}
FIXED = {
    "key": "resolved",
    "title": t("Problem je otklonjen", "A problémát elhárítottuk",
               "The problem has been fixed"),
    "body": t(
        "Poštovani,\n\nObaveštavamo Vas da je problem iz Vaše prijave broj {registry_number} "
        "(„{subject}“) otklonjen. Zahvaljujemo Vam što ste ga prijavili.\n\n{municipality}",
        "Tisztelt Bejelentő!\n\nÉrtesítjük, hogy a {registry_number} számú bejelentésében "
        "(„{subject}”) jelzett problémát elhárítottuk. Köszönjük, hogy jelezte.\n\n"
        "{municipality}",
        "Dear Sir or Madam,\n\nWe are glad to tell you that the problem in your report "
        "no. {registry_number} (“{subject}”) has been fixed. Thank you for reporting it."
        "\n\n{municipality}"),
}
EXTENDED = {
    "key": "deadline-extended",
    "title": t("Obaveštenje o produženju roka", "Értesítés a határidő meghosszabbításáról",
               "Notice of an extended time limit"),
    "body": t(
        "Poštovani,\n\nIz opravdanih razloga na Vaš zahtev broj {registry_number} („{subject}“) "
        "nije moguće odgovoriti u zakonskom roku. Odgovor ćete dobiti najkasnije do "
        "{due_date}.\n\n{municipality}",
        "Tisztelt Kérelmező!\n\nAlapos okból a {registry_number} számú kérelmére "
        "(„{subject}”) a törvényes határidőn belül nem tudunk válaszolni. Legkésőbb "
        "{due_date} napjáig választ kap.\n\n{municipality}",
        "Dear Sir or Madam,\n\nFor justified reasons your request no. {registry_number} "
        "(“{subject}”) cannot be answered within the statutory time limit. You will receive "
        "an answer by {due_date} at the latest.\n\n{municipality}"),
}

COMMUNAL_STEPS = (
    t("Proveriti lokaciju i da li je problem već prijavljen",
      "Ellenőrizni a helyszínt, és hogy a problémát bejelentették-e már",
      "Check the location and whether the problem has already been reported"),
    t("Proslediti nadležnom JKP-u ili službi sa rokom za odgovor",
      "Továbbítani az illetékes közvállalatnak vagy szolgálatnak, válaszadási határidővel",
      "Forward to the competent public utility or service with a deadline for its answer"),
    t("Obavestiti podnosioca o preduzetim merama",
      "Értesíteni a bejelentőt a megtett intézkedésekről",
      "Inform the submitter of the measures taken"),
)
ZUP_STEPS = (
    t("Proveriti nadležnost i urednost zahteva; stranku pozvati da otkloni nedostatke",
      "Ellenőrizni az illetékességet és a kérelem szabályszerűségét; felhívni az ügyfelet "
      "a hiányosságok pótlására",
      "Check competence and that the request is complete; ask the party to remedy defects"),
    t("Pribaviti podatke iz službenih evidencija po službenoj dužnosti",
      "Hivatalból beszerezni az adatokat a hivatalos nyilvántartásokból",
      "Obtain data from official records ex officio"),
    t("Doneti rešenje i dostaviti ga stranci",
      "Meghozni a határozatot és kézbesíteni az ügyfélnek",
      "Issue the decision and serve it on the party"),
)
INFORMATION_STEPS = (
    t("Proveriti da li organ poseduje traženu informaciju",
      "Ellenőrizni, hogy a szerv rendelkezik-e a kért információval",
      "Check whether the authority holds the requested information"),
    t("Udovoljiti zahtevu ili doneti rešenje o odbijanju sa obrazloženjem i poukom o "
      "pravnom leku",
      "Teljesíteni a kérelmet, vagy indokolással és jogorvoslati tájékoztatással ellátott "
      "elutasító határozatot hozni",
      "Grant the request, or refuse it by a reasoned decision with instructions on appeal"),
    t("Dostaviti odgovor tražiocu i evidentirati ga",
      "Kézbesíteni a választ a kérelmezőnek és nyilvántartásba venni",
      "Deliver the answer to the requester and record it"),
)
COMMUNAL_FIELDS = ("location", "description")

STARTER_PROCEDURES = (
    ProcedureSpec(
        "street-lighting",
        t("Ulična rasveta", "Közvilágítás", "Street lighting"),
        t("Ugašena, oštećena ili danju upaljena svetiljka javne rasvete.",
          "Nem működő, sérült vagy nappal is égő közvilágítási lámpa.",
          "A street light that is out, damaged or burning in daylight."),
        "communal", "352", "communal", "1 working day", "15 calendar days",
        required_fields=COMMUNAL_FIELDS, checklist=COMMUNAL_STEPS,
        reply_templates=(FORWARDED, FIXED),
        keywords=("ulična rasveta", "javna rasveta", "ne radi svetiljka", "sijalica",
                  "bandera")),
    ProcedureSpec(
        "road-damage",
        t("Oštećenje kolovoza i trotoara", "Úttest és járda sérülése (kátyú)",
          "Damaged road or pavement (pothole)"),
        t("Udarne rupe, oštećen kolovoz, trotoar ili saobraćajni znak.",
          "Kátyú, sérült úttest, járda vagy közlekedési tábla.",
          "Potholes, a damaged road surface, pavement or traffic sign."),
        "communal", "352", "communal", "1 working day", "15 calendar days",
        required_fields=(*COMMUNAL_FIELDS, "photo"), checklist=COMMUNAL_STEPS,
        reply_templates=(FORWARDED, FIXED),
        keywords=("rupa na putu", "rupa na kolovozu", "udarna rupa", "oštećen kolovoz",
                  "oštećen trotoar")),
    ProcedureSpec(
        "waste",
        t("Otpad i čistoća", "Hulladék és köztisztaság", "Waste and street cleaning"),
        t("Neodvezen otpad, prepuni kontejneri, kabasti otpad i čistoća javnih površina.",
          "El nem szállított hulladék, túltelt konténerek, lomtalanítás és a közterületek "
          "tisztasága.",
          "Uncollected waste, overflowing containers, bulky waste and clean public spaces."),
        "communal", "352", "waste", "1 working day", "8 calendar days",
        required_fields=COMMUNAL_FIELDS, checklist=COMMUNAL_STEPS,
        reply_templates=(FORWARDED, FIXED),
        keywords=("kontejner", "smeće", "odvoz otpada", "kabasti otpad", "đubre")),
    ProcedureSpec(
        "water",
        t("Vodovod i kanalizacija", "Vízellátás és csatornázás", "Water supply and sewerage"),
        t("Nestanak vode, kvar na vodovodnoj mreži, izliv kanalizacije, vodomer.",
          "Vízhiány, hiba a vízhálózaton, csatornakifolyás, vízóra.",
          "No water, a fault in the water mains, a sewage overflow, a water meter."),
        "communal", "352", "water", "4 working hours", "8 calendar days",
        required_fields=COMMUNAL_FIELDS, checklist=COMMUNAL_STEPS,
        reply_templates=(FORWARDED, FIXED),
        keywords=("vodovod", "kanalizacija", "vodomer", "nestanak vode", "izliv")),
    ProcedureSpec(
        "inspection-request",
        t("Zahtev za inspekcijski nadzor (predstavka)",
          "Felügyeleti ellenőrzés kérelmezése (beadvány)",
          "Request for an inspection (petition)"),
        t("Predstavka građana ili privrednog subjekta komunalnoj, građevinskoj ili inspekciji "
          "zaštite životne sredine (buka, nelegalna gradnja, divlje deponije).",
          "Polgárok vagy gazdasági szereplők beadványa a kommunális, az építésügyi vagy a "
          "környezetvédelmi felügyelőséghez (zaj, engedély nélküli építkezés, illegális "
          "hulladéklerakók).",
          "A petition from a citizen or business to the communal, building or environmental "
          "inspection (noise, unlicensed building, illegal dumps)."),
        "inspection", "355", "inspection", "2 working days", "15 calendar days",
        required_fields=("location", "description"),
        checklist=(
            t("Oceniti da li predstavka daje osnov za nadzor",
              "Felmérni, hogy a beadvány alapot ad-e az ellenőrzésre",
              "Assess whether the petition gives grounds for an inspection"),
            t("Izvršiti nadzor na terenu i sačiniti zapisnik",
              "Helyszíni ellenőrzést végezni és jegyzőkönyvet felvenni",
              "Inspect on site and write the record"),
            t("Obavestiti podnosioca predstavke o preduzetim merama",
              "Értesíteni a beadványozót a megtett intézkedésekről",
              "Inform the petitioner of the measures taken"),
        ),
        reply_templates=(RECEIVED,),
        keywords=("inspekcija", "buka", "nelegalna gradnja", "divlja deponija")),
    ProcedureSpec(
        "general-inquiry",
        t("Opšte pitanje", "Általános kérdés", "General inquiry"),
        t("Pitanje ili molba za obaveštenje koji ne spadaju u drugi postupak.",
          "Kérdés vagy tájékoztatás kérése, amely nem tartozik más eljárásba.",
          "A question or request for information that falls under no other procedure."),
        "inquiry", "030", "general", "1 working day", "8 calendar days",
        checklist=(
            t("Utvrditi nadležnu službu", "Megállapítani az illetékes szolgálatot",
              "Find the competent service"),
            t("Odgovoriti podnosiocu ili ga uputiti nadležnom organu",
              "Válaszolni a kérdezőnek, vagy az illetékes szervhez irányítani",
              "Answer, or direct the submitter to the competent authority"),
        ),
        reply_templates=(RECEIVED,)),
    ProcedureSpec(
        "complaint",
        t("Pritužba na rad uprave ili zaposlenih",
          "Panasz a közigazgatás vagy az alkalmazottak munkájára",
          "Complaint about the administration or its staff"),
        t("Pritužba na rad uprave ili na nepravilan odnos zaposlenih prema građanima; "
          "odgovor u roku od 15 dana od prijema.",
          "Panasz a közigazgatás munkájára vagy az alkalmazottak polgárokkal szembeni "
          "helytelen magatartására; válasz a beérkezéstől számított 15 napon belül.",
          "A complaint about the work of the administration or improper treatment of "
          "citizens by its staff; answered within 15 days of receipt."),
        "complaint", "033", "general", "2 working days", "15 calendar days",
        required_fields=("name", "description"),
        checklist=(
            t("Pribaviti izjašnjenje službe ili zaposlenog na koga se pritužba odnosi",
              "Beszerezni annak a szolgálatnak vagy alkalmazottnak a nyilatkozatát, akire a "
              "panasz vonatkozik",
              "Obtain a statement from the service or employee the complaint concerns"),
            t("Utvrditi činjenice i odlučiti o merama",
              "Megállapítani a tényeket és dönteni az intézkedésekről",
              "Establish the facts and decide on measures"),
            t("Odgovoriti podnosiocu pritužbe", "Válaszolni a panaszosnak",
              "Answer the complainant"),
        ),
        reply_templates=(RECEIVED,),
        keywords=("pritužba", "žalim se", "nepravilan odnos")),
    ProcedureSpec(
        "business-inquiry",
        t("Upit privrednog subjekta", "Gazdasági szereplő megkeresése", "Business inquiry"),
        t("Pitanje preduzeća ili preduzetnika (subvencije, javni pozivi, dozvole, lokalne "
          "takse); odgovara se prioritetno.",
          "Vállalat vagy vállalkozó kérdése (támogatások, nyilvános pályázatok, engedélyek, "
          "helyi illetékek); elsőbbséggel válaszolunk rá.",
          "A question from a company or entrepreneur (subsidies, public calls, permits, local "
          "fees); answered first."),
        "business", "310", "economy", "4 working hours", "5 working days", priority=HIGH,
        required_fields=("name", "pib", "description"),
        checklist=(
            t("Proveriti podatke privrednog subjekta (PIB, MB)",
              "Ellenőrizni a gazdasági szereplő adatait (PIB, MB)",
              "Check the business's registration data (PIB, MB)"),
            t("Pribaviti odgovor nadležnog odeljenja",
              "Beszerezni az illetékes osztály válaszát",
              "Get the answer of the competent department"),
            t("Odgovoriti u roku i po potrebi ponuditi sastanak",
              "Határidőn belül válaszolni, szükség esetén találkozót felajánlani",
              "Answer in time and offer a meeting where useful"),
        ),
        reply_templates=(RECEIVED,),
        keywords=("preduzetnik", "subvencija", "privredno društvo", "javni poziv")),
    ProcedureSpec(
        "public-information",
        t("Zahtev za pristup informacijama od javnog značaja",
          "Kérelem közérdekű információkhoz való hozzáférésre",
          "Request for access to information of public importance"),
        t("Zahtev po Zakonu o slobodnom pristupu informacijama od javnog značaja. Organ "
          "vlasti odgovara bez odlaganja, a najkasnije u roku od 15 dana od prijema zahteva.",
          "Kérelem a közérdekű információkhoz való szabad hozzáférésről szóló törvény "
          "alapján. A hatóság haladéktalanul, de legkésőbb a kérelem beérkezésétől számított "
          "15 napon belül válaszol.",
          "A request under the Law on Free Access to Information of Public Importance. The "
          "authority answers without delay and within 15 days of receipt at the latest."),
        "information", "031", "general", "1 working day", "15 calendar days",
        required_fields=("name", "address", "description"),
        checklist=INFORMATION_STEPS, reply_templates=(RECEIVED, EXTENDED),
        keywords=("informacije od javnog značaja", "pristup informacijama")),
    ProcedureSpec(
        "public-information-urgent",
        t("Zahtev za pristup informacijama od javnog značaja – život, zdravlje, životna "
          "sredina",
          "Kérelem közérdekű információkhoz való hozzáférésre – élet, egészség, környezet",
          "Request for information of public importance – life, health, environment"),
        t("Zahtev za informaciju od značaja za zaštitu života ili slobode nekog lica, odnosno "
          "za ugrožavanje ili zaštitu zdravlja stanovništva i životne sredine: odgovor "
          "najkasnije u roku od 48 sati od prijema zahteva.",
          "Olyan információra vonatkozó kérelem, amely valamely személy életének vagy "
          "szabadságának védelme, illetve a lakosság egészségének és a környezetnek a "
          "veszélyeztetése vagy védelme szempontjából jelentős: válasz legkésőbb a kérelem "
          "beérkezésétől számított 48 órán belül.",
          "A request for information that matters for protecting someone's life or freedom, "
          "or for a threat to or the protection of public health and the environment: "
          "answered within 48 hours of receipt at the latest."),
        "information", "031", "general", "2 working hours", "48 hours", priority=URGENT,
        required_fields=("name", "address", "description"),
        checklist=INFORMATION_STEPS, reply_templates=(RECEIVED,),
        variant_of="public-information"),
    ProcedureSpec(
        "administrative-direct",
        t("Upravni postupak – neposredno rešavanje",
          "Közigazgatási eljárás – közvetlen döntés",
          "Administrative procedure – direct decision"),
        t("Zahtev o kome se odlučuje u upravnom postupku (ZUP), a može se rešiti neposredno, "
          "bez ispitnog postupka: rešenje u roku od 30 dana od pokretanja postupka.",
          "Közigazgatási eljárásban (ZUP) elbírálandó kérelem, amelyről bizonyítási eljárás "
          "nélkül, közvetlenül lehet dönteni: határozat az eljárás megindításától számított "
          "30 napon belül.",
          "A request decided in administrative procedure (ZUP) that can be decided directly, "
          "without an examination procedure: decision within 30 days of the start of the "
          "procedure."),
        "administrative", "037", "general", "1 working day", "30 calendar days",
        required_fields=("name", "address", "jmbg", "description"),
        checklist=ZUP_STEPS, reply_templates=(RECEIVED,), is_public=False),
    ProcedureSpec(
        "administrative-examination",
        t("Upravni postupak – ispitni postupak",
          "Közigazgatási eljárás – bizonyítási eljárással",
          "Administrative procedure – with an examination procedure"),
        t("Zahtev o kome se odlučuje u upravnom postupku (ZUP) kada je potrebno sprovesti "
          "ispitni postupak: rešenje u roku od 60 dana od pokretanja postupka.",
          "Közigazgatási eljárásban (ZUP) elbírálandó kérelem, amelyhez bizonyítási eljárás "
          "szükséges: határozat az eljárás megindításától számított 60 napon belül.",
          "A request decided in administrative procedure (ZUP) that needs an examination "
          "procedure: decision within 60 days of the start of the procedure."),
        "administrative", "037", "general", "1 working day", "60 calendar days",
        required_fields=("name", "address", "jmbg", "description"),
        checklist=ZUP_STEPS, reply_templates=(RECEIVED,), is_public=False,
        variant_of="administrative-direct"),
    ProcedureSpec(
        "urbanism",
        t("Urbanizam i izgradnja", "Településrendezés és építés",
          "Urban planning and construction"),
        t("Pitanja i zahtevi o lokacijskim uslovima, građevinskim dozvolama i ozakonjenju.",
          "Kérdések és kérelmek a helyszíni feltételekről, az építési engedélyekről és a "
          "fennmaradási engedélyekről.",
          "Questions and requests about location conditions, building permits and "
          "legalisation."),
        "urbanism", "351", "urbanism", "2 working days", "30 calendar days",
        checklist=ZUP_STEPS, reply_templates=(RECEIVED,),
        keywords=("građevinska dozvola", "lokacijski uslovi", "ozakonjenje", "legalizacija")),
    ProcedureSpec(
        "local-taxes",
        t("Lokalni porezi i takse", "Helyi adók és illetékek", "Local taxes and fees"),
        t("Porez na imovinu, lokalne komunalne takse, poreska uverenja i povraćaj.",
          "Vagyonadó, helyi kommunális illetékek, adóigazolások és visszatérítés.",
          "Property tax, local communal fees, tax certificates and refunds."),
        "taxes", "434", "finance", "2 working days", "30 calendar days",
        required_fields=("name", "address", "description"),
        reply_templates=(RECEIVED,),
        keywords=("porez na imovinu", "poresko rešenje", "taksa")),
)
