"""Which part of a long text the staff pages show at once."""

import pytest
from django.urls import reverse

from salter.cases.actions import add_note
from salter.workspace.templatetags.workspace import (
    LONG_TEXT_CHARS,
    LONG_TEXT_LINES,
    split_long_text,
)
from tests.workspace.conftest import new_case

pytestmark = pytest.mark.django_db


def test_a_short_text_is_shown_whole():
    assert split_long_text("Rupa na putu.\nHitno.") == ("Rupa na putu.\nHitno.", "")


def test_a_long_line_shows_its_beginning_and_keeps_the_rest():
    text = "x" * 100_000
    start, rest = split_long_text(text)
    assert len(start) == LONG_TEXT_CHARS
    assert start + rest == text


def test_the_beginning_ends_between_words_near_the_limit():
    text = "reč " * 2_000
    start, rest = split_long_text(text)
    assert start.endswith("reč") and rest.startswith(" ")
    assert LONG_TEXT_CHARS - 200 < len(start) <= LONG_TEXT_CHARS


def test_many_short_lines_are_bounded_too():
    text = "\n".join(f"red {n}" for n in range(10_000))
    start, rest = split_long_text(text)
    assert start.count("\n") == LONG_TEXT_LINES - 1
    assert start + rest == text


def test_case_page_sends_a_long_note_collapsed(client, clerk):
    case = new_case(clerk, description="kratko")
    add_note(actor=clerk, case=case, text="<b>" + "y" * 50_000 + "</b>")
    client.force_login(clerk.user)
    page = client.get(reverse("workspace:case", kwargs={"municipality": "subotica",
                                                        "case_id": case.pk})).content.decode()
    assert page.count('class="long-text"') == 1
    assert "Show all (50,007 characters)" in page or "Show all (50007 characters)" in page
    assert "&lt;b&gt;" in page and "<b>y" not in page
