"""Run by tests/ops/test_read_replica.py in a process of its own, with DATABASE_URL on a
private primary and DATABASE_REPLICA_URL on its streaming replica: what Kith reads where,
printed as one JSON line for the test to judge.

Each "request" starts as a real one does (`request_started`), so writes of one do not pin
the next to the primary."""

from __future__ import annotations

import json
import time

import django

django.setup()

from django.contrib.gis.geos import MultiPolygon, Polygon  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connections, transaction  # noqa: E402

from accounts.models import Council  # noqa: E402
from core.db import lag_tolerant, replica_alias  # noqa: E402

SQUARE = MultiPolygon(Polygon.from_bbox((-1.6, 53.7, -1.4, 53.9)), srid=4326)


def new_request() -> None:
    request_started.send(sender=None)


def council(slug: str) -> Council:
    return Council.objects.create(name=slug, slug=slug, code=slug[:12], boundary=SQUARE)


def lagging_count(slug: str) -> int:
    with lag_tolerant():
        return Council.objects.filter(slug=slug).count()


def in_recovery(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return cursor.fetchone()[0]


def _paused(cursor) -> bool:
    cursor.execute("SELECT pg_get_wal_replay_pause_state()")
    return cursor.fetchone()[0] == "paused"


def wait_until(check, timeout: float = 15.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise SystemExit("timed out")
        time.sleep(0.05)
    return round(time.monotonic() - started, 3)


seen: dict = {}
new_request()
seen["default_in_recovery"] = in_recovery("default")
seen["replica_in_recovery"] = in_recovery("replica")
seen["alias_at_start"] = replica_alias()

# Streaming: a row written on the primary reaches the replica.
council("first")
seen["alias_after_a_write"] = replica_alias()
new_request()
seen["first_replicated_after_s"] = wait_until(lambda: lagging_count("first") == 1)

# The replica stops replaying: now it lags behind the primary for sure.
with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_pause()")
    wait_until(lambda: _paused(cursor))


new_request()
council("second")
new_request()
seen["lag_tolerant_read"] = lagging_count("second")
seen["plain_read"] = Council.objects.filter(slug="second").count()
with lag_tolerant() as alias:
    seen["raw_sql_alias"] = alias
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_council WHERE slug = 'second'")
        seen["raw_sql_read"] = cursor.fetchone()[0]
with transaction.atomic():
    seen["read_in_transaction"] = lagging_count("second")
    seen["alias_in_transaction"] = replica_alias()
seen["lag_tolerant_read_after_transaction"] = lagging_count("second")

# A request that writes reads its own writes from then on, marked or not.
new_request()
Council.objects.filter(slug="first").update(name="First, renamed")
seen["read_after_own_write"] = lagging_count("second")

# Writes go to the primary even inside a lag-tolerant block (the replica is read-only).
new_request()
with lag_tolerant():
    seen["write_in_lag_tolerant"] = Council.objects.filter(slug="second").update(name="Second")
    seen["read_after_write_in_block"] = Council.objects.filter(slug="second").count()

with connections["replica"].cursor() as cursor:
    cursor.execute("SELECT pg_wal_replay_resume()")
new_request()
seen["second_replicated_after_resume_s"] = wait_until(lambda: lagging_count("second") == 1)
print(json.dumps(seen))
