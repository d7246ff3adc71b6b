"""Name pools and case wording for the demo: made-up people and firms of Vojvodina."""

SERBIAN_MEN = ("Marko", "Nikola", "Stefan", "Miloš", "Dragan", "Zoran", "Milan", "Nenad",
               "Goran", "Dejan", "Aleksandar", "Vladimir", "Đorđe", "Branislav", "Predrag",
               "Ljubomir", "Slobodan", "Žarko")
SERBIAN_WOMEN = ("Jelena", "Milica", "Ana", "Marija", "Ivana", "Snežana", "Dragana",
                 "Gordana", "Tijana", "Jovana", "Ljiljana", "Nevena", "Svetlana", "Biljana",
                 "Danijela", "Vesna", "Đurđina")
SERBIAN_SURNAMES = ("Petrović", "Jovanović", "Nikolić", "Marković", "Đorđević", "Stojanović",
                    "Ilić", "Stanković", "Pavlović", "Popović", "Todorović", "Kovačević",
                    "Lazić", "Savić", "Radovanović", "Babić", "Vuković", "Ljubičić", "Tomić",
                    "Mitrović", "Bogdanović", "Živković", "Šević", "Čolić")

HUNGARIAN_MEN = ("László", "Zoltán", "István", "Gábor", "Attila", "Ferenc", "Tibor", "Csaba",
                 "Sándor", "Béla")
HUNGARIAN_WOMEN = ("Erzsébet", "Katalin", "Ildikó", "Zsuzsanna", "Anikó", "Éva", "Tünde",
                   "Mária", "Edit", "Krisztina")
HUNGARIAN_SURNAMES = ("Nagy", "Kovács", "Szabó", "Tóth", "Horváth", "Varga", "Kiss",
                      "Molnár", "Németh", "Farkas", "Balogh", "Papp", "Takács", "Juhász")

SLOVAK_MEN = ("Ján", "Pavel", "Michal", "Martin", "Juraj", "Ondrej")
SLOVAK_WOMEN = ("Zuzana", "Anna", "Katarína", "Mária", "Jana", "Dana")
SLOVAK_SURNAMES = ("Hudec", "Kováč", "Sládeček", "Zelenák", "Benka", "Chrťan", "Marko",
                   "Bartoš")

# Where a second community is large enough that the demo should show its names.
COMMUNITIES = {
    "subotica": "hu", "becej": "hu", "srbobran": "hu", "zrenjanin": "hu", "kikinda": "hu",
    "stara-pazova": "sk", "backa-palanka": "sk",
}

STREETS = ("Korzo", "Trg slobode", "Zmaj Jovina", "Njegoševa", "Železnička", "Svetog Save",
           "Nikole Tesle", "Vojvođanska", "Kralja Petra I", "Maksima Gorkog", "Matije Gupca",
           "Dositejeva", "Lenjinova", "Karađorđeva", "Đure Jakšića", "Cara Dušana")

BUSINESSES = ("Zlatni klas pekara d.o.o.", "Agrotim d.o.o.", "Panon Gradnja d.o.o.",
              "Auto servis Brzi točak", "Tisa Trans d.o.o.", "Ravnica Agro d.o.o.",
              "Dunav Drvo d.o.o.", "Sunčani breg vinarija", "Kristal Staklo d.o.o.",
              "Zeleni kutak cvećara", "Salaš Produkt d.o.o.", "Bačka Metal d.o.o.")
HUNGARIAN_BUSINESSES = ("Kertész d.o.o.", "Arany Kalász pékség", "Tisza Agro d.o.o.")

# Per case type (by classification mark): subjects, with {street} and {n} filled in.
SUBJECTS = {
    "352": ("Ne radi ulična rasveta u ulici {street}", "Rupa na kolovozu kod broja {n}",
            "Prepun kontejner za otpad u ulici {street}", "Orezivanje stabla ispred zgrade",
            "Oštećen trotoar u ulici {street}", "Nestanak vode u ulici {street}",
            "Izliv kanalizacije kod broja {n}", "Zahtev za zamenu vodomera"),
    "351": ("Zahtev za lokacijske uslove", "Informacija o lokaciji za parcelu {n}",
            "Upit o statusu građevinske dozvole", "Ozakonjenje pomoćnog objekta"),
    "031": ("Zahtev za pristup informacijama o budžetu",
            "Zahtev za kopiju ugovora o javnoj nabavci"),
    "434": ("Reklamacija na rešenje o porezu na imovinu",
            "Zahtev za uverenje o izmirenim poreskim obavezama",
            "Zahtev za povraćaj više plaćenog poreza"),
    "355": ("Prijava buke iz ugostiteljskog objekta", "Prijava nelegalne gradnje",
            "Divlja deponija pored puta"),
    "310": ("Zahtev za subvenciju za početnike u biznisu",
            "Upit o javnom pozivu za podsticaj zapošljavanja"),
}

NOTES = ("Izašao na teren, kvar potvrđen.", "Prosleđeno JKP-u, čeka se odgovor.",
         "Stranka obaveštena telefonom.", "Potrebno dostaviti kopiju lične karte.",
         "Proveriti sa urbanizmom pre odgovora.")
WAITING_CITIZEN = "Potrebna dopuna dokumentacije."
WAITING_DEPARTMENT = "Zatraženo mišljenje nadležnog odeljenja."
RESOLVED = "Rešeno, stranka obaveštena."

STAFF_NAMES = (("Vesna", "Kostić"), ("Igor", "Ristić"), ("Jasmina", "Lukić"),
               ("Saša", "Matić"), ("Mirjana", "Simić"), ("Bojan", "Perić"))
