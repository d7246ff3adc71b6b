"""A 100,000-character unbroken line (pasted, or sent by mail) does not freeze the case
page: long texts are shown as a bounded beginning with the rest behind "show all", and
long words wrap instead of widening the page."""

import os
import time

import pytest

from salter.cases.actions import add_note, create_case
from salter.cases.models import Channel
from tests.factories import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINE = "Ж" + "a" * 99_998 + "Ω"  # one word of 100,000 characters


@pytest.fixture
def long_case(clerk):
    case = create_case(actor=clerk, subject="Dugačak tekst", channel=Channel.EMAIL,
                       description=LINE)
    for _ in range(4):
        add_note(actor=clerk, case=case, text=LINE)
    return case


def _sign_in(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/staff/subotica/")


def test_long_texts_are_collapsed_and_wrapped_on_the_case_page(live_server, page, long_case):
    _sign_in(page, live_server)
    started = time.monotonic()
    page.goto(f"{live_server.url}/staff/subotica/cases/{long_case.pk}/")
    page.evaluate("document.body.offsetHeight")  # wait for layout
    print(f"case page with five 100,000-character lines: {time.monotonic() - started:.2f} s")

    blocks = page.locator(".long-text")
    assert blocks.count() == 5  # the description and four notes
    for index in range(5):
        block = blocks.nth(index)
        # Only the beginning is laid out; the rest waits, closed, behind "show all".
        assert len(block.locator(".long-text-start").inner_text()) < 3_000
        assert not block.locator("details").evaluate("d => d.open")
        assert block.locator("summary").inner_text().startswith("Show all")
    # Nothing is wider than the window: the long word wraps.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    first = blocks.nth(0)
    first.locator("summary").click()
    assert first.locator("details").evaluate("d => d.open")
    assert first.locator(".long-text-rest").inner_text().endswith("Ω")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
