"""`salter demo`: the ten pilot municipalities, each with staff to log in as, clients and
cases spread over the last weeks.

Everything goes through the same paths as real work: onboarding lays out departments,
clients come from `create_client` and cases from the case actions, so the demo shows
what those produce. Randomness is seeded per municipality, so two databases built by
the demo look alike; a municipality that already has clients or cases is left as it is,
which makes running the demo again harmless.
"""

import datetime
import random
import zlib
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from salter.cases import actions as case_actions
from salter.cases.models import Case, CaseParty, Channel
from salter.cases.workflow import Status
from salter.clients.actions import create_client
from salter.clients.models import Client, ContactPoint
from salter.demo import people
from salter.demo.identifiers import jmbg, mb, pib
from salter.demo.mail import demo_mail
from salter.lang.transliteration import fold, to_cyrillic
from salter.procedures.models import CaseType
from salter.requests.actions import Ask, ask_departments
from salter.tenancy.data.municipalities import PILOTS
from salter.tenancy.models import Department, Language, Municipality, ProvincialRole
from salter.tenancy.onboarding import (
    activate_municipality,
    enroll_staff,
    set_department_email,
    set_public_contacts,
)
from salter.tenancy.roles import Role

PASSWORD = "salter-demo-2026"
SUPERVISOR = "pokrajina"
TWO_MUNICIPALITIES_USER = "dvostruki"
TWO_MUNICIPALITIES = ("srbobran", "becej")

# (login suffix, role, department name or None)
STAFF = (
    ("pisarnica", Role.REGISTRY_CLERK, "Služba za opšte poslove i pisarnica"),
    ("agent", Role.AGENT, None),
    ("referent", Role.OFFICER, "Odeljenje za komunalne poslove"),
    ("nacelnik", Role.HEAD, "Odeljenje za komunalne poslove"),
    ("admin", Role.ADMIN, None),
    ("revizor", Role.AUDITOR, None),
)

# Postal code, telephone area code and the region digits of JMBGs issued there.
LOCAL = {
    "subotica": ("24000", "24", 82), "sombor": ("25000", "25", 81),
    "kikinda": ("23300", "230", 87), "vrsac": ("26300", "13", 86),
    "zrenjanin": ("23000", "23", 85), "sremska-mitrovica": ("22000", "22", 89),
    "srbobran": ("21480", "21", 80), "becej": ("21220", "21", 80),
    "backa-palanka": ("21400", "21", 80), "stara-pazova": ("22300", "22", 88),
}

PERSONS, BUSINESSES, CASES = 36, 8, 60
MAX_AGE_DAYS = 75
# Target statuses and how often each comes up.
STATUS_WEIGHTS = (
    (Status.NEW, 14), (Status.ASSIGNED, 12), (Status.IN_PROGRESS, 20),
    (Status.WAITING_CITIZEN, 8), (Status.WAITING_DEPARTMENT, 6), (Status.RESOLVED, 22),
    (Status.CLOSED, 18),
)
CHANNEL_WEIGHTS = (
    (Channel.EMAIL, 30), (Channel.PHONE, 25), (Channel.COUNTER, 20), (Channel.REGISTRY, 12),
    (Channel.PORTAL, 8), (Channel.SMS, 5),
)


@dataclass
class MunicipalityResult:
    slug: str
    seeded: bool
    clients: int = 0
    cases: int = 0
    mail: int = 0  # e-mails taken in by intake


@dataclass
class DemoResult:
    municipalities: list[MunicipalityResult] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)


def _rng(*parts: str) -> random.Random:
    # zlib.crc32 rather than hash(): str hashes change between interpreter runs.
    return random.Random(zlib.crc32("/".join(parts).encode()))


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


class _Users:
    """Demo staff accounts, all with the demo password hashed once (hashing is slow)."""

    def __init__(self):
        self.password_hash = make_password(PASSWORD)
        self.model = get_user_model()

    def ensure(self, username: str, first_name: str, last_name: str):
        user, _created = self.model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@salter-demo.example"
        user.password = self.password_hash
        user.is_active = True
        user.save()
        return user


