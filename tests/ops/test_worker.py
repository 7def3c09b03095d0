"""Tasks really run on a separate Celery worker through Redis, and /healthz sees the worker."""

import time

import pytest
from django.test import override_settings

from tests.kit import factories as make
from tests.kit.worker import BROKER, WORKER_NAME

# Serialized, as every transactional test here is: a plain flush re-creates the content types
# under new ids, which the next serialized test's restore then collides with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _wait_for_files(folder, *, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log"))
        if files:
            return files
        time.sleep(0.1)
    return []


def test_email_task_is_sent_by_the_worker_through_redis(worker_process, producer):
    result = producer.send_task(
        "config.tasks.email_check",
        kwargs={"to": "ops@council.example"},
        queue=worker_process["queue"],
    )
    files = _wait_for_files(worker_process["mail_dir"])
    assert files, worker_process["log"].read_text()
    message = files[0].read_text()
    assert "To: ops@council.example" in message
    assert "Subject: [Kith] Email check" in message
    assert "sent by a background worker" in message
    log = worker_process["log"].read_text()
    assert result.id in log and "succeeded" in log


# A loaded CI machine can take over a second to answer the first ping; `limit=1` returns as
# soon as the worker does.
@override_settings(
    CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=BROKER, KITH_HEALTH_WORKER_TIMEOUT=10
)
def test_healthz_reports_the_running_worker(client, worker_process):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"]["ok"] is True
    worker = body["checks"]["worker"]
    assert worker["ok"] is True
    assert worker["workers"]  # this run's worker, or another test run's on the same Redis
    assert all(name.startswith("kith-test-") for name in worker["workers"]), WORKER_NAME


def test_urgent_need_alert_email_is_sent_by_the_worker_through_redis(worker_process, producer):
    from django.contrib.sites.models import Site

    from matching.models import AlertSent
    from matching.services import alert_preference_update

    # Transactional tests empty django_site; alert emails link back to the site.
    Site.objects.update_or_create(pk=1, defaults={"domain": "kith.example", "name": "Kith"})
    council = make.council()
    helper = make.person(council=council, home=make.point_at(400, 0))
    alert_preference_update(user=helper, opted_in=True)
    make.offer_row(council=council, helper=helper, at=make.point_at(400, 0), radius_m=8000)
    need = make.need_row(council=council, urgency="urgent")
    mail_dir = worker_process["mail_dir"]
    before = set(mail_dir.glob("*.log"))

    # What `matching.tasks.need_opened` does after commit in the web process.
    producer.send_task(
        "matching.tasks.alert_urgent_need", args=[need.pk], queue=worker_process["queue"]
    )

    deadline = time.monotonic() + 30
    new = []
    while time.monotonic() < deadline and not new:
        new = [p for p in mail_dir.glob("*.log") if p not in before]
        time.sleep(0.1)
    assert new, worker_process["log"].read_text()
    message = new[0].read_text()
    assert f"To: {helper.email}" in message
    assert "Someone near you needs help soon" in message
    # The worker wrote its record into the same (test) database.
    assert AlertSent.objects.filter(need=need, helper=helper).exists()
