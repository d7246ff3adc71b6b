"""One search box finds a name in either script, with or without diacritics, across
cases, clients, messages and OCR text — through the search indexes — and exact keys
through their unique indexes (decision 17)."""

import pytest
from django.db import connection

from salter import search
from salter.cases.models import Case
from salter.clients.models import ContactPoint
from salter.documents.models import Document
from salter.documents.storage import store_bytes
from tests.scale.plans import full_scans, plan, sorts
from tests.workspace.conftest import new_case, new_person

pytestmark = pytest.mark.django_db

EMAIL = """From: Ana Kovac <ana.kovac@example.net>
To: opstina@subotica.example
Subject: Buka iz kafica
Message-ID: <buka-1@example.net>
Content-Type: text/plain; charset=utf-8

Komsija Ђорђевић pusta muziku do ponoci.
""".encode()


@pytest.fixture
def everywhere(clerk, municipality):
    """Ђорђевић as a client (in Cyrillic) with a case, in an e-mail from someone else,
    and in the OCR text of a scan on a third case."""
    from salter.channels.email.accept import accept_email
    from salter.intake.pipeline import process_inbound

    client = new_person(clerk, first="Драган", last="Ђорђевић",
                        contacts=[(ContactPoint.Kind.PHONE, "064 123 4567")])
    own = new_case(clerk, subject="Rupa na putu", clients=[client])
    accepted = accept_email(municipality=municipality, raw=EMAIL, source="test")
    process_inbound(accepted.inbound.pk)
    accepted.inbound.refresh_from_db()
    scanned = new_case(clerk, subject="Zapisnik sa uvidjaja")
    Document.objects.create(municipality=municipality, blob=store_bytes(b"%PDF-1.4 scan"),
                            filename="zapisnik.pdf", case=scanned,
                            text="ЗАПИСНИК О УВИЂАЈУ. Присутан: Драган Ђорђевић, улица Корзо 2.")
    return {"client": client, "own": own, "mailed": accepted.inbound.case,
            "message": accepted.inbound, "scanned": scanned}


@pytest.mark.parametrize("typed", ["djordjevic", "Đorđević", "Ђорђевић", "DJORDJ", "rđev"])
def test_a_name_is_found_in_cases_clients_messages_and_ocr_text(clerk, everywhere, typed):
    cases = set(search.search_cases(clerk, typed))
    assert {everywhere["own"], everywhere["mailed"], everywhere["scanned"]} <= cases
    assert everywhere["client"] in set(search.search_clients(clerk, typed))
    assert everywhere["message"] in set(search.search_messages(clerk, typed))
    assert [d.case for d in search.search_documents(clerk, typed)] == [everywhere["scanned"]]


def test_first_and_last_name_must_both_occur_in_one_row(clerk, everywhere):
    assert everywhere["client"] in set(search.search_clients(clerk, "dragan djordjevic"))
    assert list(search.search_clients(clerk, "marko djordjevic")) == []


def test_a_match_on_the_case_or_its_client_ranks_above_one_in_a_message(clerk, everywhere):
    ranked = list(search.search_cases(clerk, "djordjevic")
                  .order_by(*(k.expression() for k in search.RANKED)))
    ranks = {c: c.rank for c in ranked}
    assert ranks[everywhere["own"]] == search.DIRECT
    assert ranks[everywhere["mailed"]] == search.MENTIONED
    assert ranks[everywhere["scanned"]] == search.MENTIONED
    assert ranked[0] == everywhere["own"]


def test_another_municipalitys_rows_are_never_found(clerk, other_clerk, everywhere):
    new_person(other_clerk, first="Драган", last="Ђорђевић")
    assert list(search.search_clients(other_clerk, "djordjevic")) != []
    assert all(c.municipality_id == clerk.municipality.pk
               for c in search.search_clients(clerk, "djordjevic"))
    assert list(search.search_cases(other_clerk, "djordjevic")) == []
    assert list(search.search_messages(other_clerk, "djordjevic")) == []


@pytest.mark.parametrize("notation", ["064 123 4567", "+381641234567", "00381 64 123 45 67"])
def test_a_phone_in_any_notation_finds_the_clients_case_first(clerk, everywhere, notation):
    found = list(search.search_cases(clerk, notation))
    assert found == [everywhere["own"]] and found[0].rank == search.EXACT
    assert list(search.search_clients(clerk, notation)) == [everywhere["client"]]


def test_registry_number_and_tracking_code_find_exactly_their_case(clerk, everywhere):
    case = everywhere["own"]
    assert list(search.search_cases(clerk, case.registry_number)) == [case]
    spaced = f"{case.tracking_code[:5]} {case.tracking_code[5:].lower()}"
    assert list(search.search_cases(clerk, spaced)) == [case]


