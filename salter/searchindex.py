"""The database's search indexes over the folded texts (decision 17).

Four tables keep a folded `search_text` (Latin script, lower case, no diacritics, đ as
dj — `salter.lang.transliteration.fold`): cases (number, code, subject, parties' names),
clients (names, identifiers, contacts), inbound messages (subject and text) and
documents (file name and OCR text). `salter.search` matches words and parts of words in
them through an index, on each database the way it offers:

- **PostgreSQL**: a GIN trigram index (`pg_trgm`, `gin_trgm_ops`) on each column, which
  answers `search_text LIKE '%rdjev%'` from the index for any part of three letters or
  more, and a GIN full-text index (`to_tsvector('simple', …)`) on cases and clients for
  whole words, which ranks.
- **SQLite**: a contentless FTS5 table with the trigram tokenizer per table (the text is
  not stored twice), kept by triggers — so the index changes in the same transaction as
  the row, whichever code path writes it. Its rows are keyed by municipality and row,
  newest first (`key_range`): a search reads the matches of its own municipality only,
  by a range of keys, and FTS5 reads matches lazily, and at their cheapest, in ascending
  order of their keys — so a list that shows the newest few of a frequent word
  (`salter.search.newest_matching`) stops after those instead of reading every match
  of the province.

Plain SQL, no models: the migration that installs it must not depend on today's models.
Django's SQLite schema editor rebuilds a table for some changes and drops its triggers
with it, so `install` runs again after every `migrate` (`salter.apps`), re-creates what
is missing and rebuilds an index whose triggers were gone.
"""

# table, FTS5 table, whether it gets a full-text (word) index on PostgreSQL
SOURCES = (
    ("cases_case", "salter_search_case", True),
    ("clients_client", "salter_search_client", True),
    ("channels_inboundmessage", "salter_search_message", False),
    ("documents_document", "salter_search_document", False),
)


# A key of the SQLite indexes: the municipality's id in the bits above ROW_BITS, the
# row's id counted down from ROW_MASK in those below (room for a trillion rows of each
# table), so that the newest row of a municipality has its lowest key.
ROW_BITS = 40
ROW_MASK = (1 << ROW_BITS) - 1
_DEFINITION = "USING fts5(search_text, content='', tokenize='trigram')"


def _key(row: str) -> str:
    return f"(({row}municipality_id << {ROW_BITS}) | ({ROW_MASK} - {row}id))"


def fts_table(table: str) -> str:
    return next(fts for source, fts, _words in SOURCES if source == table)


def key_range(municipality_id: int) -> tuple[int, int]:
    """The first and last key of a municipality's rows in an SQLite index; a row's id is
    the last less its key."""
    first = municipality_id << ROW_BITS
    return first, first + ROW_MASK


def install(connection) -> None:
    if connection.vendor == "sqlite":
        _install_sqlite(connection)
    elif connection.vendor == "postgresql":
        _install_postgresql(connection)


def drop_sqlite_triggers(connection) -> None:
    """Stop keeping the SQLite indexes, for a bulk load (`salter bench seed`): `install`
    then re-creates the triggers and rebuilds each index once from its table."""
    with connection.cursor() as cursor:
        for _table, fts, _words in SOURCES:
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")


def uninstall(connection) -> None:
    if connection.vendor == "sqlite":
        drop_sqlite_triggers(connection)
    with connection.cursor() as cursor:
        for table, fts, words in SOURCES:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")
                if words:
                    cursor.execute(f"DROP INDEX IF EXISTS {table}_search_words")


def _install_postgresql(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table, _fts, words in SOURCES:
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} "
                           "USING gin (search_text gin_trgm_ops)")
            if words:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {table}_search_words ON {table} "
                               "USING gin (to_tsvector('simple', search_text))")


def _install_sqlite(connection) -> None:
    new, old = _key("new."), _key("old.")
    with connection.cursor() as cursor:
        for table, fts, _words in SOURCES:
            cursor.execute("SELECT name, sql FROM sqlite_master "
                           "WHERE type IN ('table', 'trigger') AND name LIKE %s", [f"{fts}%"])
            present = {name: sql or "" for name, sql in cursor.fetchall()}
            current = _DEFINITION in present.get(fts, "")
            if (current and new in present.get(f"{fts}_ai", "")
                    and old in present.get(f"{fts}_ad", "")
                    and new in present.get(f"{fts}_au", "")):
                continue
            # Missing, without its triggers, or of an earlier layout (external content
            # keyed by the row's id alone): made anew from the rows.
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            if not current:
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
                cursor.execute(f"CREATE VIRTUAL TABLE {fts} {_DEFINITION}")
            # A contentless index forgets a row only when told the text it was given.
            cursor.execute(f"""CREATE TRIGGER {fts}_ai AFTER INSERT ON {table}
                BEGIN INSERT INTO {fts}(rowid, search_text) VALUES ({new}, new.search_text);
                END""")
            cursor.execute(f"""CREATE TRIGGER {fts}_ad AFTER DELETE ON {table}
                BEGIN INSERT INTO {fts}({fts}, rowid, search_text)
                VALUES ('delete', {old}, old.search_text); END""")
            cursor.execute(f"""CREATE TRIGGER {fts}_au
                AFTER UPDATE OF search_text, municipality_id ON {table}
                BEGIN INSERT INTO {fts}({fts}, rowid, search_text)
                VALUES ('delete', {old}, old.search_text);
                INSERT INTO {fts}(rowid, search_text) VALUES ({new}, new.search_text); END""")
            # Whatever the rows hold now, whether the index is new or lost its triggers.
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")
            cursor.execute(f"INSERT INTO {fts}(rowid, search_text) "
                           f"SELECT {_key('')}, search_text FROM {table}")
