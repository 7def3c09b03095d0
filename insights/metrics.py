"""Prometheus metrics read at scrape time: matches made, time to match, needs waiting and
queue depth.

Nothing is counted in process memory, so the figures are the same whichever gunicorn worker
answers the scrape and survive restarts. The measures are those of `insights.measures`, so
time to match here is the oversight dashboard's time to match.
"""

from __future__ import annotations

import logging

from django.conf import settings
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily

from core.db import lag_tolerant_cursor
from insights import measures

logger = logging.getLogger(__name__)

TIME_TO_MATCH_WINDOW_DAYS = 30
TIME_TO_MATCH_QUANTILES = ("0.5", "0.9", "0.99")

_MATCHES_MADE_SQL = f"""
SELECT c.slug, count(*)
FROM matching_match m JOIN accounts_council c ON c.id = m.council_id
WHERE {measures.MATCH_ACCEPTED}
GROUP BY c.slug ORDER BY c.slug
"""  # noqa: S608 – the fragments are constants of insights.measures

# The needs first matched in the window: found from the matches accepted in it, so that a
# scrape reads recent matches rather than every need.
_TIME_TO_MATCH_SQL = f"""
SELECT c.slug,
       percentile_cont(%(quantiles)s::float8[]) WITHIN GROUP (
           ORDER BY {measures.SECONDS_TO_MATCH})
FROM marketplace_need n
JOIN accounts_council c ON c.id = n.council_id
{measures.FIRST_MATCH}
WHERE n.id IN (
    SELECT m.need_id FROM matching_match m
    WHERE m.accepted_at >= now() - make_interval(days => %(days)s))
  AND first_match.matched_at >= now() - make_interval(days => %(days)s)
GROUP BY c.slug ORDER BY c.slug
"""  # noqa: S608 – the fragments are constants of insights.measures

_NEEDS_WAITING_SQL = f"""
SELECT c.slug, count(*)
FROM marketplace_need n JOIN accounts_council c ON c.id = n.council_id
WHERE {measures.WAITING}
GROUP BY c.slug ORDER BY c.slug
"""  # noqa: S608 – the fragments are constants of insights.measures


class KithCollector:
    def collect(self):
        yield from self._matches()
        yield from self._queues()

    def _matches(self):
        made = CounterMetricFamily(
            "kith_matches_made",
            "Matches both people agreed to (accepted), by council.",
            labels=["council"],
        )
        ttm = GaugeMetricFamily(
            "kith_time_to_match_seconds",
            f"Time from a need being recorded to its first match being accepted, over needs "
            f"first matched in the last {TIME_TO_MATCH_WINDOW_DAYS} days.",
            labels=["council", "quantile"],
        )
        waiting = GaugeMetricFamily(
            "kith_needs_waiting",
            "Needs waiting for help (open), by council.",
            labels=["council"],
        )
        with lag_tolerant_cursor() as cursor:
            cursor.execute(_MATCHES_MADE_SQL)
            for slug, count in cursor.fetchall():
                made.add_metric([slug], count)
            cursor.execute(
                _TIME_TO_MATCH_SQL,
                {
                    "quantiles": [float(q) for q in TIME_TO_MATCH_QUANTILES],
                    "days": TIME_TO_MATCH_WINDOW_DAYS,
                },
            )
            for slug, quantiles in cursor.fetchall():
                for q, value in zip(TIME_TO_MATCH_QUANTILES, quantiles, strict=True):
                    ttm.add_metric([slug, q], value)
            cursor.execute(_NEEDS_WAITING_SQL)
            for slug, count in cursor.fetchall():
                waiting.add_metric([slug], count)
        yield made
        yield ttm
        yield waiting

    def _queues(self):
        depth = GaugeMetricFamily(
            "kith_queue_depth",
            "Tasks waiting in each Celery queue on the broker.",
            labels=["queue"],
        )
        up = GaugeMetricFamily("kith_broker_up", "1 when the broker answered this scrape.")
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith(("redis://", "rediss://")):
            yield depth
            return
        import redis

        client = redis.Redis.from_url(broker, socket_timeout=1, socket_connect_timeout=1)
        try:
            lengths = {queue: client.llen(queue) for queue in settings.KITH_CELERY_QUEUES}
        except redis.RedisError as exc:
            logger.warning("metrics: broker unreachable: %s", exc)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for queue, length in lengths.items():
                depth.add_metric([queue], length)
        finally:
            client.close()
        yield depth
        yield up


def registry() -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(KithCollector())
    return reg