def _exact_plan(clerk, text):
    query = search.parse_query(text)
    exact = search._exact_cases(clerk, text, query)
    return plan(Case.objects.visible_to(clerk).filter(exact))


def test_exact_keys_are_looked_up_by_their_unique_indexes(clerk, everywhere):
    case = everywhere["own"]
    for text in (case.registry_number, case.tracking_code, "064 123 4567",
                 "ana.kovac@example.net"):
        text_plan = _exact_plan(clerk, text)
        assert full_scans(text_plan, "cases_case") == [], text_plan
        assert full_scans(text_plan, "clients_contactpoint") == [], text_plan


@pytest.mark.parametrize("model_name", ["case", "client", "message", "document"])
def test_words_are_matched_through_the_search_index(clerk, everywhere, model_name):
    from salter.channels.models import InboundMessage
    from salter.clients.models import Client

    model = {"case": Case, "client": Client, "message": InboundMessage,
             "document": Document}[model_name]
    # The match alone: with the municipality's filter as well, a planner may rightly
    # prefer the municipality's index for a test's handful of rows.
    rows = model.objects.filter(search.matching(model, ("djordjevic", "dragan"),
                                                clerk.municipality))
    text = plan(rows)
    assert full_scans(text, model._meta.db_table) == [], text
    if connection.vendor == "postgresql":
        assert "search_trgm" in text, text
    else:
        assert "VIRTUAL TABLE" in text, text


def test_the_index_follows_changes_in_the_same_transaction(clerk, everywhere):
    from django.db import transaction

    from salter.clients.actions import update_client

    client = everywhere["client"]
    with transaction.atomic():
        update_client(actor=clerk, client=client, last_name="Марковић", reason="typo")
        assert list(search.search_clients(clerk, "djordjevic")) == []
        assert list(search.search_clients(clerk, "markovic")) == [client]


@pytest.fixture
def ranked(clerk, everywhere):
    """Ђорђевић's own cases (five, rank DIRECT) beside the two that only mention him."""
    client = everywhere["client"]
    own = [everywhere["own"]] + [new_case(clerk, subject=f"Zahtev {n}", clients=[client])
                                 for n in range(4)]
    return {**everywhere, "own cases": own}


