"""A time budget for every database statement a web request runs.

A page or an API call that makes the database work for minutes holds a connection, a
worker of the web server and, on PostgreSQL, memory of the server, while its caller has
long given up. So each statement of a web request may run at most
SALTER_WEB_STATEMENT_TIMEOUT_MS: on PostgreSQL as the session's `statement_timeout`
(set before the request's first statement, reset after its last), on SQLite with a
progress handler that interrupts the statement once its time is up. Workers, migrations
and commands do not pass through this middleware and keep running as long as they need.

A statement stopped so becomes a 503 with a message (`statement_timeout_response`), a
JSON one for the API, never a 500.
"""

import logging
import time
from contextlib import ExitStack

from django.conf import settings
from django.db import DatabaseError, OperationalError, connections

logger = logging.getLogger(__name__)

# SQLite calls the handler every this many virtual-machine instructions: often enough to
# stop within a millisecond, rarely enough to cost nothing measurable.
_SQLITE_STEPS = 10_000


def statement_budget_seconds() -> float:
    return max(0, settings.SALTER_WEB_STATEMENT_TIMEOUT_MS) / 1000


class _Budget:
    """Applies the budget to one connection for the length of one request."""

    def __init__(self, connection, seconds: float):
        self.connection = connection
        self.seconds = seconds
        self.deadline = 0.0
        self.tripped = False
        self._applied_to = None  # the DB-API connection the budget is set on
        self._applied_in_transaction = False

    def __call__(self, execute, sql, params, many, context):
        raw = self.connection.connection
        # A SET inside a transaction is undone if the transaction rolls back: after it,
        # set the budget again.
        if self._applied_to is not raw or (self._applied_in_transaction
                                           and not self.connection.in_atomic_block):
            self._apply(raw, context["cursor"].cursor)
        self.deadline = time.monotonic() + self.seconds
        return execute(sql, params, many, context)

    def _apply(self, raw, cursor) -> None:
        if self.connection.vendor == "postgresql":
            cursor.execute(f"SET statement_timeout = {int(self.seconds * 1000)}")
            self._applied_in_transaction = self.connection.in_atomic_block
        elif self.connection.vendor == "sqlite":
            raw.set_progress_handler(self._progress, _SQLITE_STEPS)
        self._applied_to = raw

    def _progress(self) -> int:
        # A non-zero answer makes SQLite abandon the statement ("interrupted"); the
        # deadline moves with every statement, fetching its rows included.
        if time.monotonic() > self.deadline:
            self.tripped = True
            return 1
        return 0

    def remove(self) -> None:
        raw = self._applied_to
        if raw is None or self.connection.connection is not raw:
            return  # never used, or closed and reopened meanwhile
        if self.connection.vendor == "sqlite":
            raw.set_progress_handler(None, 0)
        elif self.connection.vendor == "postgresql":
            try:
                with raw.cursor() as cursor:
                    cursor.execute("RESET statement_timeout")
            except Exception:  # a broken transaction ends with the request anyway
                logger.debug("could not reset statement_timeout", exc_info=True)


class StatementTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = statement_budget_seconds()
        if not seconds:
            return self.get_response(request)
        budgets = [_Budget(connections[alias], seconds) for alias in connections]
        request.statement_budgets = budgets
        with ExitStack() as stack:
            for budget in budgets:
                stack.enter_context(budget.connection.execute_wrapper(budget))
            try:
                return self.get_response(request)
            finally:
                for budget in budgets:
                    budget.remove()

    def process_exception(self, request, exception):
        if is_statement_timeout(request, exception):
            return statement_timeout_response(request)
        return None


def is_statement_timeout(request, exc: BaseException) -> bool:
    """Whether `exc` is a statement this request's budget (or an administrator) stopped."""
    if not isinstance(exc, OperationalError | DatabaseError):
        return False
    if any(b.tripped for b in getattr(request, "statement_budgets", ())):
        return True
    try:
        from psycopg.errors import QueryCanceled
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(exc.__cause__, QueryCanceled)


def statement_timeout_response(request):
    from salter.web.errors import error_response

    logger.warning("statement stopped after its time budget: %s %s", request.method,
                   request.path)
    return error_response(request, 503, headers={"Retry-After": "30"})
