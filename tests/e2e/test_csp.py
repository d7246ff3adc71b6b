"""In the browser, under the Content Security Policy: Šalter's pages and the API docs
work, the browser reports no violation, and nothing is loaded from another origin."""

import os

import pytest

from salter.cases.actions import create_case
from salter.cases.models import Channel
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH_VIOLATIONS = """() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


def _watch(page, live_server):
    foreign = []
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:"))
            else foreign.append(r.url))
    page.add_init_script(f"({WATCH_VIOLATIONS})()")
    return foreign


def test_api_docs_run_our_own_swagger_ui_under_the_policy(live_server, page):
    foreign = _watch(page, live_server)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Šalter API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")  # the operations, read from openapi.json
    assert page.evaluate("window.__violations") == []
    assert foreign == []


def test_staff_pages_work_under_the_policy(live_server, page, clerk):
    case = create_case(actor=clerk, subject="Rasveta", channel=Channel.PHONE)
    foreign = _watch(page, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")
    for path in ("", f"cases/{case.pk}/", "clients/", "search/?q=ras", "cases/new/",
                 "intake/"):
        page.goto(f"{live_server.url}/staff/subotica/{path}")
        assert page.evaluate("window.__violations") == [], path
    # HTMX still works: the search refreshes the results without a page load.
    page.goto(f"{live_server.url}/staff/subotica/search/")
    page.fill("#search-q", "Rasveta")
    page.wait_for_selector(".search-cases")
    assert page.evaluate("window.__violations") == []
    assert foreign == []
