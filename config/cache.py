"""Django's Redis cache, with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and
each one copies redis-py's table of ~170 response callbacks: on an API request that checks a
throttle (one read, one write) that was about 4 % of the request's CPU. A `redis.Redis` takes a
connection from its pool only for the length of each command, so one per pool can be shared by
every thread of a process (redis-py documents it as thread-safe); pools reset themselves in a
forked child.

When Redis cannot be reached, each cache call falls back to a cache in the process's own
memory instead of failing, so that rate limits (DRF's throttles, allauth's sign-in limits)
keep counting per process (all its threads together) and every page and API call that reads
them keeps answering. Redis is tried again on every call, so the shared counts return with it.
"""

from __future__ import annotations

import logging
import time

import redis
from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Log an outage at most this often per process.
OUTAGE_LOG_SECONDS = 60


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        # Django makes a cache object per thread; the fallback is named by where the cache
        # points (and its key prefix), not by the object, so every thread of a process counts
        # in the same memory (LocMemCache shares the storage of one name).
        name = f"kith-fallback-{params.get('KEY_PREFIX', '')}-{server}"
        self._fallback = LocMemCache(name, params)
        self._outage_logged_at = 0.0

    def _fall_back(self, name: str, error: Exception):
        now = time.monotonic()
        if now - self._outage_logged_at > OUTAGE_LOG_SECONDS:
            self._outage_logged_at = now
            logger.warning("Redis unreachable, caching in this process instead: %s", error)
        return getattr(self._fallback, name)


def _with_fallback(name: str):
    def call(self, *args, **kwargs):
        try:
            return getattr(django_redis.RedisCache, name)(self, *args, **kwargs)
        except REDIS_DOWN as error:
            return self._fall_back(name, error)(*args, **kwargs)

    call.__name__ = name
    call.__doc__ = f"`{name}` in Redis, or in this process while Redis cannot be reached."
    return call


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(RedisCache, _name, _with_fallback(_name))
