"""Slow-query logging: a database execute wrapper on every connection, including the
Celery worker's, that logs any statement slower than `KITH_SLOW_QUERY_MS`."""

from __future__ import annotations

import logging
import time

from django.conf import settings

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
