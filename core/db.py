"""Slow-query logging: a database execute wrapper on every connection, including the
Celery worker's, that logs any statement slower than `KITH_SLOW_QUERY_MS`."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager

import psycopg
from django.conf import settings
from django.db import connections

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
    """`connection_created` receiver; a reconnect reuses the wrapper list, so add once."""
    if slow_query_logger not in connection.execute_wrappers:
        connection.execute_wrappers.append(slow_query_logger)


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
    (PgBouncer 1.21+ with `max_prepared_statements`; see docs/deploy.md).
    """
    connection = connections[using]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_THRESHOLD
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
