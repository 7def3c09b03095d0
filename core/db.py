"""Database helpers for every room: the slow-query log (an execute wrapper on every
connection, including the Celery worker's, that logs any statement slower than
`KITH_SLOW_QUERY_MS`), server-side prepared statements for hot statements
(`prepared_cursor`, switched off by `DATABASE_PREPARED_STATEMENTS=off` behind a
transaction-mode pooler) and reads that may go to the read replica (`lag_tolerant`)."""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from celery.signals import task_prerun
from django.conf import settings
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections

slow_log = logging.getLogger("kith.db.slow")


def slow_query_logger(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        threshold = settings.KITH_SLOW_QUERY_MS
        if threshold and elapsed_ms >= threshold:
            # The statement text without parameters: parameters can be personal data.
            slow_log.warning(
                "slow query %.0f ms",
                elapsed_ms,
                extra={
                    "event": "slow_query",
                    "duration_ms": round(elapsed_ms, 1),
                    "sql": sql[:2000],
                    "many": many,
                },
            )


def install_slow_query_logger(sender, connection, **kwargs) -> None:
    """`connection_created` receiver; a reconnect reuses the wrapper list, so add once. The
    primary's connections also note writes, which pin later lag-tolerant reads to it."""
    if slow_query_logger not in connection.execute_wrappers:
        connection.execute_wrappers.append(slow_query_logger)
    if connection.alias == DEFAULT_DB_ALIAS and note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(note_writes)


# --- Reads that tolerate lag: the read replica ---------------------------------------------
REPLICA = "replica"
# Statements that may change data (a WITH may); anything else (SELECT, SET, SHOW…) reads.
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "WITH", "CREATE", "ALTER", "DROP")
_lag_tolerant: contextvars.ContextVar[bool] = contextvars.ContextVar("lag_tolerant", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("wrote_primary", default=False)


def note_writes(execute, sql, params, many, context):
    """Execute wrapper on the primary: a request (or task) that wrote reads its own writes,
    so its lag-tolerant reads stay on the primary from then on."""
    if not _wrote.get() and sql and sql.lstrip()[:8].upper().startswith(_WRITE_VERBS):
        _wrote.set(True)
    return execute(sql, params, many, context)


def forget_writes(**kwargs) -> None:
    """A new request or task starts unpinned (`request_started`, Celery's `task_prerun`)."""
    _wrote.set(False)


request_started.connect(forget_writes, dispatch_uid="kith_forget_writes")
task_prerun.connect(forget_writes, dispatch_uid="kith_forget_writes", weak=False)


def replica_alias() -> str:
    """The database a read that tolerates a few seconds' lag should use now: the replica
    when one is configured (`DATABASE_REPLICA_URL`), unless this request or task has
    written or is inside a transaction on the primary (it must see its own writes and one
    snapshot); the primary otherwise."""
    if REPLICA not in settings.DATABASES or _wrote.get():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


def lag_tolerant_reads() -> bool:
    """Whether the caller marked the reads now running as tolerant of lag."""
    return _lag_tolerant.get()


@contextmanager
def lag_tolerant() -> Iterator[str]:
    """Mark reads that may be a few seconds stale (aggregates for dashboards, open data,
    `/metrics`): inside, ORM reads go to `replica_alias()` (`config.db_router`), and raw SQL
    should use the alias it yields: `with lag_tolerant() as db: connections[db].cursor()`.
    Writes always go to the primary. Never for what a person has just changed."""
    token = _lag_tolerant.set(True)
    try:
        yield replica_alias()
    finally:
        _lag_tolerant.reset(token)


@contextmanager
def lag_tolerant_cursor():
    """A cursor for raw SQL that may read a few seconds' stale data (dashboards' and open
    data's aggregates, `/metrics`): on the replica when `lag_tolerant()` would choose it."""
    with lag_tolerant() as alias, connections[alias].cursor() as cursor:
        yield cursor


# How many runs of the same statement on one connection before psycopg prepares it. Only the
# cursors `prepared_cursor` makes use it: Django's own cursors bind on the client and are
# never prepared.
PREPARE_THRESHOLD = 2


@contextmanager
def prepared_cursor(using: str = "default"):
    """A cursor for a hot statement of fixed shape that PostgreSQL should parse and analyse
    once per connection rather than on every run (the matching candidate statements: long
    SQL over many tables, run on every ranking).

    It binds parameters on the server, so psycopg prepares a statement after
    `PREPARE_THRESHOLD` runs and then sends only its name and parameters. Whether PostgreSQL
    may then reuse a generic plan is the caller's choice (`matching.candidates.knn_planner`
    keeps custom plans). It goes through Django's cursor wrapper, so execute wrappers (the
    slow-query log) and `assertNumQueries` see it as any other query. Pass parameters with the
    types PostgreSQL should see (the SQL casts where a Python value's type would be
    ambiguous). A connection pooler in front of PostgreSQL must keep prepared statements
    (PgBouncer 1.21+ with `max_prepared_statements`), or run with
    `DATABASE_PREPARED_STATEMENTS=off`; see docs/deploy.md.
    """
    connection = connections[using]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    # Off (`DATABASE_PREPARED_STATEMENTS=off`): psycopg's unnamed statements only, which a
    # transaction-mode pooler can pass to any server connection.
    raw.prepare_threshold = PREPARE_THRESHOLD if settings.DATABASE_PREPARED_STATEMENTS else None
    # Django's own cursor set-up (time zone loaders), with a server-binding cursor class.
    client_factory = raw.cursor_factory
    raw.cursor_factory = psycopg.Cursor
    try:
        with connection.wrap_database_errors:
            # Private to Django's backends (absent from the stubs): the set-up every cursor gets.
            wrapped = connection._prepare_cursor(  # type: ignore[attr-defined]
                connection.create_cursor()
            )
    finally:
        raw.cursor_factory = client_factory
    with wrapped:
        yield wrapped
