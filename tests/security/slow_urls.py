"""The project's URLs plus pages whose database statement runs far longer than a web
request's budget, to see what the budget does to them."""

from django.db import connection
from django.http import HttpResponse
from django.urls import path

from salter.urls import handler400, handler403, handler404, handler500  # noqa: F401
from salter.urls import urlpatterns as project_urlpatterns


def slow_statement(seconds: float = 3.0) -> None:
    """One statement that keeps the database busy for about `seconds`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_sleep(%s)", [seconds])
        else:
            # A recursive count SQLite needs a few seconds for on these machines.
            cursor.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < %s) SELECT count(*) FROM n", [int(seconds * 10_000_000)])
        cursor.fetchall()


def slow(request):
    slow_statement(float(request.GET.get("seconds", "3")))
    return HttpResponse("done")


urlpatterns = [
    path("slow/", slow),
    path("api/slow/", slow),
    *project_urlpatterns,
]
