"""`salter bench seed`: a province's ten years of work, for measuring pages at scale.

Writes into the configured database (it must be migrated): the first `municipalities`
pilots are activated as onboarding does, each gets the benchmark's staff (an officer and
a head of the communal department, an administrator; a provincial supervisor for the
Province), and then clients, cases, parties, timelines, messages with their raw bytes,
documents with OCR text, deadlines and requests to departments are inserted in bulk, as
plain rows (`salter.bulk.insert_rows`) with keys chosen here. The first municipality
(Subotica) takes a fifth of the cases, as the province's largest city does.

The data is shaped like a real municipality's: citizens with Serbian (Latin and
Cyrillic), Hungarian and Slovak names, businesses, cases spread over ten years with old
ones closed and recent ones open, every channel and procedure, ~1.1 parties, ~7 events,
~3 messages and ~0.3 documents per case, one request to a department in ten. Each
municipality has one client with hundreds of cases (a frequent business), for the client
page. The search texts are computed as the actions compute them. ANALYZE runs at the end.
"""

import contextlib
import datetime
import functools
import hashlib
import random
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from salter import bulk, searchindex
from salter.cases.models import Case, CaseEvent, CaseParty, Channel, Priority
from salter.cases.workflow import Status
from salter.channels.models import InboundMessage
from salter.clients.models import Client, ContactPoint
from salter.demo import people
from salter.demo.identifiers import jmbg, mb, pib
from salter.documents.models import Blob, Document
from salter.lang.transliteration import fold
from salter.lang.transliteration import to_cyrillic as _to_cyrillic
from salter.procedures.models import CaseType, Deadline
from salter.registry.numbering import format_registry_number
from salter.requests.models import DepartmentRequest
from salter.tenancy.data.municipalities import PILOTS
from salter.tenancy.models import Municipality, ProvincialRole
from salter.tenancy.onboarding import activate_municipality, enroll_staff
from salter.tenancy.roles import Role

PASSWORD = "salter-bench-2026"
SUPERVISOR = "bench.pokrajina"
# (login suffix, role, whether in the communal department)
STAFF = (("referent", Role.OFFICER, True), ("nacelnik", Role.HEAD, True),
         ("admin", Role.ADMIN, False), ("pisarnica", Role.REGISTRY_CLERK, False))
COMMUNAL = "Odeljenje za komunalne poslove"
YEARS = 10
CLIENTS_PER_CASE = 0.45  # citizens come back
FREQUENT_CASES = 300  # cases of the municipality's most frequent client
CHUNK = 2000  # cases per transaction
_CHANNELS = (Channel.EMAIL, Channel.PHONE, Channel.SMS, Channel.REGISTRY, Channel.PORTAL,
             Channel.VOICEMAIL, Channel.COUNTER)
_SUBJECTS = (
    "Oštećen kolovoz u ulici {street}", "Ne radi javna rasveta, {street}",
    "Zahtev za informacije od javnog značaja", "Divlja deponija kod {street}",
    "Prijava buke iz ugostiteljskog objekta", "Zahtev za izdavanje uverenja",
    "Komunalni nered, {street}", "Uklanjanje stabla, {street}",
    "Поплављен подрум у улици {street}", "Захтев за исправку решења о порезу",
    "Kátyú az utcában: {street}", "Pitanje o građevinskoj dozvoli",
)
_OCR = (
    "REPUBLIKA SRBIJA AP VOJVODINA Grad {city} Rešenje broj {number} kojim se {name} "
    "odobrava priključak na vodovodnu mrežu u ulici {street}.",
    "РЕПУБЛИКА СРБИЈА Општинска управа {city} Записник о увиђају, предмет {number}, "
    "подносилац {name_cyr}, адреса {street}.",
    "Zapisnik komunalnog inspektora: na adresi {street} utvrđeno je stanje opisano u "
    "prijavi {number}; podnosilac {name}.",
)
_BODIES = (
    "Poštovani, obraćam se povodom problema u ulici {street}. Molim da se hitno reši. {name}",
    "Поштовани, молим вас да проверите стање у улици {street}. Срдачно, {name_cyr}",
    "Tisztelt Hivatal! A {street} utcában a közvilágítás nem működik. Üdvözlettel: {name}",
    "Dobar dan, da li ima novosti o mom predmetu {number}? Hvala, {name}",
)


