"""Reading query plans in tests: does a query walk an index, or the whole table?

On PostgreSQL the tables of a test hold a handful of rows, and the planner rightly reads
those with a sequential scan and sorts them. With `enable_seqscan` and `enable_sort` off
it still does so when nothing else can answer the query: a Seq Scan or Sort left in that
plan means no index serves the query (the test asks "can", not "will at this size").
SQLite's planner chooses indexes by their shape, so its plan is read as it is.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def _index_only():
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_sort = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_sort")


def plan(queryset) -> str:
    with _index_only():
        return queryset.explain()


def full_scans(text: str, table: str) -> list[str]:
    """The plan's lines that read every row of `table`."""
    lines = text.splitlines()
    if connection.vendor == "postgresql":
        return [line for line in lines if f"Seq Scan on {table}" in line]
    # SQLite: "SCAN t" is the table, "SCAN t USING [COVERING] INDEX i" an index walk.
    return [line for line in lines
            if f"SCAN {table}" in line and "USING" not in line and "VIRTUAL" not in line]


def sorts(text: str) -> list[str]:
    """The plan's lines that sort rows (rather than read them in an index's order)."""
    lines = text.splitlines()
    if connection.vendor == "postgresql":
        return [line for line in lines if line.strip().lstrip("->").strip().startswith(
            ("Sort", "Incremental Sort"))]
    return [line for line in lines if "TEMP B-TREE FOR ORDER BY" in line]


def indexes_used(text: str) -> str:
    return text


def plan_of(sql: str) -> str:
    """The plan of a statement as it was sent (`CaptureQueriesContext`), values included."""
    with _index_only(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
