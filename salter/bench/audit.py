"""`salter bench audit`: what recording accesses costs a page (decision 15).

On a fresh database it signs a clerk in and opens a client's page, a case page and a
search, PAGES times each, through the whole middleware stack; it times every write of
the access log (`salter.audit.log.write`: taking the next places in the chain and
inserting the records) and the whole request, and reports the write's median, 95th
percentile and mean per page, beside the page's own time.
"""

import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from salter.audit import log
from salter.audit.models import AccessRecord
from salter.audit.seal import seal
from salter.audit.verify import verify_chain


def _setup():
    from salter.cases.actions import create_case
    from salter.clients.actions import create_client
    from salter.tenancy.models import Membership, Municipality
    from salter.tenancy.roles import Role

    municipality, _ = Municipality.objects.get_or_create(
        slug="bench", defaults={"name": "Bench", "name_cyrl": "Бенч", "is_active": True})
    user = get_user_model().objects.create_user("bench.clerk", password="x" * 16)
    clerk = Membership.objects.create(user=user, municipality=municipality,
                                      role=Role.REGISTRY_CLERK)
    client = create_client(actor=clerk, kind="person", first_name="Jelena",
                           last_name="Đorđević", jmbg="0101990710008",
                           contacts=[("email", "jelena@example.rs")])
    case = create_case(actor=clerk, subject="Rupa na putu", channel="counter",
                       clients=[client])
    return user, municipality, client, case


def _ms(values) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
            f"mean {statistics.fmean(ordered) * 1000:.3f} ms")


def run(*, pages: int, out) -> bool:
    user, municipality, client, case = _setup()
    browser = Client()
    browser.force_login(user)
    slug = municipality.slug
    urls = {
        "client page": reverse("workspace:client", args=[slug, client.pk]),
        "case page": reverse("workspace:case", args=[slug, case.pk]),
        "search": reverse("workspace:search", args=[slug]) + "?q=Djordjevic",
    }
    writes: list[float] = []
    original = log.write

    def timed_write(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            writes.append(time.perf_counter() - started)

    log.write = timed_write
    try:
        for name, url in urls.items():
            browser.get(url, secure=True)  # warm up
            writes.clear()
            requests = []
            for _ in range(pages):
                started = time.perf_counter()
                response = browser.get(url, secure=True)
                requests.append(time.perf_counter() - started)
                if response.status_code != 200:
                    out.write(f"{name}: HTTP {response.status_code}\n")
                    return False
            out.write(f"{name}: access log write {_ms(writes)}; whole page {_ms(requests)}\n")
    finally:
        log.write = original
    started = time.perf_counter()
    sealed = seal(municipality.pk)
    out.write(f"sealed {sealed} records into the chain in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms\n")
    verdict = verify_chain(municipality.pk)
    out.write(f"{AccessRecord.objects.filter(municipality=municipality).count()} records, "
              f"{verdict.checked} in the chain, {'intact' if verdict.ok else 'BROKEN'}; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    return verdict.ok and verdict.checked == sealed