def _ensure_staff(municipality: Municipality, users: _Users) -> dict:
    departments = {d.name: d for d in municipality.departments.all()}
    members = {}
    rng = _rng("staff", municipality.slug)
    names = list(people.STAFF_NAMES)
    rng.shuffle(names)
    for (suffix, role, department_name), (first, last) in zip(STAFF, names, strict=True):
        user = users.ensure(f"{municipality.slug}.{suffix}", first, last)
        members[suffix] = enroll_staff(municipality=municipality, user=user, role=role,
                                       department=departments.get(department_name or ""))
    return members


class _Seeder:
    """Clients and cases of one municipality."""

    def __init__(self, municipality: Municipality, members: dict):
        self.m = municipality
        self.members = members
        self.rng = _rng("data", municipality.slug)
        self.postal, self.area, self.region = LOCAL.get(municipality.slug, ("", "21", 80))
        self.now = timezone.now()
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    # -- clients -------------------------------------------------------------------------

    def _pools(self):
        community = people.COMMUNITIES.get(self.m.slug)
        if community == "hu":
            return people.HUNGARIAN_MEN, people.HUNGARIAN_WOMEN, people.HUNGARIAN_SURNAMES
        if community == "sk":
            return people.SLOVAK_MEN, people.SLOVAK_WOMEN, people.SLOVAK_SURNAMES
        return None

    def _phone(self) -> str:
        while True:
            number = f"+3816{self.rng.choice('0345')}{self.rng.randrange(1000000, 9999999)}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _email(self, local: str, domain: str) -> str:
        base = fold(local).replace(" ", ".")
        address, n = f"{base}@{domain}", 1
        while address in self.emails:
            n += 1
            address = f"{base}{n}@{domain}"
        self.emails.add(address)
        return address

    def _address(self) -> str:
        return f"{self.rng.choice(people.STREETS)} {self.rng.randrange(1, 120)}"

    def _person(self, index: int) -> Client:
        rng = self.rng
        minority = self._pools()
        language = ""
        female = rng.random() < 0.5
        if minority and rng.random() < 0.4:
            men, women, surnames = minority
            language = Language.HU if minority[0] is people.HUNGARIAN_MEN else ""
        else:
            men, women, surnames = (people.SERBIAN_MEN, people.SERBIAN_WOMEN,
                                    people.SERBIAN_SURNAMES)
        first, last = rng.choice(women if female else men), rng.choice(surnames)
        contacts = [(ContactPoint.Kind.PHONE, self._phone())]
        if rng.random() < 0.7:
            domain = rng.choice(("posta.example", "mejl.example", "vojvodina.example"))
            contacts.append((ContactPoint.Kind.EMAIL, self._email(f"{first} {last}", domain)))
        if surnames is people.SERBIAN_SURNAMES and index % 4 == 0:
            # Some citizens write, and want answers, in Cyrillic.
            first, last, language = to_cyrillic(first), to_cyrillic(last), Language.SR_CYRL
        fields = {"kind": Client.Kind.PERSON, "first_name": first, "last_name": last,
                  "address": self._address(), "place": self.m.name,
                  "postal_code": self.postal, "language": language}
        if index % 3 == 0:
            born = datetime.date(rng.randrange(1945, 2004), rng.randrange(1, 13),
                                 rng.randrange(1, 29))
            fields["jmbg"] = jmbg(rng, born, female=female, region=self.region)
        return create_client(actor=self.members["pisarnica"], contacts=contacts, **fields)

    def _business(self, name: str) -> Client:
        domain = fold(name.split(" d.o.o.")[0]).replace(" ", "-") + ".example"
        contacts = [(ContactPoint.Kind.EMAIL, self._email("kancelarija", domain)),
                    (ContactPoint.Kind.PHONE, self._phone())]
        return create_client(
            actor=self.members["pisarnica"], contacts=contacts, kind=Client.Kind.BUSINESS,
            business_name=name, pib=pib(self.rng), mb=mb(self.rng), address=self._address(),
            place=self.m.name, postal_code=self.postal)

    def clients(self) -> tuple[list[Client], list[Client]]:
        persons = [self._person(i) for i in range(PERSONS)]
        names = list(people.BUSINESSES)
        if people.COMMUNITIES.get(self.m.slug) == "hu":
            names[:len(people.HUNGARIAN_BUSINESSES)] = people.HUNGARIAN_BUSINESSES
        self.rng.shuffle(names)
        return persons, [self._business(name) for name in names[:BUSINESSES]]

    # -- cases ---------------------------------------------------------------------------

    def _case_type(self, subject_mark: str, subject: str) -> CaseType | None:
        """The main procedure of the mark whose keywords the subject mentions (street
        lighting, waste, water… share 352), else the first of the mark."""
        types = self.case_types.get(subject_mark, [])
        folded = fold(subject)
        return next((t for t in types
                     if any(w and w in folded for w in map(fold, t.keywords.splitlines()))),
                    types[0] if types else None)

    def _received_at(self, status: str) -> datetime.datetime:
        rng = self.rng
        if status in (Status.RESOLVED, Status.CLOSED):
            # Resolved "now" (actions record when they run): recent receipt keeps the
            # days-to-resolve figures of the dashboards plausible.
            days = rng.randrange(2, 26)
        elif rng.random() < 0.3:
            days = rng.randrange(20, MAX_AGE_DAYS)  # old and still open: mostly overdue
        else:
            days = rng.randrange(0, 30)
        moment = self.now - datetime.timedelta(days=days)
        local = timezone.localtime(moment).replace(hour=rng.randrange(7, 15),
                                                   minute=rng.randrange(60))
        return min(local, self.now)

    def _walk(self, case: Case, target: str) -> None:
        """Move a new case along the workflow to `target`, as staff would."""
        rng, members = self.rng, self.members
        if target == Status.NEW:
            return
        officer = members["referent"] if rng.random() < 0.7 else members["nacelnik"]
        case = case_actions.assign_case(actor=members["nacelnik"], case=case,
                                        assignee=officer.user)
        if target == Status.ASSIGNED:
            return
        change = case_actions.change_case_status
        case = change(actor=officer, case=case, status=Status.IN_PROGRESS)
        if rng.random() < 0.5:
            case_actions.add_note(actor=officer, case=case, text=rng.choice(people.NOTES))
        if target == Status.WAITING_CITIZEN:
            change(actor=officer, case=case, status=target, text=people.WAITING_CITIZEN)
            return
        if target == Status.WAITING_DEPARTMENT:
            # Asked of a utility, which puts the case to wait on it.
            ask_departments(actor=officer, case=case, asks=[
                Ask(rng.choice(self.utilities), people.WAITING_DEPARTMENT, "5 working days")])
            return
        if target == Status.IN_PROGRESS:
            return
        case = change(actor=officer, case=case, status=Status.RESOLVED, text=people.RESOLVED)
        if target == Status.CLOSED:
            change(actor=members["pisarnica"], case=case, status=Status.CLOSED)

    def _plan(self, persons: list[Client], businesses: list[Client]) -> list[dict]:
        rng = self.rng
        plans = []
        business_marks = ("351", "434", "310", "031")
        for i in range(CASES):
            by_business = i % 6 == 0
            client = rng.choice(businesses if by_business else persons)
            mark = rng.choice(business_marks if by_business else tuple(people.SUBJECTS))
            subject = rng.choice(people.SUBJECTS[mark]).format(
                street=rng.choice(people.STREETS), n=rng.randrange(1, 200))
            target = _weighted(rng, STATUS_WEIGHTS)
            neighbour = rng.choice(persons) if rng.random() < 0.15 else None
            plans.append({
                "client": client, "mark": mark, "subject": subject, "target": target,
                "channel": _weighted(rng, CHANNEL_WEIGHTS),
                "opener": "agent" if rng.random() < 0.4 else "pisarnica",
                "received_at": self._received_at(target),
                "party": neighbour if neighbour and neighbour.pk != client.pk else None,
            })
        # Registry numbers are issued in order of receipt, as in a real delovodnik.
        return sorted(plans, key=lambda plan: plan["received_at"])

    def cases(self, persons: list[Client], businesses: list[Client]) -> int:
        self.utilities = list(Department.objects.filter(
            municipality=self.m, kind=Department.Kind.OUTSIDE_BODY).exclude(email=""))
        self.case_types: dict[str, list[CaseType]] = {}
        for case_type in CaseType.objects.filter(municipality=self.m,
                                                 variant_of=None).order_by("name"):
            self.case_types.setdefault(case_type.classification, []).append(case_type)
        plans = self._plan(persons, businesses)
        for plan in plans:
            opener, client = self.members[plan["opener"]], plan["client"]
            case = case_actions.create_case(
                actor=opener, subject=plan["subject"], channel=plan["channel"],
                description=f"{plan['subject']}. Podnosilac: {client.display_name}.",
                clients=[client], case_type=self._case_type(plan["mark"], plan["subject"]),
                received_at=plan["received_at"])
            if plan["party"] is not None:
                case_actions.link_client(actor=opener, case=case, client=plan["party"],
                                         role=CaseParty.Role.PARTY)
            self._walk(case, plan["target"])
        return len(plans)


