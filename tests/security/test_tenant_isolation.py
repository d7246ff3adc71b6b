"""Every URL of Šalter, tried by a member of every role of one municipality against
another's data, and against the cases of their own municipality their role may not see.

The test walks the whole URL configuration (staff workspace, intake, mail, portal, province
dashboard and every API route), fills each URL with the other municipality's slug, or with
its own slug and the other municipality's object ids, and sends GET and POST — the POSTs
with a body that is valid for the member's own objects, so that the look-up, not form
validation, gives the answer. Nothing may answer differently from a URL whose ids do not
exist (404, or 405 for a method the URL does not take, or the 403 a role gets whatever the
id), and no page may show the other municipality's data. Every list and search page is
fetched under the member's own slug, searching for the other municipality's names and for
the hidden case's, and must show neither. A URL with an argument this test does not know
fails the test, so new URLs cannot slip past it.
"""

import datetime
import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from salter.cases.actions import add_note, create_case
from salter.cases.models import Case, CaseEvent, CaseParty, Channel
from salter.channels.models import Endpoint, InboundMessage, OutboundMessage
from salter.channels.store import store_inbound
from salter.clients.actions import add_contact_person, create_client
from salter.clients.models import Client, ContactPoint
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from salter.lang.transliteration import fold
from salter.procedures.models import CalendarDay, RoutingRule
from salter.requests.actions import Ask, ask_departments
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality, make_procedure

pytestmark = pytest.mark.django_db

SECRET = "Tajanstvenović"  # appears only in the other municipality's data
# Appears only in the data of a case of the home municipality that officers and heads of
# another department may not open; its client, like every client, is the municipality's.
HIDDEN = "Skrivenović"
ROLES = list(Role.values)
ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Public or session-plumbing URLs: they take no tenant data by id. The SMS gateway's
# callbacks are not staff routes: a secret or signature keyed by the municipality decides
# (tests/channels/sms/test_gateway.py proves they cannot cross municipalities). The short
# tracking link `t/<code>` only redirects to the code's own portal page (tested below).
PUBLIC_PREFIXES = ("accounts/", "i18n/", "static/", "portal/", "gateway/", "t/")
# URL arguments that are not object ids, with values to try.
PLAIN_ARGUMENTS = {
    "municipality": None,  # filled by the test
    "view": ["mine", "department", "unassigned", "overdue", "all"],
    "kind": ["mine", "department", "unassigned", "overdue", "all"],
    "path": ["x"],
}


def shows(response, text: str) -> bool:
    """Whether the page or JSON body contains `text` (JSON escapes non-ASCII letters)."""
    return (text.encode() in response.content
            or json.dumps(text)[1:-1].encode() in response.content)


