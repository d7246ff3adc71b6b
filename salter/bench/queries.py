"""`salter bench queries`: every staff page, search and API list, measured against the
data `salter bench seed` wrote, as the officer, head, administrator and provincial
supervisor of the seed log in — through the real views and API, with Django's test
client, so that middleware, access checks, the access log and templates are all counted.

Each page is requested `repeat` times; the first request warms caches and is not
counted. For each page: p50, p95 and max of the wall time, the process CPU time (p50),
and the number of SQL statements of one request. `--json FILE` writes the figures,
`--compare FILE` prints each figure beside an earlier run's and the ratio (how a figure
grew from 100k to 1M cases is two runs compared).
"""

import json
import os
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client as HttpClient

from salter.bench.seed import COMMUNAL, PILOTS, SUPERVISOR
from salter.cases.models import Case, CaseEvent
from salter.clients.models import Client, ContactPoint
from salter.documents.models import Document

DEEP_PAGE = 400  # 10,000 cases into a list of 25 a page


@dataclass
class Figure:
    page: str
    url: str
    p50_ms: float
    p95_ms: float
    max_ms: float
    cpu_ms: float
    queries: int
    status: int


class _Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _Bench:
    def __init__(self, repeat: int, only: str, out):
        self.repeat, self.only, self.out = max(2, repeat), only, out
        self.figures: list[Figure] = []
        self.clients: dict[str, HttpClient] = {}
        self.failed = False

    def login(self, username: str) -> HttpClient:
        if username not in self.clients:
            client = HttpClient(HTTP_HOST="localhost")
            client.force_login(get_user_model().objects.get(username=username))
            self.clients[username] = client
        return self.clients[username]

    def measure(self, name: str, username: str, url: str, params: dict | None = None,
                **headers) -> None:
        if self.only and self.only not in name:
            return
        if params:
            url = f"{url}?{urlencode(params)}"
        client = self.login(username)
        walls, cpus, status, queries = [], [], 0, 0
        for i in range(self.repeat):
            counter = _Counter()
            cpu, wall = time.process_time(), time.perf_counter()
            with connection.execute_wrapper(counter):
                response = client.get(url, secure=True, **headers)
                _content = response.content
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            status, queries = response.status_code, counter.n
            if i:
                walls.append(wall * 1000)
                cpus.append(cpu * 1000)
        figure = Figure(page=name, url=url, p50_ms=round(statistics.median(walls), 1),
                        p95_ms=round(_pct(walls, 0.95), 1), max_ms=round(max(walls), 1),
                        cpu_ms=round(statistics.median(cpus), 1), queries=queries,
                        status=status)
        if status >= 500 and status != 503:  # 503: stopped by the statement budget
            self.failed = True
        self.figures.append(figure)
        self.out.write(f"{name:<44} {figure.p50_ms:>8.1f} {figure.p95_ms:>8.1f} "
                       f"{figure.max_ms:>8.1f} {figure.cpu_ms:>8.1f} {queries:>5} "
                       f"{'' if status == 200 else status}")
        self.out.flush()


def _staff_pages(bench: _Bench, slug: str) -> None:
    from salter.workspace import inbox

    officer, head, admin = (f"bench.{slug}.{s}" for s in ("referent", "nacelnik", "admin"))
    base = f"/staff/{slug}/"
    for who, user, queues in (("officer", officer, ("mine", "department", "unassigned",
                                                    "overdue")),
                              ("head", head, ("mine", "department", "unassigned", "overdue")),
                              ("admin", admin, ("mine", "unassigned", "overdue", "all"))):
        for queue in queues:
            for sort in inbox.SORTS:
                bench.measure(f"inbox {who} {queue} {sort}", user, base,
                              {"queue": queue, "sort": sort})
            bench.measure(f"inbox {who} {queue} due deep", user, base,
                          {"queue": queue, "sort": "due", **_deep(bench, user, slug, queue)})


