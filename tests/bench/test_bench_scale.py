"""`salter bench seed` and `salter bench queries` on a small province: the data has the
shape the benchmark promises, and every measured page answers (figures are not
checked, only that each page was requested and answered 200)."""

import importlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command

from salter import searchindex
from salter.cases.models import Case, CaseEvent
from salter.cases.workflow import OPEN_STATUSES
from salter.channels.models import InboundMessage
from salter.clients.models import Client
from salter.documents.models import Document
from salter.lang.transliteration import fold

pytestmark = pytest.mark.django_db

pilots = importlib.import_module("salter.tenancy.migrations.0002_vojvodina_municipalities")


def test_seed_writes_a_realistic_province_and_every_page_answers(tmp_path, capsys):
    call_command("bench", "seed", "--municipalities", "2", "--cases", "400")
    assert Case.objects.count() == 400
    assert Case.objects.filter(municipality__slug="subotica").count() == 80
    assert Case.objects.filter(status__in=OPEN_STATUSES).exists()
    assert Case.objects.exclude(status__in=OPEN_STATUSES).exists()
    assert len(set(Case.objects.values_list("channel", flat=True))) >= 5
    assert CaseEvent.objects.count() >= 5 * 400
    assert InboundMessage.objects.count() >= 2 * 400
    assert Document.objects.exclude(text="").exists()
    assert Client.objects.filter(kind=Client.Kind.BUSINESS).exists()
    assert any("\u0400" <= ch <= "\u04ff" for name in
               Client.objects.values_list("last_name", flat=True) for ch in name)
    message = InboundMessage.objects.first()
    assert message.search_text == fold(f"{message.subject} {message.body_text}")

    out = tmp_path / "figures.json"
    call_command("bench", "queries", "--repeat", "2", "--json", str(out))
    figures = json.loads(out.read_text())["figures"]
    pages = {f["page"] for f in figures}
    assert {"inbox admin all due deep", "search admin phone notation 3",
            "client page admin (hundreds of cases)", "api cases admin deep",
            "dashboard province (supervisor)"} <= pages
    assert all(f["status"] == 200 for f in figures), [f for f in figures
                                                      if f["status"] != 200]
    call_command("bench", "queries", "--repeat", "2", "--only", "api cases admin",
                 "--compare", str(out))
    assert "compared with" in capsys.readouterr().out


def _sqlite_schema():
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                       "WHERE name NOT LIKE 'sqlite_stat%'")
        return sorted(cursor.fetchall(), key=repr)


@pytest.mark.django_db(transaction=True)
def test_seed_on_sqlite_leaves_the_schema_as_it_found_it_and_search_finds_its_rows():
    from django.db import connection
    if connection.vendor != "sqlite":
        pytest.skip("the search index's triggers are SQLite's")
    # A transactional test runs after others have flushed the tables, the data
    # migration's municipalities with them: load them as a fresh database has them.
    pilots.load(apps, None)
    before = _sqlite_schema()
    call_command("bench", "seed", "--municipalities", "1", "--cases", "60")
    assert _sqlite_schema() == before
    case = Case.objects.order_by("pk").last()
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM salter_search_case WHERE search_text MATCH ?",
                       ['"' + case.tracking_code.lower() + '"'])
        _first, last = searchindex.key_range(case.municipality_id)
        assert last - case.pk in [row[0] for row in cursor.fetchall()]
        # The rebuild indexed every case the load wrote while the triggers were gone.
        cursor.execute("SELECT count(*) FROM salter_search_case")
        assert cursor.fetchone()[0] == Case.objects.count()