def walk(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route.lstrip("^").rstrip("$")


@pytest.fixture
def world():
    home = make_municipality("subotica", name="Subotica")
    other = make_municipality("sombor", name="Sombor")
    staff = make_member(home, Role.ADMIN, username="home-admin")
    # Object ids of the home municipality come first, so a view that forgets the
    # municipality filter would find the foreign object rather than a 404.
    mine = _populate(staff, "Domaćinović")
    members = {Role.ADMIN: staff}
    for role in ROLES:
        if role != Role.ADMIN:
            members[role] = make_member(home, role, username=f"home-{role}",
                                        department=_department(home, mine))
    hidden = _populate(staff, HIDDEN, client_surname="Vidljivić")
    theirs = _populate(make_member(other, Role.ADMIN, username="other-admin"), SECRET)
    return {"home": home, "other": other, "staff": staff, "mine": mine, "theirs": theirs,
            "hidden": hidden, "members": members}


def _department(municipality, ids):
    return municipality.departments.get(pk=ids["department"])


def _populate(actor, surname, *, client_surname=None):
    # Departments are the municipality's structure, shown to all its members: the hidden
    # case's department is named for its owners, not after the case.
    department = make_department(actor.municipality,
                                 name=f"Odeljenje {client_surname or surname}")
    mailbox = fold(surname)
    # The same number in both municipalities: search by telephone must not cross over.
    phone = "0641234567" if client_surname is None else "0647654321"
    client = create_client(actor=actor, first_name="Petar", last_name=client_surname or surname,
                           contacts=[(ContactPoint.Kind.EMAIL,
                                      f"{fold(client_surname or surname)}@example.rs"),
                                     (ContactPoint.Kind.PHONE, phone)])
    spare = create_client(actor=actor, first_name="Mara", last_name=client_surname or surname)
    person = add_contact_person(actor=actor, client=client, name=f"Ana {surname}")
    case = create_case(actor=actor, subject=f"Predmet {surname}", channel=Channel.EMAIL,
                       clients=[client], department=department)
    second = create_case(actor=actor, subject=f"Drugi predmet {surname}",
                         channel=Channel.PHONE, department=department)
    event = add_note(actor=actor, case=case, text=f"Beleška {surname}")
    blob = store_bytes(f"Dokument {surname}".encode())
    document = Document.objects.create(municipality=actor.municipality, blob=blob,
                                       filename=f"{surname}.txt", case=case, client=client)
    raw = f"From: {mailbox}@example.rs\r\nSubject: {surname}\r\n\r\nTekst".encode()
    inbound, _ = store_inbound(municipality=actor.municipality, channel=Channel.EMAIL, raw=raw,
                               idempotency_key=f"key-{surname}", source="test")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=InboundMessage.State.QUARANTINED, reason="test", client=client, case=case,
        subject=f"Poruka {surname}", sender=f"{mailbox}@example.rs")
    review_raw = f"From: {mailbox}@example.rs\r\nSubject: Re {surname}\r\n\r\nOdgovor".encode()
    review, _ = store_inbound(municipality=actor.municipality, channel=Channel.EMAIL,
                              raw=review_raw, idempotency_key=f"review-{surname}",
                              source="test")
    InboundMessage.objects.filter(pk=review.pk).update(
        state=InboundMessage.State.REVIEW, reason="test", review_case=case,
        subject=f"Odgovor {surname}", sender=f"{mailbox}@example.rs")
    outbound = OutboundMessage.objects.create(
        municipality=actor.municipality, channel=Channel.EMAIL, case=case, client=client,
        recipient=f"{mailbox}@example.rs", subject=surname, body_text=surname)
    [asked] = ask_departments(actor=actor, case=case, asks=[
        Ask(department, f"Pitanje {surname}?")])
    # The administration's objects: a procedure, a routing rule, an endpoint, a day off;
    # like departments, the municipality's structure, named for its owners.
    owner = client_surname or surname
    procedure = make_procedure(actor.municipality, name=f"Postupak {owner}",
                               code=f"postupak-{fold(owner)}")
    rule = RoutingRule.objects.create(municipality=actor.municipality, keywords=fold(owner),
                                      department=department)
    endpoint = Endpoint.objects.create(municipality=actor.municipality, channel=Channel.EMAIL,
                                       address=f"{fold(owner)}@opstina.rs")
    day = CalendarDay.objects.create(municipality=actor.municipality,
                                     date=datetime.date(2026, 9, 1) + datetime.timedelta(
                                         days=CalendarDay.objects.count()),
                                     kind=CalendarDay.Kind.CLOSED, reason=f"Dan {owner}")
    ids = {
        "procedure": procedure.pk, "rule": rule.pk, "endpoint": endpoint.pk, "day": day.pk,
        "request": asked.pk,
        "case": case.pk, "client": client.pk, "document": document.pk, "event": event.pk,
        "inbound": inbound.pk, "message": inbound.pk, "outbound": outbound.pk,
        "point": client.contact_points.first().pk, "person": person.pk,
        "department": department.pk, "user": actor.user.pk, "member": actor.pk,
        "review": review.pk, "spare": spare.pk, "second_number": second.registry_number,
        "tracking_code": case.tracking_code, "registry_number": case.registry_number,
    }
    return ids


# Ids of objects a URL argument may name (the rest of `_populate`'s keys are for bodies).
URL_KEYS = ("case", "client", "document", "event", "inbound", "message", "outbound",
            "point", "person", "department", "user", "member", "procedure", "rule",
            "endpoint", "day")


