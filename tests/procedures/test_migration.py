"""Existing case types keep their deadlines when they become procedures (migrations
procedures 0002–0004), run on a database of their own, forward and back."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SALTER = Path(sys.executable).with_name("salter")


@pytest.fixture
def old_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}",
           "SALTER_VAR_DIR": str(tmp_path)}

    def migrate(*target):
        subprocess.run([str(SALTER), "migrate", "-v0", *target], env=env, check=True)

    migrate("tenancy", "0002")
    migrate("procedures", "0001_initial")
    return tmp_path / "old.sqlite3", migrate


def test_resolution_days_become_calendar_day_rules_and_every_type_gets_a_code(old_database):
    path, migrate = old_database
    with sqlite3.connect(path) as db:
        subotica = db.execute(
            "SELECT id FROM tenancy_municipality WHERE slug = 'subotica'").fetchone()[0]
        db.executemany(
            "INSERT INTO procedures_casetype (municipality_id, name, classification, "
            "resolution_days, keywords, is_active) VALUES (?, ?, ?, ?, '', 1)",
            [(subotica, "Informacije od javnog značaja", "031", 15),
             (subotica, "Đubre", "352", 1),
             (subotica, "Djubre", "352", None)])
    migrate()
    with sqlite3.connect(path) as db:
        rows = [(*row[:-1], json.loads(row[-1])) for row in db.execute(
            "SELECT name, code, first_response_rule, resolution_rule, category, translations "
            "FROM procedures_casetype ORDER BY id")]
        columns = [c[1] for c in db.execute("PRAGMA table_info(procedures_casetype)")]
    assert rows == [
        ("Informacije od javnog značaja", "informacije-od-javnog-znacaja", "1 working day",
         "15 calendar days", "information",
         {"hu": {"name": "Közérdekű információk"},
          "en": {"name": "Information of public importance"}}),
        ("Đubre", "djubre", "1 working day", "1 calendar day", "communal", {}),
        # No days before: ZUP's general 30 days, since every procedure has a deadline now.
        ("Djubre", "djubre-2", "1 working day", "30 calendar days", "communal", {}),
    ]
    assert "resolution_days" not in columns

    migrate("procedures", "0002")
    with sqlite3.connect(path) as db:
        days = db.execute("SELECT resolution_days FROM procedures_casetype ORDER BY id")
        assert [d for (d,) in days] == [15, 1, 30]