# Names and streets repeat: transliterate each once.
to_cyrillic = functools.lru_cache(maxsize=65536)(_to_cyrillic)


@dataclass
class SeedReport:
    municipalities: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    analyse_seconds: float = 0.0

    def add(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


class _Keys:
    """The next primary key of each table, taken once: rows are written with their keys."""

    def __init__(self):
        self._next = {}

    def take(self, model, n: int = 1) -> int:
        if model not in self._next:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self._next[model] = (last or 0) + 1
        first = self._next[model]
        self._next[model] += n
        return first


def _shares(municipalities: int, cases: int) -> list[int]:
    """Cases per municipality: a fifth for the first (the largest city), the rest alike."""
    if municipalities == 1:
        return [cases]
    first = cases // 5
    rest = cases - first
    each, extra = divmod(rest, municipalities - 1)
    return [first] + [each + (1 if i < extra else 0) for i in range(municipalities - 1)]


def seed(*, municipalities: int, cases: int, seed: int = 2026, out=None) -> SeedReport:
    if not 1 <= municipalities <= len(PILOTS):
        raise ValueError(f"--municipalities must be between 1 and {len(PILOTS)}")
    started = time.perf_counter()
    report = SeedReport()
    keys = _Keys()
    users = _Staff()
    supervisor = users.ensure(SUPERVISOR)
    ProvincialRole.objects.get_or_create(user=supervisor)
    now = datetime.datetime.now(datetime.UTC)
    with _bulk_load():
        for slug, count in zip(PILOTS[:municipalities], _shares(municipalities, cases),
                               strict=False):
            activate_municipality(slug)
            municipality = Municipality.objects.get(slug=slug)
            _MunicipalitySeeder(municipality, users, keys, report, now,
                                random.Random(f"{seed}/{slug}")).run(count, out)
            report.municipalities.append(slug)
    _reset_sequences()
    report.seconds = time.perf_counter() - started
    analysed = time.perf_counter()
    analyse()
    report.analyse_seconds = time.perf_counter() - analysed
    return report


@contextlib.contextmanager
def _bulk_load():
    """On SQLite, load without the search index's triggers and fill each index once at
    the end (`searchindex.install` re-creates the triggers and rebuilds): a trigram row
    per inserted row cost about half of the seed's time."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        (synchronous,) = cursor.fetchone()
        outside = not connection.in_atomic_block  # the pragma is refused inside one
        if outside:
            cursor.execute("PRAGMA synchronous = OFF")
    with transaction.atomic():
        searchindex.drop_sqlite_triggers(connection)
    try:
        yield
    finally:
        with transaction.atomic():
            searchindex.install(connection)
        if outside:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous = {int(synchronous)}")


def analyse() -> None:
    """Give the planner statistics of the tables just filled (a query planned on empty
    statistics on PostgreSQL took minutes where it needs milliseconds)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [
        Client, ContactPoint, Case, CaseParty, CaseEvent, InboundMessage, Blob, Document,
        Deadline, DepartmentRequest])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _Staff:
    def __init__(self):
        self.password_hash = make_password(PASSWORD)
        self.model = get_user_model()

    def ensure(self, username: str):
        user, _created = self.model.objects.get_or_create(
            username=username, defaults={"password": self.password_hash,
                                         "email": f"{username}@salter-bench.example"})
        return user