def valid_body(ids: dict) -> dict:
    """A POST body every form of the workspace and intake accepts for the objects `ids`:
    extra fields are ignored, so one body serves every route."""
    return {
        "note-text": "Beleška", "assign-department": ids["department"],
        "assign-assignee": ids["user"], "status-status": "in_progress", "status-text": "",
        "party-client_mode": "existing", "party-client": ids["spare"],
        "unlink-client": ids["client"], "link-registry_number": ids["second_number"],
        "parent-registry_number": ids["second_number"],
        "merge-registry_number": ids["second_number"], "contact-kind": "email",
        "contact-value": "nova.adresa@example.rs", "contact-label": "posao",
        "person-name": "Ana Nova", "merge-source": ids["spare"], "body": "Odgovor",
        "confirm": "yes", "kind": "person", "first_name": "Petar", "last_name": "Novi",
        "subject": "Novi predmet", "channel": "counter", "client_mode": "existing",
        "client": ids["client"], "code": ids["tracking_code"], "text": "Beleška",
        # A data subject's export and a consent statement (clients' data page).
        "reason": "Zahtev stranke", "format": "json", "purpose": "all", "given": "0",
        "how": "obrazac na šalteru",
    }


def api_body(ids: dict) -> dict:
    return {"subject": "Novi predmet", "text": "Beleška", "client_ids": [ids["client"]],
            "department_id": ids["department"], "channel": "portal"}


def foreign_ids(name: str, theirs: dict) -> list[int]:
    """Ids of the other municipality's objects that an argument called `name` may mean."""
    matches = [theirs[key] for key in URL_KEYS if key in name]
    return matches or sorted({theirs[key] for key in URL_KEYS})


def urls_for(route: str, slug: str, theirs: dict) -> list[str]:
    names = [m.group("name") for m in ARGUMENT.finditer(route)]
    urls = [route]
    for name in names:
        if name in PLAIN_ARGUMENTS:
            values = [slug] if name == "municipality" else PLAIN_ARGUMENTS[name]
        elif name.endswith(("id", "pk")) or name in {"case", "client"}:
            values = foreign_ids(name, theirs)
        else:
            pytest.fail(f"{route}: teach this test what <{name}> is")
        urls = [ARGUMENT.sub(lambda m, n=name, v=v: str(v) if m.group("name") == n
                             else m.group(0), u, count=0) for u in urls for v in values]
    return ["/" + u for u in urls]


def _send(client, method: str, url: str, body: dict, json_body: dict):
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return client.post(url, json_body, content_type="application/json")
    return client.post(url, body)


def assert_refused(client, url: str, body: dict, json_body: dict):
    for method in ("get", "post"):
        response = _send(client, method, url, body, json_body)
        assert response.status_code in (404, 405), (method.upper(), url, response.status_code)
        assert not shows(response, SECRET), (method.upper(), url)


def assert_same_as_missing(client, url: str, missing_url: str, body: dict, json_body: dict,
                           secret: str = SECRET):
    """Another municipality's (or a hidden) object answers exactly like one that does not
    exist: 404; 405 for a method the URL does not take; 403 where the role may not use
    the route whatever the id."""
    for method in ("get", "post"):
        response = _send(client, method, url, body, json_body)
        missing = _send(client, method, missing_url, body, json_body)
        assert response.status_code in (403, 404, 405), (method.upper(), url,
                                                         response.status_code)
        assert response.status_code == missing.status_code, (method.upper(), url)
        assert not shows(response, secret), (method.upper(), url)


def _same_shape(url: str, urls: list[str], missing_urls: list[str]) -> str:
    # urls_for expands ids in a fixed order; the missing-id list has one URL per plain
    # argument combination, so map by the non-numeric parts.
    shape = re.sub(r"/\d+", "/N", url)
    return next(m for m in missing_urls if re.sub(r"/\d+", "/N", m) == shape)


def tenant_routes():
    return [r for r in walk() if not r.startswith(PUBLIC_PREFIXES)]


