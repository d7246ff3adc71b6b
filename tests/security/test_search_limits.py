"""Search cannot hang the database: a query has at most MAX_QUERY_LENGTH characters and
MAX_TERMS different words wherever search is reachable, and every statement of a web
request has a time budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salter.api.models import ApiToken
from salter.cases.actions import create_case
from salter.cases.models import Channel
from salter.clients.actions import create_client
from salter.search import MAX_QUERY_LENGTH, MAX_TERMS, search_cases, search_clients
from tests.security.slow_urls import slow_statement

pytestmark = pytest.mark.django_db

# 3,000 different two-letter and three-letter words, as in the probe that hung PostgreSQL.
MANY_TERMS = " ".join(f"a{chr(97 + i // 26 % 26)}{chr(97 + i % 26)}" for i in range(3000))


@pytest.fixture
def token(clerk):
    return ApiToken.issue(clerk, "test")[1]


def _get(client, url, token, **params):
    return client.get(url, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_api_search_with_thousands_of_words_is_a_400_with_a_message(client, clerk, token):
    response = _get(client, "/api/v1/subotica/cases", token, q=MANY_TERMS)
    assert response.status_code == 400
    assert "characters" in response.json()["errors"]["q"][0]


def test_api_search_with_too_many_words_within_the_length_is_refused(client, clerk, token):
    words = " ".join(f"r{n:02d}" for n in range(MAX_TERMS + 1))
    assert len(words) <= MAX_QUERY_LENGTH
    response = _get(client, "/api/v1/subotica/cases", token, q=words)
    assert response.status_code == 400
    assert response.json()["errors"]["q"] == [f"Search for at most {MAX_TERMS} words."]


def test_api_search_of_50001_characters_is_a_400_not_a_500(client, clerk, token):
    response = _get(client, "/api/v1/subotica/cases", token, q="a" * 50_001)
    assert response.status_code == 400


def test_api_search_within_the_limits_still_finds(client, clerk, token):
    ana = create_client(actor=clerk, first_name="Ana", last_name="Kiš")
    case = create_case(actor=clerk, subject="Rasveta", channel=Channel.PHONE, clients=[ana])
    response = _get(client, "/api/v1/subotica/cases", token, q="ana kis ana kis rasveta")
    assert [c["id"] for c in response.json()["items"]] == [case.pk]


def test_search_functions_never_use_more_than_max_terms(clerk):
    with CaptureQueriesContext(connection) as queries:
        list(search_cases(clerk, MANY_TERMS))
        list(search_clients(clerk, MANY_TERMS))
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    # On PostgreSQL each term is one LIKE per place a case is searched (the case, its
    # clients, messages and documents), the first two again in the rank, plus one on
    # clients; on SQLite the terms go to the FTS5 tables as one MATCH each.
    assert sql.count("LIKE") <= 7 * MAX_TERMS


def test_a_50001_character_query_does_not_break_sqlite_like(clerk):
    assert list(search_clients(clerk, "a" * 50_001)) == []
    assert list(search_cases(clerk, "x" * 50_001)) == []


def test_staff_search_with_too_many_words_says_so(client, clerk):
    client.force_login(clerk.user)
    words = " ".join(f"r{n:02d}" for n in range(MAX_TERMS + 1))
    response = client.get("/staff/subotica/search/", {"q": words})
    assert response.status_code == 200
    assert f"Search for at most {MAX_TERMS} words." in response.content.decode()


def test_staff_search_over_the_length_says_so(client, clerk):
    client.force_login(clerk.user)
    response = client.get("/staff/subotica/search/", {"q": MANY_TERMS})
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()


@pytest.mark.parametrize("path", ["/staff/subotica/clients/", "/staff/subotica/clients/pick/"])
def test_client_list_and_picker_refuse_too_many_words(client, clerk, path):
    client.force_login(clerk.user)
    create_client(actor=clerk, first_name="Ana", last_name="Kiš")
    words = " ".join(f"r{n:02d}" for n in range(MAX_TERMS + 1))
    response = client.get(path, {"q": words, "client_query": words})
    assert response.status_code == 200
    assert f"Search for at most {MAX_TERMS} words." in response.content.decode()
    assert "Kiš" not in response.content.decode()


def test_new_case_client_search_refuses_thousands_of_words(client, clerk):
    client.force_login(clerk.user)
    response = client.post("/staff/subotica/cases/new/",
                           {"client_query": MANY_TERMS, "find_client": "1"})
    assert response.status_code == 200
    assert "Search for at most 200 characters" in response.content.decode()


# --- the statement budget of web requests ----------------------------------------------
# transaction=True: on PostgreSQL a stopped statement aborts the transaction it ran in,
# which would otherwise be the test's own.
budget = pytest.mark.django_db(transaction=True)


@budget
@pytest.mark.urls("tests.security.slow_urls")
def test_a_statement_over_the_budget_is_stopped_with_a_503_page(client, settings):
    settings.SALTER_WEB_STATEMENT_TIMEOUT_MS = 200
    response = client.get("/slow/")
    assert response.status_code == 503
    assert "This took too long" in response.content.decode()
    assert response["Retry-After"]


@budget
@pytest.mark.urls("tests.security.slow_urls")
def test_an_api_statement_over_the_budget_is_a_503_with_json(client, settings):
    settings.SALTER_WEB_STATEMENT_TIMEOUT_MS = 200
    response = client.get("/api/slow/")
    assert response.status_code == 503
    assert "took too long" in response.json()["detail"]


@budget
@pytest.mark.urls("tests.security.slow_urls")
def test_the_budget_ends_with_the_request(client, settings):
    settings.SALTER_WEB_STATEMENT_TIMEOUT_MS = 200
    assert client.get("/slow/").status_code == 503
    slow_statement(0.5)  # outside a request: no budget, it runs to the end


@budget
@pytest.mark.urls("tests.security.slow_urls")
def test_no_budget_when_switched_off(client, settings):
    settings.SALTER_WEB_STATEMENT_TIMEOUT_MS = 0
    assert client.get("/slow/", {"seconds": "0.5"}).status_code == 200
