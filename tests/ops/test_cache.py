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
