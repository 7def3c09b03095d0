"""Every registered task goes to the queue of its kind (CELERY_TASK_ROUTES): alerts and
notifications, rounds, housekeeping (the beat jobs), default otherwise. A worker started with
`-Q` takes only its queue."""

from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]

# Each task Kith has, and the queue meant for it. A new task is added here on purpose.
INTENDED = {
    "matching.tasks.alert_urgent_need": "alerts",
    "matching.tasks.alert_requests_pending": "alerts",
    "matching.tasks.alert_waves_due": "alerts",
    "notifications.tasks.send_notification": "alerts",
    "notifications.tasks.send_queued": "alerts",
    "config.tasks.email_check": "alerts",
    "marketplace.tasks.listings_expire": "housekeeping",
    "matching.tasks.expire_stale_proposals": "housekeeping",
    "safeguarding.tasks.helper_checks_enforce_expiry": "housekeeping",
    "notifications.tasks.checks_expiring": "housekeeping",
    "notifications.tasks.failures_digest": "housekeeping",
    "arrangements.tasks.visits_ahead": "housekeeping",
    "arrangements.tasks.checkins": "housekeeping",
    "arrangements.tasks.still_needed": "housekeeping",
    "privacy.tasks.retention_apply": "housekeeping",
}
QUEUES = {"alerts", "rounds", "housekeeping", "default"}


def _queue(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def _registered() -> list[str]:
    app.loader.import_default_modules()  # what a worker does at start
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def _intended(name: str) -> str:
    if name in INTENDED:
        return INTENDED[name]
    if name.startswith("matching.tasks.round_"):  # rounds as background jobs
        return "rounds"
    beat_tasks = {entry["task"] for entry in settings.KITH_BEAT_SCHEDULE.values()}
    return "housekeeping" if name in beat_tasks else "default"


def test_each_registered_task_goes_to_the_queue_of_its_kind():
    registered = _registered()
    assert set(INTENDED) <= set(registered), "a task listed here is no longer registered"
    routed = {name: _queue(name) for name in registered}
    assert routed == {name: _intended(name) for name in registered}
    assert set(routed.values()) <= QUEUES


def test_rounds_and_unknown_tasks():
    assert _queue("matching.tasks.round_run") == "rounds"
    assert _queue("matching.tasks.round_cancel") == "rounds"
    assert _queue("matching.tasks.need_opened_elsewhere") == "default"
    assert _queue("insights.tasks.something_new") == "default"


def test_metrics_report_the_depth_of_every_queue():
    assert set(settings.KITH_CELERY_QUEUES) == QUEUES


def test_worker_commands_take_a_queue():
    procfile = (ROOT / "Procfile").read_text()
    assert "--queues ${KITH_WORKER_QUEUES:-alerts,rounds,housekeeping,default}" in procfile
    prod = (ROOT / "scripts" / "prod.sh").read_text()
    assert '--queues "$WORKER_QUEUES"' in prod
    unit = (ROOT / "deploy" / "kith-worker@.service").read_text()
    assert "--queues %i" in unit
    target = (ROOT / "deploy" / "kith.target").read_text()
    for queue in QUEUES:
        assert f"kith-worker@{queue}.service" in target


def test_routing_by_kind_can_be_switched_off_for_a_single_worker():
    """KITH_CELERY_ROUTES=off: every task on the default queue (the tests' own worker)."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup(); from config.celery import app; "
        "print(app.amqp.router.route({}, 'matching.tasks.alert_urgent_need')['queue'].name)"
    )
    env = {**os.environ, "KITH_CELERY_ROUTES": "off", "CELERY_TASK_DEFAULT_QUEUE": "only-one"}
    out = subprocess.run(  # noqa: S603 – fixed arguments
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "only-one"
