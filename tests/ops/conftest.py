"""Redis and a real Celery worker in its own process (tests/kit/worker.py)."""

from tests.kit.worker import producer, redis_on_loopback, worker_process  # noqa: F401 - fixtures
