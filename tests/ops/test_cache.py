"""The Redis cache backend (config.cache) against a real Redis: everything Kith asks of a
cache works, and calls share one client per connection pool instead of building one each."""

import threading
import uuid

from config.cache import RedisCache
from tests.kit.worker import BROKER

REDIS_URL = BROKER.rsplit("/", 1)[0] + "/13"


def _cache() -> RedisCache:
    return RedisCache(REDIS_URL, {"KEY_PREFIX": f"kith-test-{uuid.uuid4().hex}"})


def test_the_operations_kith_uses_work_on_a_real_redis():
    cache = _cache()
    assert cache.get("missing", "default") == "default"
    cache.set("history", [1.5, 2.5], 30)  # a throttle's request history
    assert cache.get("history") == [1.5, 2.5]
    assert cache.add("history", "other", 30) is False
    assert cache.incr(cache.get_or_set("count", 0, 30) and "count" or "count") == 1
    cache.set_many({"a": 1, "b": 2}, 30)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    cache.delete_many(["a", "b", "history", "count"])
    assert cache.get("a") is None and cache.get("history") is None


def test_calls_share_one_client_per_pool_across_threads():
    cache = _cache()
    clients = []

    def use():
        cache.set("k", "v", 30)
        clients.append(cache._cache.get_client(write=True))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in clients}) == 1
    assert cache.get("k") == "v"
    cache.delete("k")


def test_with_redis_unreachable_every_thread_counts_in_one_fallback():
    """Django makes a cache object per thread: while Redis is down, a sign-in limit or a
    throttle must still count the attempts of every thread of the process together, not
    start again from nothing in each."""
    # A port nothing listens on: every call falls back.
    params = {"KEY_PREFIX": f"kith-test-{uuid.uuid4().hex}", "OPTIONS": {"socket_timeout": 1}}
    location = "redis://127.0.0.1:1/0"
    seen = []

    def attempt():
        cache = RedisCache(location, params)  # as each thread gets its own
        cache.add("attempts", 0, 60)
        seen.append(cache.incr("attempts"))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [1, 2, 3, 4, 5, 6]
    assert RedisCache(location, params).get("attempts") == 6