def _deep(bench, username, slug, queue) -> dict:
    """The query string of the page DEEP_PAGE pages into a queue: the cursor of the row
    before it, as the "Next" links would have led there."""
    from salter.paging import encode_values
    from salter.tenancy.models import Membership
    from salter.workspace import inbox

    member = Membership.objects.select_related("municipality", "department").get(
        user__username=username, municipality__slug=slug)
    keys = inbox.sort_keys("due")
    rows = inbox.queue_cases(member, queue).order_by(*(k.expression() for k in keys))
    found = list(rows.values_list(*(k.name for k in keys))[DEEP_PAGE * 25 - 1:DEEP_PAGE * 25])
    if not found:  # a queue shorter than that: its last row
        found = list(rows.reverse().values_list(*(k.name for k in keys))[:1])
    return {"cursor": encode_values(keys, found[0])} if found else {}


def _samples(slug: str) -> dict:
    m_cases = Case.objects.filter(municipality__slug=slug)
    case = m_cases.order_by("-created_at").first()
    busiest = (CaseEvent.objects.filter(municipality__slug=slug,
                                        case_id__gte=case.pk - 5000)
               .values("case_id").annotate(n=Count("id")).order_by("-n").first())
    frequent = (Client.objects.filter(municipality__slug=slug).order_by("pk").first())
    person = (Client.objects.filter(municipality__slug=slug, kind=Client.Kind.PERSON,
                                    last_name__startswith="Đorđević").order_by("-pk").first()
              or Client.objects.filter(municipality__slug=slug,
                                       kind=Client.Kind.PERSON).order_by("-pk").first())
    phone = ContactPoint.objects.filter(municipality__slug=slug, kind="phone",
                                        client=person).first()
    email = ContactPoint.objects.filter(municipality__slug=slug, kind="email").order_by(
        "-pk").first()
    document = Document.objects.filter(municipality__slug=slug).order_by("-pk").first()
    communal = m_cases.filter(department__name=COMMUNAL).order_by("-created_at").first()
    return {"case": case, "officer_case": communal or case,
            "busiest": busiest["case_id"] if busiest else case.pk,
            "frequent": frequent, "person": person, "phone": phone.value if phone else "",
            "email": email.value if email else "", "document": document}


def _phone_notations(e164: str) -> list[str]:
    national = "0" + e164.removeprefix("+381")
    return [e164, f"{national[:3]} {national[3:6]} {national[6:]}",
            "00381 " + e164.removeprefix("+381")]


def _search_pages(bench: _Bench, slug: str, s: dict) -> None:
    from salter.lang.transliteration import fold, to_cyrillic, to_latin

    officer, admin = f"bench.{slug}.referent", f"bench.{slug}.admin"
    url = f"/staff/{slug}/search/"
    person = s["person"]
    last, first = to_latin(person.last_name), to_latin(person.first_name)
    terms = {
        "registry number": s["case"].registry_number,
        "tracking code": s["case"].tracking_code,
        "e-mail": s["email"],
        "name latin": last,
        "name cyrillic": to_cyrillic(last),
        "name no diacritics": fold(last),
        "name partial": fold(last)[:5],
        "first + last name": f"{first} {last}",
        "document text": "priključak vodovodnu",
        "message text": "hitno reši",
    }
    for i, phone in enumerate(_phone_notations(s["phone"])):
        terms[f"phone notation {i + 1}"] = phone
    for name, q in terms.items():
        bench.measure(f"search admin {name}", admin, url, {"q": q})
    bench.measure("search officer name latin", officer, url, {"q": last})
    bench.measure("search officer registry number", officer, url,
                  {"q": s["case"].registry_number})
    bench.measure("clients list admin", admin, f"/staff/{slug}/clients/")
    bench.measure("clients search admin", admin, f"/staff/{slug}/clients/", {"q": last})


