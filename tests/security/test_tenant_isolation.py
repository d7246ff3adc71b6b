"""Every URL of Šalter, tried by a member of one municipality against another's data.

The test walks the whole URL configuration (staff workspace, intake, mail, portal, province
dashboard and every API route), fills each URL with the other municipality's slug, or with
its own slug and the other municipality's object ids, and sends GET and POST. Nothing may
answer with anything but 404 (or 405 for a method the URL does not take), and no page may
show the other municipality's data. A URL with an argument this test does not know fails
the test, so new URLs cannot slip past it.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from salter.cases.actions import add_note, create_case
from salter.cases.models import Channel
from salter.channels.models import InboundMessage, OutboundMessage
from salter.channels.store import store_inbound
from salter.clients.actions import add_contact_person, create_client
from salter.clients.models import ContactPoint
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from salter.lang.transliteration import fold
from salter.requests.actions import Ask, ask_departments
from salter.tenancy.roles import Role
from tests.factories import make_department, make_member, make_municipality

pytestmark = pytest.mark.django_db

SECRET = "Tajanstvenović"  # appears only in the other municipality's data
ARGUMENT = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
# Public or session-plumbing URLs: they take no tenant data by id.
PUBLIC_PREFIXES = ("accounts/", "i18n/", "static/", "portal/")
# URL arguments that are not object ids, with values to try.
PLAIN_ARGUMENTS = {
    "municipality": None,  # filled by the test
    "view": ["mine", "department", "unassigned", "overdue", "all"],
    "kind": ["mine", "department", "unassigned", "overdue", "all"],
    "path": ["x"],
}


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
    theirs = _populate(make_member(other, Role.ADMIN, username="other-admin"), SECRET)
    return {"home": home, "other": other, "staff": staff, "mine": mine, "theirs": theirs}


def _populate(actor, surname):
    department = make_department(actor.municipality, name=f"Odeljenje {surname}")
    mailbox = fold(surname)
    client = create_client(actor=actor, first_name="Petar", last_name=surname,
                           contacts=[(ContactPoint.Kind.EMAIL, f"{mailbox}@example.rs"),
                                     (ContactPoint.Kind.PHONE, "0641234567")])
    person = add_contact_person(actor=actor, client=client, name=f"Ana {surname}")
    case = create_case(actor=actor, subject=f"Predmet {surname}", channel=Channel.EMAIL,
                       clients=[client], department=department)
    event = add_note(actor=actor, case=case, text=f"Beleška {surname}")
    blob = store_bytes(f"Dokument {surname}".encode())
    document = Document.objects.create(municipality=actor.municipality, blob=blob,
                                       filename=f"{surname}.txt", case=case, client=client)
    raw = f"From: {mailbox}@example.rs\r\nSubject: {surname}\r\n\r\nTekst".encode()
    inbound, _ = store_inbound(municipality=actor.municipality, channel=Channel.EMAIL, raw=raw,
                               idempotency_key=f"key-{surname}", source="test")
    InboundMessage.objects.filter(pk=inbound.pk).update(
        state=InboundMessage.State.QUARANTINED, reason="test", client=client)
    outbound = OutboundMessage.objects.create(
        municipality=actor.municipality, channel=Channel.EMAIL, case=case, client=client,
        recipient=f"{mailbox}@example.rs", subject=surname, body_text=surname)
    [asked] = ask_departments(actor=actor, case=case, asks=[
        Ask(department, f"Pitanje {surname}?")])
    ids = {
        "request": asked.pk,
        "case": case.pk, "client": client.pk, "document": document.pk, "event": event.pk,
        "inbound": inbound.pk, "message": inbound.pk, "outbound": outbound.pk,
        "point": client.contact_points.first().pk, "person": person.pk,
        "department": department.pk, "user": actor.user.pk, "member": actor.pk,
    }
    return ids


def foreign_ids(name: str, theirs: dict) -> list[int]:
    """Ids of the other municipality's objects that an argument called `name` may mean."""
    matches = [value for key, value in theirs.items() if key in name]
    return matches or sorted(set(theirs.values()))


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


def assert_refused(client, url: str):
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (404, 405), (method.upper(), url, response.status_code)
        assert SECRET.encode() not in response.content, (method.upper(), url)


def assert_same_as_missing(client, url: str, missing_url: str):
    """Another municipality's object answers exactly like one that does not exist: 404, or
    for an API call whose empty body is rejected first, the same rejection."""
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        missing = getattr(client, method)(missing_url)
        assert response.status_code in (400, 404, 405), (method.upper(), url,
                                                         response.status_code)
        assert response.status_code == missing.status_code, (method.upper(), url)
        assert SECRET.encode() not in response.content, (method.upper(), url)


def _same_shape(url: str, urls: list[str], missing_urls: list[str]) -> str:
    # urls_for expands ids in a fixed order; the missing-id list has one URL per plain
    # argument combination, so map by the non-numeric parts.
    shape = re.sub(r"/\d+", "/N", url)
    return next(m for m in missing_urls if re.sub(r"/\d+", "/N", m) == shape)


def tenant_routes():
    return [r for r in walk() if not r.startswith(PUBLIC_PREFIXES)]


def test_every_url_refuses_another_municipality(client, world):
    client.force_login(world["staff"].user)
    checked = 0
    for route in tenant_routes():
        names = [m.group("name") for m in ARGUMENT.finditer(route)]
        if "municipality" in names:
            # Their slug: the whole municipality does not exist for this user.
            for url in urls_for(route, world["other"].slug, world["theirs"]):
                assert_refused(client, url)
                checked += 1
        if any(n not in PLAIN_ARGUMENTS for n in names):
            # Our slug with their ids: their objects do not exist for this user.
            missing = {key: 987654321 for key in world["theirs"]}
            urls = urls_for(route, world["home"].slug, world["theirs"])
            missing_urls = urls_for(route, world["home"].slug, missing)
            for url in urls:
                # Compare with the same URL shape (same plain arguments) pointing at nothing.
                assert_same_as_missing(client, url, _same_shape(url, urls, missing_urls))
                checked += 1
    assert checked > 20


def test_pages_without_arguments_show_no_foreign_data(client, world):
    client.force_login(world["staff"].user)
    for route in tenant_routes():
        if "<" in route:
            continue
        response = client.get("/" + route)
        assert response.status_code < 500, route
        assert SECRET.encode() not in response.content, route


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
