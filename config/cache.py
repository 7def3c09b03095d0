"""Django's Redis cache, with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call, and
each one copies redis-py's table of ~170 response callbacks: on an API request that checks a
throttle (one read, one write) that was about 4 % of the request's CPU. A `redis.Redis` takes a
connection from its pool only for the length of each command, so one per pool can be shared by
every thread of a process (redis-py documents it as thread-safe); pools reset themselves in a
forked child.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


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
