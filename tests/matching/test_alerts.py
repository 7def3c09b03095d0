"""Urgent-need alerts through the real task code (eager Celery, locmem outbox): widening
rings, the target number of helpers, daily caps, quiet hours, opt-in and unsubscribe. The
task chooses and records whom to alert; the notifications room sends each alert once the
task's transaction commits, so the tests run the commit callbacks (`sent`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from matching import tasks
from matching.models import AlertPreference, AlertSent
from matching.tasks import alert_urgent_need, in_quiet_hours, need_opened
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def helper_at(council, east_m, **pref):
    helper = make.person(council=council, home=make.point_at(east_m, 0))
    AlertPreference.objects.create(user=helper, **({"opted_in": True} | pref))
    make.offer_row(council=council, helper=helper, at=make.point_at(east_m, 0), radius_m=8000)
    return helper


def urgent_need(council, **kw):
    return make.need_row(council=council, urgency="urgent", **kw)


@pytest.fixture(autouse=True)
def nearest_first(mcouncil):
    """These tests are about the `nearest` policy (rings, a target of five helpers), which a
    council may still choose; Kith's default, `rotated`, is tested in test_alert_policy.py,
    and idle asks (off here) in test_idle_asks.py."""
    mcouncil.settings = {"alerts": {"kind": "nearest", "idle_asks": 0}}
    mcouncil.save(update_fields=["settings"])


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run `alert_urgent_need` and what its commit sends."""

    def run(need_id):
        with django_capture_on_commit_callbacks(execute=True):
            return alert_urgent_need(need_id)

    return run


def test_widens_in_rings_until_enough_helpers(mcouncil, sent):
    near = [helper_at(mcouncil, 300 + i) for i in range(2)]
    middle = [helper_at(mcouncil, 2000 + i) for i in range(2)]
    far = [helper_at(mcouncil, 5000 + 100 * i) for i in range(3)]
    need = urgent_need(mcouncil)
    assert sent(need.pk) == 5
    rings = dict(AlertSent.objects.values_list("helper_id", "ring_m"))
    assert {rings[h.pk] for h in near} == {1000}
    assert {rings[h.pk] for h in middle} == {3000}
    assert rings[far[0].pk] == 8000
    assert far[1].pk not in rings and far[2].pk not in rings  # five reached: stop
    assert len(mail.outbox) == 5
    assert {m.to[0] for m in mail.outbox} == {h.email for h in near + middle + far[:1]}


def test_does_not_widen_when_the_first_ring_is_enough(mcouncil, monkeypatch):
    monkeypatch.setattr(tasks, "ALERT_TARGET_HELPERS", 2)
    helper_at(mcouncil, 200)
    helper_at(mcouncil, 400)
    helper_at(mcouncil, 2500)
    need = urgent_need(mcouncil)
    assert alert_urgent_need(need.pk) == 2
    assert set(AlertSent.objects.values_list("ring_m", flat=True)) == {1000}


def test_only_opted_in_and_eligible_helpers(mcouncil, sent):
    helper_at(mcouncil, 300, opted_in=False)
    make.offer_row(council=mcouncil, at=make.point_at(400, 0))  # never set a preference
    woman = make.person(council=mcouncil, gender="woman")
    AlertPreference.objects.create(user=woman, opted_in=True)
    make.offer_row(council=mcouncil, helper=woman, at=make.point_at(600, 0), radius_m=8000)
    helper_at(mcouncil, 500)  # gender not stated: the need asks for a woman
    need = urgent_need(mcouncil, gender="woman")
    assert sent(need.pk) == 1
    assert [m.to[0] for m in mail.outbox] == [woman.email]


def test_routine_needs_do_not_alert(mcouncil, sent):
    helper_at(mcouncil, 300)
    need = make.need_row(council=mcouncil)
    assert sent(need.pk) == 0
    assert mail.outbox == []


def test_daily_cap(mcouncil):
    capped = helper_at(mcouncil, 300, daily_cap=1)
    free = helper_at(mcouncil, 600, daily_cap=3)
    first = urgent_need(mcouncil)
    assert alert_urgent_need(first.pk) == 2
    second = urgent_need(mcouncil, at=make.point_at(50, 50))
    assert alert_urgent_need(second.pk) == 1
    assert list(AlertSent.objects.filter(need=second).values_list("helper_id", flat=True)) == [
        free.pk
    ]
    # A day later the cap has room again.
    AlertSent.objects.filter(helper=capped).update(sent_at=timezone.now() - dt.timedelta(hours=25))
    third = urgent_need(mcouncil, at=make.point_at(80, 80))
    assert alert_urgent_need(third.pk) == 2


def test_quiet_hours(mcouncil, sent):
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=1)).time().replace(microsecond=0)
    end = (now + dt.timedelta(hours=1)).time().replace(microsecond=0)
    helper_at(mcouncil, 300, quiet_start=start, quiet_end=end)
    awake = helper_at(mcouncil, 600)
    need = urgent_need(mcouncil)
    assert sent(need.pk) == 1
    assert [m.to[0] for m in mail.outbox] == [awake.email]


@pytest.mark.parametrize(
    "start, end, at, quiet",
    [
        ((21, 0), (8, 0), (23, 30), True),
        ((21, 0), (8, 0), (7, 59), True),
        ((21, 0), (8, 0), (8, 0), False),
        ((21, 0), (8, 0), (12, 0), False),
        ((13, 0), (14, 0), (13, 30), True),
        ((13, 0), (14, 0), (14, 30), False),
    ],
)
def test_in_quiet_hours(start, end, at, quiet):
    pref = AlertPreference(quiet_start=dt.time(*start), quiet_end=dt.time(*end))
    assert in_quiet_hours(pref=pref, at=dt.time(*at)) is quiet


def test_a_retried_task_emails_nobody_twice(mcouncil, sent):
    helper_at(mcouncil, 300)
    need = urgent_need(mcouncil)
    assert sent(need.pk) == 1
    assert sent(need.pk) == 0
    assert len(mail.outbox) == 1


def test_enqueued_after_commit_and_the_email_unsubscribes(
    mcouncil, django_capture_on_commit_callbacks
):
    helper = helper_at(mcouncil, 300)
    need = make.need_row(council=mcouncil, urgency="urgent", status="draft")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        from marketplace.lifecycle import need_transition

        need_transition(need=need, to="open")
        need_opened(need=need)
        assert mail.outbox == []  # nothing before commit
    assert len(callbacks) == 2  # the alert task, then the sending of what it chose
    [message] = mail.outbox
    assert "less than 1 km away" in message.body
    token = AlertPreference.objects.get(user=helper).unsubscribe_token
    link = next(line for line in message.body.splitlines() if "/alerts/unsubscribe/" in line)
    path = link[link.index("/api/v1/") :]
    assert path == f"/api/v1/alerts/unsubscribe/{token}/"
    assert APIClient().get(path).status_code == 200
    assert AlertPreference.objects.get(user=helper).opted_in is False
    other = urgent_need(mcouncil, at=make.point_at(30, 30))
    assert alert_urgent_need(other.pk) == 0