def _give_utilities_addresses(municipality: Municipality) -> None:
    """Outside bodies are asked by e-mail; in the demo their mail goes to the sink."""
    for utility in Department.objects.filter(municipality=municipality, email="",
                                             kind=Department.Kind.OUTSIDE_BODY):
        local = fold(utility.name).replace(" ", "-")
        set_department_email(utility, f"{local}@{municipality.slug}.example")


def _has_data(municipality: Municipality) -> bool:
    return (Client.objects.filter(municipality=municipality).exists()
            or Case.objects.filter(municipality=municipality).exists())


def build_demo(slugs=PILOTS) -> DemoResult:
    """Build (or complete) the demo for the municipalities `slugs`; returns what it did."""
    result = DemoResult()
    users = _Users()
    for slug in slugs:
        with transaction.atomic():
            municipality = activate_municipality(slug).municipality
            if not municipality.email:
                # Not the real address: demo mail must not reach a municipality.
                set_public_contacts(municipality, email=f"pisarnica@{slug}.example",
                                    phone=municipality.phone)
            _give_utilities_addresses(municipality)
            members = _ensure_staff(municipality, users)
            result.logins += [f"{slug}.{suffix}" for suffix, _role, _dept in STAFF]
            outcome = MunicipalityResult(slug, seeded=not _has_data(municipality))
            if outcome.seeded:
                seeder = _Seeder(municipality, members)
                persons, businesses = seeder.clients()
                outcome.clients = len(persons) + len(businesses)
                outcome.cases = seeder.cases(persons, businesses)
                outcome.mail = len(demo_mail(
                    municipality, clerk_address=members["pisarnica"].user.email,
                    reply_to_case=Case.objects.filter(municipality=municipality)
                    .exclude(status=Status.CLOSED).order_by("pk").first()))
            result.municipalities.append(outcome)
    _ensure_cross_municipality_users(users, slugs, result)
    return result


def _ensure_cross_municipality_users(users: _Users, slugs, result: DemoResult) -> None:
    with transaction.atomic():
        shared = [s for s in TWO_MUNICIPALITIES if s in slugs]
        if shared:
            user = users.ensure(TWO_MUNICIPALITIES_USER, "Dušan", "Dvostruki")
            for slug in shared:
                municipality = Municipality.objects.get(slug=slug)
                department = Department.objects.filter(
                    municipality=municipality, name="Odeljenje za komunalne poslove").first()
                enroll_staff(municipality=municipality, user=user, role=Role.AGENT,
                             department=department)
            result.logins.append(TWO_MUNICIPALITIES_USER)
        supervisor = users.ensure(SUPERVISOR, "Pokrajinski", "Nadzor")
        ProvincialRole.objects.get_or_create(user=supervisor)
        result.logins.append(SUPERVISOR)
