"""/healthz reports each dependency: Redis (cache and broker) and the worker, besides the
database covered in tests/ops/test_healthz.py. Only the database (and the worker, when a
deployment requires it) makes it answer 503; the rest is "degraded"."""

import socket

import pytest
from django.test import override_settings

# A Redis database no worker listens on (tests/ops/test_worker.py's workers use 15).
SILENT_BROKER = "redis://127.0.0.1:6379/10"

pytestmark = pytest.mark.django_db


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_in_process_tasks_need_no_worker(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"] == {
        "ok": True,
        "required": False,
        "skipped": "tasks run in-process",
    }


@override_settings(REDIS_URL=SILENT_BROKER)
def test_cache_redis_checked_when_configured(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["cache"] == {"ok": True, "required": False}
    assert "down" not in body


def test_unreachable_cache_is_degraded_not_down(client):
    """Pages keep answering without Redis (config.cache falls back), so a load balancer must
    not take every web node out of service: 200, "degraded", and which part is down."""
    with override_settings(REDIS_URL=_closed_port_url()):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["down"] == ["cache"]
    assert body["checks"]["cache"] == {
        "ok": False,
        "required": False,
        "error": "cache unreachable",
    }
    assert body["checks"]["database"]["ok"] is True


def test_unreachable_broker_is_degraded_not_down(client):
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=_closed_port_url()):
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "degraded"
        assert body["down"] == ["broker", "worker"]
        assert body["checks"]["broker"]["ok"] is False
        assert body["checks"]["worker"] == {
            "ok": False,
            "required": False,
            "error": "broker unreachable",
        }
        # A deployment that cannot do without its worker says so: then it is down.
        with override_settings(KITH_HEALTH_REQUIRE_WORKER=True):
            assert client.get("/healthz").status_code == 503


@override_settings(
    CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=SILENT_BROKER, KITH_HEALTH_WORKER_TIMEOUT=0.3
)
def test_silent_worker_is_degraded_not_down(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["error"] == "no worker answered in 0.3 s"
    with override_settings(KITH_HEALTH_REQUIRE_WORKER=True):
        assert client.get("/healthz").status_code == 503