def _walk(clerk, text, size, *, backwards=False):
    """Every case of a search, page after page through the cursors (from the last page
    back through the previous cursors, when `backwards`)."""
    pages, cursor = [], None
    while True:
        page = search.search_case_ranks(clerk, text).page(cursor, size)
        pages.append(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    if backwards:
        pages = [page.rows]
        cursor = page.previous_cursor
        while cursor is not None:
            page = search.search_case_ranks(clerk, text).page(cursor, size)
            pages.insert(0, page.rows)
            cursor = page.previous_cursor
    return [case for rows in pages for case in rows]


@pytest.mark.parametrize("size", [1, 2, 4, 5, 7, 50])
@pytest.mark.parametrize("backwards", [False, True])
def test_a_search_a_rank_at_a_time_pages_as_the_whole_ranked_search(clerk, ranked, size,
                                                                     backwards):
    whole = list(search.search_cases(clerk, "djordjevic")
                 .order_by(*(k.expression() for k in search.RANKED)))
    assert len(whole) == 7 and [c.rank for c in whole] == [search.DIRECT] * 5 + [
        search.MENTIONED] * 2
    assert _walk(clerk, "djordjevic", size, backwards=backwards) == whole
    first = search.search_case_ranks(clerk, "djordjevic").first(size)
    assert first == whole[:size]
    assert [c.rank for c in first] == [c.rank for c in whole[:size]]


def test_a_page_its_best_rank_fills_reads_no_message_or_document(clerk, ranked):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page = search.search_case_ranks(clerk, "djordjevic").page(None, 4)
    assert page.rows == sorted(ranked["own cases"], key=lambda c: (c.created_at, c.pk),
                               reverse=True)[:4]
    assert page.next_cursor is not None
    read = " ".join(q["sql"] for q in queries)
    assert "channels_inboundmessage" not in read and "documents_document" not in read, read
    # Once the page reaches the rank below, it reads it.
    with CaptureQueriesContext(connection) as queries:
        search.search_case_ranks(clerk, "djordjevic").page(page.next_cursor, 4)
    assert "channels_inboundmessage" in " ".join(q["sql"] for q in queries)


def test_a_cursor_whose_rank_is_not_a_rank_is_refused(clerk, ranked):

    from salter import paging

    forged = paging.encode_values(search.RANKED, ["x", 1])
    with pytest.raises(paging.BadCursor):
        search.search_case_ranks(clerk, "djordjevic").page(forged, 4)


def test_a_case_found_by_its_clients_record_ranks_between_its_own_text_and_a_mention(
        clerk, everywhere):
    """"Korzo" is the street of one case's client (in the client's record, not the
    case's text), the subject of another and a word of the scan's OCR text."""
    tenant = new_person(clerk, first="Mira", last="Kovač", address="Korzo 2")
    by_client = new_case(clerk, subject="Zahtev za dozvolu", clients=[tenant])
    own = new_case(clerk, subject="Korzo, oštećen pločnik")
    whole = list(search.search_cases(clerk, "korzo")
                 .order_by(*(k.expression() for k in search.RANKED)))
    assert [(c, c.rank) for c in whole] == [
        (own, search.DIRECT), (by_client, search.CLIENT),
        (everywhere["scanned"], search.MENTIONED)]
    for size in (1, 2):
        assert _walk(clerk, "korzo", size) == whole
        assert _walk(clerk, "korzo", size, backwards=True) == whole


def _first_read(text: str) -> str:
    return next(line for line in text.splitlines() if "SCAN" in line or "SEARCH" in line)


def test_the_cases_own_matches_are_a_walk_of_the_index_newest_first(clerk, ranked):
    rank, rows = search.search_case_ranks(clerk, "djordjevic").parts[0]
    assert rank == search.DIRECT
    ordered = rows.order_by(*(k.expression() for k in search.RANKED[1:]))
    assert list(ordered) == sorted(ranked["own cases"], key=lambda c: c.pk, reverse=True)
    for page in (ordered.all()[:50], ordered.filter(key__gt=ordered[2].key)[:50]):
        text = plan(page)
        assert full_scans(text, "cases_case") == [], text
        if connection.vendor == "sqlite":
            # From the newest match of the municipality's part of the index down, so a
            # page stops the walk: nothing read to be sorted.
            assert "salter_search_case VIRTUAL TABLE" in _first_read(text), text
            assert sorts(text) == [], text


@pytest.mark.parametrize("kind", ["message", "document"])
def test_the_newest_messages_and_documents_are_read_newest_first_from_the_index(
        clerk, officer, everywhere, kind):
    from salter.channels.models import InboundMessage
    from salter.documents.access import documents_visible_to
    from salter.intake.access import inbound_visible_to

    model, visible, newest, found = {
        "message": (InboundMessage, inbound_visible_to, search.newest_messages,
                    search.search_messages),
        "document": (Document, documents_visible_to, search.newest_documents,
                     search.search_documents)}[kind]
    for member in (clerk, officer):
        for size in (1, 20):
            assert newest(member, "djordjevic", size) == list(
                found(member, "djordjevic").order_by("-pk")[:size])
    text = plan(search.newest_matching(visible(clerk), ("djordjevic",),
                                       clerk.municipality)[:20])
    assert full_scans(text, model._meta.db_table) == [], text
    if connection.vendor == "sqlite":
        assert "VIRTUAL TABLE" in _first_read(text), text
        assert sorts(text) == [], text


def test_a_deleted_row_leaves_the_index(clerk, everywhere):
    scan = Document.objects.get(case=everywhere["scanned"])
    assert list(search.search_documents(clerk, "zapisnik uvidjaju")) == [scan]
    scan.delete()
    assert list(search.search_documents(clerk, "zapisnik uvidjaju")) == []
    assert everywhere["scanned"] not in set(search.search_cases(clerk, "uvidjaju prisutan"))


def test_an_index_of_the_earlier_layout_is_made_anew_from_its_rows(clerk, everywhere):
    """Before: an external-content index keyed by the case's id alone. `install` (run
    after every `migrate`) replaces it, and the search finds what the rows hold."""
    from salter import searchindex

    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 indexes are SQLite's")
    with connection.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER salter_search_case_{suffix}")
        cursor.execute("DROP TABLE salter_search_case")
        cursor.execute("CREATE VIRTUAL TABLE salter_search_case USING fts5(search_text, "
                       "content='cases_case', content_rowid='id', tokenize='trigram')")
        cursor.execute("INSERT INTO salter_search_case(salter_search_case) VALUES ('rebuild')")
    searchindex.install(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'salter_search_case'")
        assert "content=''" in cursor.fetchone()[0]
    assert everywhere["own"] in set(search.search_cases(clerk, "rupa na putu"))
    case = new_case(clerk, subject="Kontejner pored zgrade")
    assert list(search.search_cases(clerk, "kontejner")) == [case]