def _snapshot(municipality) -> dict:
    """What a leaking POST would change in a municipality's data."""
    return {
        "events": CaseEvent.objects.filter(case__municipality=municipality).count(),
        "parties": CaseParty.objects.filter(case__municipality=municipality).count(),
        "cases": sorted(Case.objects.filter(municipality=municipality).values_list(
            "pk", "status", "department_id", "assignee_id", "parent_id", "merged_into_id")),
        "clients": sorted(Client.objects.filter(municipality=municipality).values_list(
            "pk", "last_name", "merged_into_id")),
        "points": ContactPoint.objects.filter(client__municipality=municipality).count(),
        "inbound": sorted(InboundMessage.objects.filter(municipality=municipality)
                          .values_list("pk", "state", "case_id")),
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_url_refuses_another_municipality(client, world, role):
    client.force_login(world["members"][role].user)
    body, json_body = valid_body(world["mine"]), api_body(world["mine"])
    before = _snapshot(world["other"])
    checked = 0
    for route in tenant_routes():
        names = [m.group("name") for m in ARGUMENT.finditer(route)]
        if "municipality" in names:
            # Their slug: the whole municipality does not exist for this user.
            for url in urls_for(route, world["other"].slug, world["theirs"]):
                assert_refused(client, url, body, json_body)
                checked += 1
        if any(n not in PLAIN_ARGUMENTS for n in names):
            # Our slug with their ids: their objects do not exist for this user.
            missing = {key: 987654321 for key in world["theirs"]}
            urls = urls_for(route, world["home"].slug, world["theirs"])
            missing_urls = urls_for(route, world["home"].slug, missing)
            for url in urls:
                # Compare with the same URL shape (same plain arguments) pointing at nothing.
                assert_same_as_missing(client, url, _same_shape(url, urls, missing_urls),
                                       body, json_body)
                checked += 1
    assert checked > 20
    assert _snapshot(world["other"]) == before


@pytest.mark.parametrize("role", [Role.OFFICER, Role.HEAD])
def test_every_url_refuses_a_case_the_role_may_not_see(client, world, role):
    """Officers and heads see their department's cases; the hidden case is another's."""
    member = world["members"][role]
    hidden = world["hidden"]
    assert not Case.objects.visible_to(member).filter(pk=hidden["case"]).exists()
    client.force_login(member.user)
    body, json_body = valid_body(world["mine"]), api_body(world["mine"])
    before = _snapshot(world["home"])
    # The ids that belong to the hidden case; the client and its contacts are the
    # municipality's and visible to every member.
    case_bound = {"case": hidden["case"], "document": hidden["document"],
                  "inbound": hidden["inbound"], "message": hidden["inbound"],
                  "event": hidden["event"], "outbound": hidden["outbound"]}
    checked = 0
    for route in tenant_routes():
        names = [m.group("name") for m in ARGUMENT.finditer(route)]
        if not any(key in name for name in names for key in case_bound):
            continue
        ids = {**world["mine"], **case_bound}
        missing = {**world["mine"], **{key: 987654321 for key in case_bound}}
        urls = _urls_with(route, world["home"].slug, ids)
        missing_urls = _urls_with(route, world["home"].slug, missing)
        for url, missing_url in zip(urls, missing_urls, strict=True):
            assert_same_as_missing(client, url, missing_url, body, json_body, secret=HIDDEN)
            checked += 1
    for name in ("message", "attach", "open-case", "replay"):
        review = world["hidden"]["review"]
        suffix = "" if name == "message" else f"{name}/"
        url = f"/staff/{world['home'].slug}/intake/{review}/{suffix}"
        assert_same_as_missing(client, url, url.replace(str(review), "987654321"), body,
                               json_body, secret=HIDDEN)
        checked += 1
    assert checked > 10
    assert _snapshot(world["home"]) == before


def _urls_with(route: str, slug: str, ids: dict) -> list[str]:
    """The route filled with exactly these ids (one URL per value of plain arguments)."""
    url = route
    plain = [""]
    for match in ARGUMENT.finditer(route):
        name = match.group("name")
        if name == "municipality":
            url = url.replace(match.group(0), slug)
        elif name in PLAIN_ARGUMENTS:
            plain = PLAIN_ARGUMENTS[name]
            url = url.replace(match.group(0), "{plain}")
        else:
            key = next((k for k in URL_KEYS if k in name), None)
            if key is None:
                pytest.fail(f"{route}: teach this test what <{name}> is")
            url = url.replace(match.group(0), str(ids[key]))
    return ["/" + url.replace("{plain}", value) for value in plain]


# Query strings that make list pages search, filter and page: parts of the names in both
# municipalities' data and in the hidden case (the whole names are what must not appear;
# a page may echo what was searched), every queue and state, the lists' filters.
LIST_QUERIES = [
    {}, {"q": SECRET[:10]}, {"q": fold(SECRET)[:9]}, {"q": "Petar"}, {"q": "0641234567"},
    {"q": "+381 64 123 4567"}, {"q": HIDDEN[:7]}, {"q": "Predmet"}, {"q": "Poruka"},
    {"client_query": SECRET[:10]}, {"client_query": "Petar"},
    {"field": "party-client", "party-client_query": SECRET[:10]},
    {"queue": "all"}, {"queue": "department"}, {"queue": "unassigned"}, {"queue": "mine"},
    {"queue": "overdue"}, {"sort": "created", "page": "2"}, {"state": "review"},
    {"state": "quarantined"}, {"status": "new"},
    # The lists' filters, alone and with a search.
    {"open_cases": "yes"}, {"kind": "person", "open_cases": "no"},
    {"channel": "email", "state": "review"},
    {"q": "Predmet", "status": "new", "channel": "email", "received_from": "2020-01-01"},
]


@pytest.mark.parametrize("role", ROLES)
def test_list_and_search_pages_under_the_own_slug_show_no_foreign_or_hidden_data(
        client, world, role):
    member = world["members"][role]
    client.force_login(member.user)
    sees_all = Case.objects.visible_to(member).filter(pk=world["hidden"]["case"]).exists()
    fetched = 0
    for route in tenant_routes():
        names = {m.group("name") for m in ARGUMENT.finditer(route)}
        if names - {"municipality"}:
            continue
        url = "/" + route.replace("<slug:municipality>", world["home"].slug).replace(
            "<municipality>", world["home"].slug)
        for query in LIST_QUERIES:
            response = client.get(url, query)
            assert response.status_code < 500, (url, query)
            assert not shows(response, SECRET), (url, query)
            assert not shows(response, f"{fold(SECRET)}@"), (url, query)
            if not sees_all:
                assert not shows(response, HIDDEN), (url, query)
            fetched += 1
    assert fetched > 100


@pytest.mark.parametrize("role", ROLES)
def test_list_filters_with_another_municipalitys_ids_name_the_field_and_show_nothing_of_it(
        client, world, role):
    """A filter naming the other municipality's procedure, department or staff member:
    every list page that offers the filter names the field (the list is empty), no page
    shows the other municipality's data or fails."""
    member, theirs = world["members"][role], world["theirs"]
    client.force_login(member.user)
    sees_all = Case.objects.visible_to(member).filter(pk=world["hidden"]["case"]).exists()
    foreign = {"procedure": theirs["procedure"], "department": theirs["department"],
               "assignee": theirs["user"]}
    named = 0
    for route in tenant_routes():
        if {m.group("name") for m in ARGUMENT.finditer(route)} - {"municipality"}:
            continue
        url = "/" + route.replace("<slug:municipality>", world["home"].slug)
        for field, value in foreign.items():
            for query in ({field: value}, {field: value, "q": "Predmet"}):
                response = client.get(url, query)
                assert response.status_code < 500, (url, query)
                assert not shows(response, SECRET), (url, query)
                if not sees_all:
                    assert not shows(response, HIDDEN), (url, query)
                filters = response.context.get("filters") if response.context else None
                if filters is not None and field in filters.fields:
                    assert f'data-field="{field}"' in response.content.decode(), (url, query)
                    named += 1
    # The inbox and the search for every role, the workload for those who have it.
    assert named >= 2 * 2 * len(foreign)


def test_own_data_shows_on_the_list_pages_so_the_absences_mean_something(client, world):
    client.force_login(world["staff"].user)
    slug, own = world["home"].slug, "Domaćinović"
    assert own in client.get(f"/staff/{slug}/search/", {"q": own}).content.decode()
    assert HIDDEN in client.get(f"/staff/{slug}/search/", {"q": HIDDEN}).content.decode()
    assert own in client.get(f"/staff/{slug}/intake/").content.decode()
    assert shows(client.get(f"/api/v1/{slug}/cases", {"q": own}), own)


def test_pages_without_arguments_show_no_foreign_data(client, world):
    client.force_login(world["staff"].user)
    for route in tenant_routes():
        if "<" in route:
            continue
        response = client.get("/" + route)
        assert response.status_code < 500, route
        assert not shows(response, SECRET), route


def test_own_objects_are_reachable_so_the_refusals_mean_something(client, world):
    client.force_login(world["staff"].user)
    ok = 0
    for route in tenant_routes():
        if "municipality" not in route:
            continue
        for url in urls_for(route, world["home"].slug, world["mine"]):
            if client.get(url).status_code == 200:
                ok += 1
    assert ok > 10


# --- the portal: public, one municipality at a time --------------------------------------


def portal_routes():
    return [r for r in walk() if r.startswith("portal/")]


def test_portal_routes_are_all_known():
    # If the portal grows a route, this test must be taught what to send it.
    assert sorted(portal_routes()) == ["portal/<slug:municipality>/",
                                       "portal/<slug:municipality>/requests/<str:token>/",
                                       "portal/<slug:municipality>/track/"]


def test_a_request_link_of_another_municipality_is_a_missing_one(client, world):
    """An outside body's no-login link is signed for one request of one municipality:
    under another municipality's address it is the same 404 as a forged one, and shows
    nothing of the request."""
    from salter.requests.models import DepartmentRequest
    from salter.requests.tokens import make_token

    home = world["home"].slug
    theirs = make_token(DepartmentRequest.objects.get(pk=world["theirs"]["request"]))
    mine = make_token(DepartmentRequest.objects.get(pk=world["mine"]["request"]))
    foreign = client.get(f"/portal/{home}/requests/{theirs}/")
    forged = client.get(f"/portal/{home}/requests/{mine[:-4]}AAAA/")
    assert foreign.status_code == forged.status_code == 404
    assert not shows(foreign, SECRET) and b"Pitanje" not in foreign.content
    posted = client.post(f"/portal/{home}/requests/{theirs}/", {"answer": "Odgovor"})
    assert posted.status_code == 404
    assert DepartmentRequest.objects.get(pk=world["theirs"]["request"]).answer == ""
    own = client.get(f"/portal/{home}/requests/{mine}/")
    assert own.status_code == 200 and b"Pitanje" in own.content


def test_portal_answers_another_municipalitys_tracking_code_as_a_missing_one(client, world):
    home = world["home"].slug
    foreign = client.post(f"/portal/{home}/track/", {"code": world["theirs"]["tracking_code"]})
    missing = client.post(f"/portal/{home}/track/", {"code": "2345678923"})
    assert foreign.status_code == missing.status_code == 200
    assert world["theirs"]["registry_number"].encode() not in foreign.content
    assert not shows(foreign, SECRET)
    own = client.post(f"/portal/{home}/track/", {"code": world["mine"]["tracking_code"]})
    assert world["mine"]["registry_number"].encode() in own.content


def test_the_acknowledgements_link_and_the_short_link_keep_to_the_codes_municipality(
        client, world):
    home = world["home"].slug
    theirs, mine = world["theirs"]["tracking_code"], world["mine"]["tracking_code"]
    foreign = client.get(f"/portal/{home}/track/", {"code": theirs})
    missing = client.get(f"/portal/{home}/track/", {"code": "2345678923"})
    assert foreign.status_code == missing.status_code == 200
    assert world["theirs"]["registry_number"].encode() not in foreign.content
    assert not shows(foreign, SECRET)
    # The short link names no municipality: it leads to the code's own portal page and
    # shows nothing by itself.
    short = client.get(f"/t/{theirs}")
    assert short.status_code == 302 and f"/portal/{home}/" not in short["Location"]
    assert not shows(short, SECRET)
    assert client.get(f"/t/{mine}")["Location"].startswith(f"/portal/{home}/track/")


@pytest.mark.parametrize("route", ["portal/<slug:municipality>/",
                                   "portal/<slug:municipality>/track/"])
def test_portal_pages_show_no_case_content_to_anybody(client, world, route):
    # The portal shows a case's number and statuses by its code: never its subject,
    # notes, names or messages — neither to the public nor to a logged-in member.
    for user in (None, world["staff"].user):
        if user is not None:
            client.force_login(user)
        for ids in (world["mine"], world["theirs"], world["hidden"]):
            url = "/" + route.replace("<slug:municipality>", world["home"].slug)
            for response in (client.get(url), client.post(url, {"code": ids["tracking_code"]})):
                assert response.status_code in (200, 302, 405), url
                for surname in (SECRET, HIDDEN, "Domaćinović"):
                    assert not shows(response, surname), (url, surname)


def test_portal_of_an_unknown_or_inactive_municipality_is_not_found(client, world):
    make_municipality("kula", name="Kula", active=False)
    for slug in ("kula", "nema-je"):
        assert client.get(f"/portal/{slug}/").status_code == 404
        track = client.post(f"/portal/{slug}/track/", {"code": world["theirs"]["tracking_code"]})
        assert track.status_code == 404
