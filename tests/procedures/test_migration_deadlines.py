"""Existing rules and cases under routing conditions and deadlines as rows (migrations
procedures 0006–0008), on a database of their own."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SALTER = Path(sys.executable).with_name("salter")
NOW = "2026-03-02 08:00:00"


@pytest.fixture
def before(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
           "SALTER_VAR_DIR": str(tmp_path)}

    def migrate(*target):
        subprocess.run([str(SALTER), "migrate", "-v0", *target], env=env, check=True)

    for app, name in (("tenancy", "0002"), ("procedures", "0005"), ("cases", "0003"),
                      ("channels", "0006")):
        migrate(app, name)
    return tmp_path / "old.sqlite3", migrate


def _insert(db, table: str, **row) -> int:
    columns = ", ".join(f'"{column}"' for column in row)
    marks = ", ".join("?" for _ in row)
    return db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                      list(row.values())).lastrowid


def _case(db, municipality, number, case_type, status, *, due=None, resolved=None):
    return _insert(db, "cases_case", municipality_id=municipality, registry_number=number,
                   year=2026, sequence=int(number.split("-")[-1]), tracking_code=number,
                   subject="Predmet", description="", channel="email", case_type_id=case_type,
                   department_id=None, assignee_id=None, priority=20, status=status,
                   language="sr-latn", parent_id=None, merged_into_id=None, search_text="",
                   created_at="2026-03-02 08:00:00", updated_at=NOW, due_at=due,
                   resolved_at=resolved, closed_at=None)


def test_rules_get_conditions_municipalities_a_default_and_cases_their_deadlines(before):
    path, migrate = before
    with sqlite3.connect(path) as db:
        m = db.execute("SELECT id FROM tenancy_municipality WHERE slug='subotica'").fetchone()[0]
        for weekday in range(5):
            _insert(db, "tenancy_workinghours", municipality_id=m, weekday=weekday,
                    opens="07:30:00", closes="15:30:00")
        desk = _insert(db, "tenancy_department", municipality_id=m, name="Pisarnica",
                       kind="service", registry_unit="IV-01", email="", is_active=1)
        general = _insert(db, "procedures_casetype", municipality_id=m, name="Opšta pitanja",
                          code="general-inquiry", classification="030", keywords="",
                          is_active=1, first_response_rule="1 working day",
                          resolution_rule="8 calendar days", category="inquiry",
                          description="", translations="{}", priority=20,
                          required_fields="[]", checklist="[]", reply_templates="[]",
                          is_public=1, department_id=desk)
        endpoint = _insert(db, "channels_endpoint", municipality_id=m, channel="email",
                           address="cistoca@subotica.rs", label="", is_active=1)
        rules = {match: _insert(db, "procedures_routingrule", municipality_id=m, order=10,
                                match=match, value=value, case_type_id=general,
                                is_active=1)
                 for match, value in (("keyword", "smeće, otpad"),
                                      ("sender_domain", "@MUP.gov.rs"),
                                      ("mailbox", str(endpoint)),
                                      ("business_sender", ""))}
        empty = _insert(db, "procedures_routingrule", municipality_id=m, order=20,
                        match="keyword", value=" ", case_type_id=general, is_active=1)
        typed = _case(db, m, "IV-1", general, "in_progress", due="2026-03-10 22:59:59")
        untyped = _case(db, m, "IV-2", None, "new")
        resolved = _case(db, m, "IV-3", general, "resolved", resolved="2026-03-05 10:00:00")
        _insert(db, "channels_outboundmessage", municipality_id=m, channel="email",
                purpose="reply", case_id=resolved, recipient="a@example.net", subject="",
                body_text="Odgovor", language="", external_id="<x@y>", metadata="{}",
                state="sent", attempts=1, next_attempt_at=NOW, last_error="",
                created_at="2026-03-03 09:00:00")

    migrate()

    with sqlite3.connect(path) as db:
        def rule(pk):
            return db.execute("SELECT keywords, sender_domain, endpoint_id, client_kind, "
                              "is_active FROM procedures_routingrule WHERE id=?",
                              [pk]).fetchone()

        assert rule(rules["keyword"]) == ("smeće, otpad", "", None, "", 1)
        assert rule(rules["sender_domain"]) == ("", "mup.gov.rs", None, "", 1)
        assert rule(rules["mailbox"]) == ("", "", endpoint, "", 1)
        assert rule(rules["business_sender"]) == ("", "", None, "business", 1)
        assert rule(empty)[-1] == 0  # left without a condition: it would match everything
        assert db.execute("SELECT case_type_id, department_id FROM procedures_routingrule "
                          "WHERE municipality_id=? AND is_default", [m]).fetchall() == [
            (general, desk)]

        def deadlines(case):
            return dict(((kind, (state, due, met)) for kind, state, due, met in db.execute(
                "SELECT kind, state, due_at, met_at FROM procedures_deadline WHERE case_id=?",
                [case])))

        kept = deadlines(typed)
        assert kept["resolution"] == ("running", "2026-03-10 22:59:59", None)
        assert kept["first_response"][0] == "running"
        done = deadlines(resolved)
        assert done["first_response"][0::2] == ("met", "2026-03-03 09:00:00")
        assert done["resolution"][0::2] == ("met", "2026-03-05 10:00:00")
        given = db.execute("SELECT case_type_id, department_id, due_at FROM cases_case "
                           "WHERE id=?", [untyped]).fetchone()
        assert given[:2] == (general, desk) and given[2] is not None
        assert set(deadlines(untyped)) == {"first_response", "resolution"}
        assert db.execute("SELECT actor_label FROM cases_caseevent WHERE case_id=?",
                          [untyped]).fetchall() == [("salter:default-route",)]

    migrate("procedures", "0005")
    with sqlite3.connect(path) as db:
        back = dict(db.execute("SELECT id, match FROM procedures_routingrule").fetchall())
        assert back[rules["mailbox"]] == "mailbox" and back[rules["keyword"]] == "keyword"
        assert len(back) == 5  # the default rule is gone with the deadlines