def _detail_pages(bench: _Bench, slug: str, s: dict) -> None:
    admin, officer = f"bench.{slug}.admin", f"bench.{slug}.referent"
    bench.measure("case page admin", admin, f"/staff/{slug}/cases/{s['busiest']}/")
    bench.measure("case page officer (newest)", officer,
                  f"/staff/{slug}/cases/{s['officer_case'].pk}/")
    bench.measure("client page admin (hundreds of cases)", admin,
                  f"/staff/{slug}/clients/{s['frequent'].pk}/")
    bench.measure("client page officer (hundreds of cases)", officer,
                  f"/staff/{slug}/clients/{s['frequent'].pk}/")


def _api_pages(bench: _Bench, slug: str, s: dict) -> None:
    base = f"/api/v1/{slug}/cases"
    for who in ("referent", "admin"):
        user = f"bench.{slug}.{who}"
        bench.measure(f"api cases {who}", user, base)
        bench.measure(f"api cases {who} status=closed", user, base, {"status": "closed"})
        bench.measure(f"api cases {who} q=name", user, base,
                      {"q": s["person"].last_name})
        bench.measure(f"api cases {who} q=registry number", user, base,
                      {"q": s["case"].registry_number})
        bench.measure(f"api cases {who} deep", user, base, _api_deep(user, slug))


def _api_deep(username: str, slug: str) -> dict:
    """A page DEEP_PAGE pages into the API's list, by its cursor."""
    from salter.api.views import NEWEST
    from salter.paging import encode_values

    rows = Case.objects.filter(municipality__slug=slug).order_by(
        *(k.expression() for k in NEWEST))
    if username.endswith(".referent"):
        rows = rows.filter(department__name=COMMUNAL)
    found = list(rows.values_list(*(k.name for k in NEWEST))[DEEP_PAGE * 25 - 1:
                                                              DEEP_PAGE * 25])
    return {"cursor": encode_values(NEWEST, found[0])} if found else {}


def run(*, repeat: int, only: str, json_path: str, compare: str, out) -> bool:
    # Under DEBUG every statement is also kept in memory with its parameters quoted: not
    # what a production process pays.
    settings.DEBUG = False
    if "localhost" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    slug = next((s for s in PILOTS if Case.objects.filter(municipality__slug=s).exists()),
                None)
    if slug is None:
        out.write("no seeded data: run `salter bench seed` first")
        return False
    cases = Case.objects.count()
    out.write(f"{cases} cases; pages of {slug} "
              f"({Case.objects.filter(municipality__slug=slug).count()} cases); "
              f"{connection.vendor}; load average "
              + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    out.write(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>8} "
              f"{'SQL':>5}")
    bench = _Bench(repeat, only, out)
    samples = _samples(slug)
    _staff_pages(bench, slug)
    _search_pages(bench, slug, samples)
    _detail_pages(bench, slug, samples)
    _api_pages(bench, slug, samples)
    bench.measure("dashboard province (supervisor)", SUPERVISOR, "/province/")
    result = {"cases": cases, "vendor": connection.vendor, "municipality": slug,
              "figures": [asdict(f) for f in bench.figures]}
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(result, fh, indent=1)
    if compare:
        _compare(result, compare, out)
    return not bench.failed


def _compare(result: dict, path: str, out) -> None:
    with open(path) as fh:
        before = json.load(fh)
    earlier = {f["page"]: f for f in before["figures"]}
    out.write(f"\ncompared with {path} ({before['cases']} cases, {before['vendor']}) "
              f"→ now ({result['cases']} cases): p50 and CPU, then, now, ratio")
    for f in result["figures"]:
        e = earlier.get(f["page"])
        if e is None:
            continue
        out.write(f"{f['page']:<44} p50 {e['p50_ms']:>7.1f} {f['p50_ms']:>7.1f} "
                  f"{f['p50_ms'] / max(e['p50_ms'], 0.1):>5.2f}×  cpu {e['cpu_ms']:>7.1f} "
                  f"{f['cpu_ms']:>7.1f} {f['cpu_ms'] / max(e['cpu_ms'], 0.1):>5.2f}×  "
                  f"SQL {e['queries']} → {f['queries']}")
