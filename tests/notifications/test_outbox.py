"""The outbox: with the broker stopped, events still commit and their notifications wait in
the database; once the broker is back, the beat job sends them. A Redis of the test's own,
stopped by its process id, is the broker."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from django.core import mail

from config.celery import app as celery_app
from matching import services as matching
from notifications.models import Channel, Notification, Status
from notifications.tasks import send_queued
from tests.kit import factories as make

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int, folder) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("This test needs redis-server: apt-get install redis-server")
    proc = subprocess.Popen(  # noqa: S603 – fixed arguments
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return proc
        except redis.RedisError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the private redis-server did not start")
            time.sleep(0.05)


def _fresh_connections() -> None:
    """Connections and producers made from the broker settings as they are now."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path):
    """Celery publishing to a Redis of this test's own, as the web process does (not eager)."""
    port = _free_port()
    state = {"port": port, "process": _start_redis(port, tmp_path)}
    changed = {
        "task_always_eager": False,
        "broker_url": f"redis://127.0.0.1:{port}/0",
        # Give up on a stopped broker quickly, as the web process should.
        "broker_transport_options": {"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
    }
    before = {key: celery_app.conf.get(key) for key in changed}
    celery_app.conf.update(changed)
    _fresh_connections()

    def stop():
        state["process"].kill()
        state["process"].wait(timeout=10)

    def start():
        state["process"] = _start_redis(port, tmp_path)

    state["stop"], state["start"] = stop, start
    yield state
    if state["process"].poll() is None:
        state["process"].kill()
        state["process"].wait(timeout=10)
    celery_app.conf.update(before)
    celery_app.pool.force_close_all()
    _fresh_connections()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_stopped_events_commit_and_their_notices_go_out_later(
    broker, home_council, moderator, citizen, helper
):
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    broker["stop"]()
    mail.outbox.clear()

    started = time.monotonic()
    match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    assert time.monotonic() - started < 20  # the failed hand-over does not hang the request

    match.refresh_from_db()  # the event committed
    email = Notification.objects.get(person=citizen, template="helper_offered", channel="email")
    assert email.status == Status.QUEUED and email.attempts == 0
    assert Notification.objects.filter(
        person=citizen, template="helper_offered", channel=Channel.KITH
    ).exists()  # "What's new" has it at once
    assert mail.outbox == []

    broker["start"]()
    Notification.objects.filter(pk=email.pk).update(
        created_at=email.created_at.replace(year=2000)  # older than the sweep's grace period
    )
    swept = send_queued.apply().get()
    assert swept >= 1  # the beat job, as the worker runs it
    email.refresh_from_db()
    assert email.status == Status.DELIVERED
    assert [m.to for m in mail.outbox if "offered to help" in m.subject] == [[citizen.email]]
    # Handing over works again now: the next event's notice is queued on the broker, on the
    # queue of notifications and alerts (CELERY_TASK_ROUTES).
    matching.match_accept(user=citizen, match_id=match.pk)
    queued = redis.Redis(port=broker["port"]).llen("alerts")
    assert queued >= 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_broker_stopped_an_urgent_need_opens_and_its_alerts_go_out_later(
    broker, home_council, moderator, citizen, helper
):
    from marketplace import services as market
    from matching.models import AlertPreference, AlertRequest, AlertSent
    from matching.tasks import alert_requests_pending

    AlertPreference.objects.create(user=helper, opted_in=True)
    make.open_offer(helper=helper, moderator=moderator)
    need = make.need(owner=citizen, urgency="urgent")
    broker["stop"]()

    market.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)  # no error

    need.refresh_from_db()
    assert need.status == "open"
    owed = AlertRequest.objects.get(need=need)
    assert owed.done_at is None and not AlertSent.objects.exists()

    broker["start"]()
    assert alert_requests_pending.apply(kwargs={"older_than_s": 0}).get() == 1
    owed.refresh_from_db()
    assert owed.done_at is not None
    assert AlertSent.objects.get(need=need).helper_id == helper.pk
    assert Notification.objects.filter(person=helper, template="urgent_alert").exists()
    assert alert_requests_pending.apply(kwargs={"older_than_s": 0}).get() == 0