class _MunicipalitySeeder:
    def __init__(self, municipality, users, keys, report, now, rng):
        self.m, self.keys, self.report, self.now, self.rng = (
            municipality, keys, report, now, rng)
        departments = list(municipality.departments.all())
        self.departments = departments
        self.communal = next((d for d in departments if d.name == COMMUNAL), departments[0])
        self.members = {}
        for suffix, role, communal in STAFF:
            user = users.ensure(f"bench.{municipality.slug}.{suffix}")
            self.members[suffix] = enroll_staff(
                municipality=municipality, user=user, role=role,
                department=self.communal if communal else None)
        self.assignees = [self.members["referent"].user_id, self.members["nacelnik"].user_id]
        self.case_types = list(CaseType.objects.filter(municipality=municipality))
        community = people.COMMUNITIES.get(municipality.slug)
        self.pools = [(people.SERBIAN_MEN + people.SERBIAN_WOMEN, people.SERBIAN_SURNAMES)]
        if community == "hu":
            self.pools.append((people.HUNGARIAN_MEN + people.HUNGARIAN_WOMEN,
                               people.HUNGARIAN_SURNAMES))
        elif community == "sk":
            self.pools.append((people.SLOVAK_MEN + people.SLOVAK_WOMEN, people.SLOVAK_SURNAMES))
        # Numbers go on from those already given (a second seed adds to the first).
        self.sequences: dict[int, int] = dict(
            Case.objects.filter(municipality=municipality).values("year")
            .annotate(last=models.Max("sequence")).values_list("year", "last"))
        self.clients: list[tuple[int, str, str]] = []  # (id, display name, contact value)

    # Clients -------------------------------------------------------------------------

    def _clients(self, n: int) -> None:
        rng, m = self.rng, self.m
        first_id = self.keys.take(Client, n)
        point_id = self.keys.take(ContactPoint, 2 * n)
        clients, points = [], []
        for i in range(n):
            pk = first_id + i
            business = i == 0 or rng.random() < 0.1
            street = f"{rng.choice(people.STREETS)} {rng.randint(1, 120)}"
            phone = f"+381{rng.choice(('60', '62', '63', '64', '65', '66'))}{pk % 10_000_000:07d}"
            email = f"k{pk}@{rng.choice(('gmail.com', 'yahoo.com', 'eunet.rs', 'mts.rs'))}"
            if business:
                name = (f"{rng.choice(people.BUSINESSES).removesuffix(' d.o.o.')} {pk} d.o.o."
                        if i else f"JKP Vodovod {m.name}")
                row = {"kind": Client.Kind.BUSINESS, "first_name": "", "last_name": "",
                       "business_name": name, "jmbg": "", "pib": pib(rng), "mb": mb(rng)}
                ids = (row["pib"], row["mb"])
            else:
                firsts, lasts = rng.choice(self.pools)
                first, last = rng.choice(firsts), rng.choice(lasts)
                if rng.random() < 0.25:  # written in Cyrillic by whoever typed it in
                    first, last = to_cyrillic(first), to_cyrillic(last)
                name = f"{first} {last}"
                born = datetime.date(rng.randint(1940, 2004), rng.randint(1, 12),
                                     rng.randint(1, 28))
                row = {"kind": Client.Kind.PERSON, "first_name": first, "last_name": last,
                       "business_name": "", "pib": "", "mb": "",
                       "jmbg": jmbg(rng, born, female=rng.random() < 0.5, region=80)}
                ids = (row["jmbg"],)
            contacts = [phone] + ([email] if rng.random() < 0.6 else [])
            row.update(id=pk, municipality_id=m.pk, address=street, place=m.name,
                       postal_code="24000", language="", note="", merged_into_id=None,
                       created_at=self._moment(rng.random()), updated_at=self.now,
                       anonymised_at=None,
                       search_text=fold(" ".join([name, *ids, street, m.name, *contacts])))
            clients.append(row)
            for j, value in enumerate(contacts):
                points.append({"id": point_id + 2 * i + j, "municipality_id": m.pk,
                               "client_id": pk, "value": value, "label": "",
                               "kind": ContactPoint.Kind.PHONE if j == 0
                               else ContactPoint.Kind.EMAIL,
                               "is_failing": False, "failing_reason": "",
                               "created_at": row["created_at"]})
            self.clients.append((pk, name, email if len(contacts) > 1 else phone))
        with transaction.atomic():
            self.report.add("clients", bulk.insert_rows(Client, clients))
            self.report.add("contact points", bulk.insert_rows(ContactPoint, points))

    # Cases ---------------------------------------------------------------------------

    def _moment(self, age: float) -> datetime.datetime:
        """A moment `age` (0 newest … 1 oldest) of the ten years back from now, in office
        hours."""
        day = self.now - datetime.timedelta(days=age * 365 * YEARS)
        return day.replace(hour=self.rng.randint(6, 15), minute=self.rng.randint(0, 59),
                           second=self.rng.randint(0, 59), microsecond=self.rng.randint(0, 999_999))

    def _status(self, created: datetime.datetime) -> str:
        age_days = (self.now - created).days
        rng = self.rng
        if age_days > 120 or (age_days > 30 and rng.random() < 0.7):
            return Status.CLOSED if rng.random() < 0.6 else Status.RESOLVED
        return rng.choice((Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS,
                           Status.WAITING_CITIZEN, Status.WAITING_DEPARTMENT,
                           Status.IN_PROGRESS, Status.RESOLVED))

    def run(self, count: int, out) -> None:
        self._clients(max(20, int(count * CLIENTS_PER_CASE)))
        # Oldest first, so that keys grow with time as they do in a real database.
        ages = sorted((self.rng.random() for _ in range(count)), reverse=True)
        frequent = set(self.rng.sample(range(count), min(FREQUENT_CASES, count)))
        for start in range(0, count, CHUNK):
            with transaction.atomic():
                self._cases(ages[start:start + CHUNK], start, frequent)
            if out is not None and (start // CHUNK) % 10 == 9:
                out.write(f"  {self.m.slug}: {start + CHUNK} cases")
                out.flush()

    def _cases(self, ages, offset: int, frequent: set) -> None:
        rng, m = self.rng, self.m
        n = len(ages)
        first_case = self.keys.take(Case, n)
        rows = {name: [] for name in ("cases", "parties", "events", "messages", "blobs",
                                      "documents", "deadlines", "requests")}
        for i, age in enumerate(ages):
            pk = first_case + i
            created = self._moment(age)
            case_type = rng.choice(self.case_types)
            department = case_type.department if case_type.department_id and (
                rng.random() < 0.8) else rng.choice(self.departments)
            if rng.random() < 0.3:
                department = self.communal
            year = created.year
            seq = self.sequences[year] = self.sequences.get(year, 0) + 1
            number = format_registry_number(
                m.registry_pattern, unit=department.registry_unit or m.registry_unit,
                classification=case_type.classification, seq=seq, year=year)
            status = self._status(created)
            done = status in (Status.RESOLVED, Status.CLOSED)
            resolved = created + datetime.timedelta(days=rng.uniform(0.5, 40)) if done else None
            due = None if status == Status.WAITING_CITIZEN else (
                created + datetime.timedelta(days=rng.choice((2, 8, 15, 30, 60))))
            assignee = (None if status == Status.NEW
                        else (rng.choice(self.assignees) if department == self.communal
                              and rng.random() < 0.5 else None))
            clients = [self.clients[0] if offset + i in frequent
                       else rng.choice(self.clients)]
            if rng.random() < 0.1:
                clients.append(rng.choice(self.clients))
            clients = list(dict.fromkeys(clients))
            street = f"{rng.choice(people.STREETS)} {rng.randint(1, 120)}"
            subject = rng.choice(_SUBJECTS).format(street=street)
            tracking = "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(10))
            channel = rng.choice(_CHANNELS)
            rows["cases"].append({
                "id": pk, "municipality_id": m.pk, "registry_number": number, "year": year,
                "sequence": seq, "tracking_code": tracking, "subject": subject,
                "description": f"{subject}. Podnosilac navodi da problem traje.",
                "channel": channel, "case_type_id": case_type.pk,
                "department_id": department.pk, "assignee_id": assignee,
                "priority": rng.choice(Priority.values), "status": status,
                "location": street, "language": "sr-latn", "parent_id": None,
                "merged_into_id": None, "created_at": created,
                "updated_at": resolved or created, "due_at": due, "resolved_at": resolved,
                "closed_at": resolved if status == Status.CLOSED else None,
                "search_text": fold(" ".join([number, tracking, subject,
                                              *[name for _pk, name, _c in clients]])),
            })
            for j, (client_id, _name, _contact) in enumerate(clients):
                rows["parties"].append({"municipality_id": m.pk, "case_id": pk,
                                        "client_id": client_id,
                                        "role": "submitter" if j == 0 else "party"})
            self._timeline(rows, pk, created, resolved, status, clients, number, street,
                           channel, department)
            self._deadlines(rows, pk, created, due, done, resolved)
            if rng.random() < 0.1:
                self._request(rows, pk, created, done)
        for name, model in (("cases", Case), ("parties", CaseParty), ("blobs", Blob),
                            ("messages", InboundMessage), ("documents", Document),
                            ("deadlines", Deadline), ("requests", DepartmentRequest),
                            ("events", CaseEvent)):
            if model in (CaseParty, CaseEvent):
                first = self.keys.take(model, len(rows[name]))
                for k, row in enumerate(rows[name]):
                    row["id"] = first + k
            self.report.add(name, bulk.insert_rows(model, rows[name]))

    def _timeline(self, rows, case_id, created, resolved, status, clients, number, street,
                  channel, department) -> None:
        rng, m = self.rng, self.m
        events = rows["events"]

        def event(kind, at, text="", after=None, ref=None):
            events.append({"municipality_id": m.pk, "case_id": case_id, "kind": kind,
                           "actor_id": None, "actor_label": "bench", "at": at, "text": text,
                           "before": None, "after": after, "ref": ref})

        event(CaseEvent.Kind.CREATED, created, number, {"channel": channel})
        span = (resolved or self.now) - created
        client_id, name, contact = clients[0]
        for k in range(rng.choice((2, 3, 3, 4))):
            at = created + span * (k / 4)
            raw = f"{case_id}/{k}: {name}, {street}".encode()
            digest = hashlib.sha256(raw).hexdigest()
            blob_id = self.keys.take(Blob)
            message_id = self.keys.take(InboundMessage)
            rows["blobs"].append({"id": blob_id, "sha256": digest, "size": len(raw),
                                  "created_at": at, "data": raw})
            msg_channel = channel if k == 0 else rng.choice(_CHANNELS)
            body = rng.choice(_BODIES).format(street=street, name=name, number=number,
                                              name_cyr=to_cyrillic(name))
            rows["messages"].append({
                "id": message_id, "municipality_id": m.pk, "channel": msg_channel,
                "idempotency_key": f"bench-{message_id}", "sha256": digest,
                "raw_id": blob_id, "source": "bench", "received_at": at, "sent_at": at,
                "state": InboundMessage.State.PROCESSED, "reason": "", "reason_data": None,
                "attempts": 1, "queued_at": at, "last_attempt_at": at, "processed_at": at,
                "outcome": "created" if k == 0 else "appended", "endpoint_id": None,
                "external_id": f"bench-{message_id}@salter", "metadata": {},
                "sender": contact, "subject": f"Re: {number}" if k else number[:300],
                "body_text": body, "language": "sr-latn", "case_id": case_id,
                "client_id": client_id, "review_case_id": None})
            event(CaseEvent.Kind.MESSAGE_IN, at, body[:80], ref={"inbound": message_id})
        if status != Status.NEW:
            event(CaseEvent.Kind.ASSIGNED, created + span * 0.1, "",
                  {"department": department.name})
            event(CaseEvent.Kind.STATUS, created + span * 0.2, "", {"status": "in_progress"})
        if rng.random() < 0.5:
            event(CaseEvent.Kind.NOTE, created + span * 0.5,
                  "Pozvan podnosilac, dogovoren izlazak.")
        if resolved:
            event(CaseEvent.Kind.STATUS, resolved, "", {"status": status})
        if rng.random() < 0.3:
            text = rng.choice(_OCR).format(city=m.name, number=number, name=name,
                                           name_cyr=to_cyrillic(name), street=street)
            raw = f"%PDF-1.4 bench {case_id}".encode()
            blob_id = self.keys.take(Blob)
            document_id = self.keys.take(Document)
            rows["blobs"].append({"id": blob_id, "sha256": hashlib.sha256(raw).hexdigest(),
                                  "size": len(raw), "created_at": created, "data": raw})
            rows["documents"].append({
                "id": document_id, "municipality_id": m.pk, "blob_id": blob_id,
                "filename": f"sken-{case_id}.pdf", "content_type": "application/pdf",
                "case_id": case_id, "client_id": client_id, "text": text,
                "source": Channel.REGISTRY, "created_at": created})
            event(CaseEvent.Kind.DOCUMENT, created, f"sken-{case_id}.pdf",
                  ref={"documents": [document_id]})

    def _deadlines(self, rows, case_id, created, due, done, resolved) -> None:
        first = self.keys.take(Deadline, 2)
        for k, (kind, rule, at) in enumerate((
                (Deadline.Kind.FIRST_RESPONSE, "2 working days",
                 created + datetime.timedelta(days=2)),
                (Deadline.Kind.RESOLUTION, "15 calendar days", due))):
            rows["deadlines"].append({
                "id": first + k, "municipality_id": self.m.pk, "case_id": case_id,
                "kind": kind, "rule": rule, "started_at": created, "steps": [],
                "due_at": at, "paused_at": None if at else created,
                "state": (Deadline.State.MET if done or k == 0 else
                          Deadline.State.PAUSED if at is None else Deadline.State.RUNNING),
                "met_at": resolved if done else None})

    def _request(self, rows, case_id, created, done) -> None:
        rng = self.rng
        deadline_id = self.keys.take(Deadline)
        request_id = self.keys.take(DepartmentRequest)
        due = created + datetime.timedelta(days=8)
        rows["deadlines"].append({
            "id": deadline_id, "municipality_id": self.m.pk, "case_id": case_id,
            "kind": Deadline.Kind.REQUEST, "rule": "8 working days", "started_at": created,
            "steps": [], "due_at": due, "paused_at": None,
            "state": Deadline.State.MET if done else Deadline.State.RUNNING,
            "met_at": due if done else None})
        rows["requests"].append({
            "id": request_id, "municipality_id": self.m.pk, "case_id": case_id,
            "department_id": rng.choice(self.departments).pk,
            "reference": f"B{request_id:09d}", "question": "Molimo vaše mišljenje.",
            "language": "sr-latn", "deadline_id": deadline_id,
            "state": DepartmentRequest.State.ANSWERED if done else DepartmentRequest.State.OPEN,
            "asked_by_id": self.assignees[0], "asked_at": created, "outbound_id": None,
            "external_id": "", "answer": "Saglasni smo." if done else "",
            "answered_at": due if done else None, "answered_by_id": None,
            "answered_by_label": "", "answered_way": "recorded" if done else "",
            "answer_inbound_id": None, "token_nonce": "", "withdrawn_reason": ""})
