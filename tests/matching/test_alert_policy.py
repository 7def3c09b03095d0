"""The rotated alert policy (`matching.alert_policy`): whom it picks and how many, read from
the council's settings, run by the real alert task, and the stand-down the notifications room
sends to everyone alerted once the need is filled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching.alert_policy import (
    DEFAULT,
    NEAREST,
    ROTATED,
    AlertPolicy,
    HelperLoad,
    alert_policy,
    estimated_reply_chance,
    rotated_choice,
)
from matching.models import AlertPreference, AlertSent
from matching.services import match_accept, match_offer_help
from matching.tasks import alert_urgent_need
from notifications.models import Notification
from tests.kit import factories as make

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
POLICY = AlertPolicy(kind=ROTATED, target_reply_chance=0.9, reply_chance=0.3,
                     fatigue_per_alert=0.25, weekly_budget=3, max_helpers=12)  # fmt: skip


def test_the_least_asked_come_first_then_the_longest_ago_then_the_nearest():
    loads = {
        1: HelperLoad(asked=2, last_at=NOW - dt.timedelta(days=1)),
        2: HelperLoad(asked=1, last_at=NOW - dt.timedelta(hours=2)),
        3: HelperLoad(asked=1, last_at=NOW - dt.timedelta(days=3)),
    }
    candidates = [(1, 100.0), (2, 200.0), (3, 300.0), (4, 900.0), (5, 400.0)]
    wide = AlertPolicy(kind=ROTATED, target_reply_chance=0.999, max_helpers=5)
    # Never asked (5 nearer than 4), then asked once (3 longer ago than 2), then twice.
    assert rotated_choice(candidates=candidates, loads=loads, policy=wide) == [5, 4, 3, 2, 1]


def test_nobody_is_asked_beyond_the_budget():
    loads = {1: HelperLoad(asked=3, last_at=NOW), 2: HelperLoad(asked=2, last_at=NOW)}
    chosen = rotated_choice(candidates=[(1, 10.0), (2, 20.0)], loads=loads, policy=POLICY)
    assert chosen == [2]


def test_fans_out_until_the_chance_of_a_reply_reaches_the_target():
    rested = [(h, float(h)) for h in range(1, 30)]
    chosen = rotated_choice(candidates=rested, loads={}, policy=POLICY)
    # 1 - 0.7^n >= 0.9 first holds at n = 7.
    assert len(chosen) == 7 == next(n for n in range(1, 30) if 1 - 0.7**n >= 0.9)
    # Tired helpers answer less, so more of them are asked for the same target.
    tired = {h: HelperLoad(asked=2, last_at=NOW) for h in range(1, 30)}
    assert estimated_reply_chance(POLICY, tired[1]) == pytest.approx(0.3 * 0.75**2)
    assert len(rotated_choice(candidates=rested, loads=tired, policy=POLICY)) == 12  # the cap
    # Helpers already alerted about this need (a retried task) count towards the target.
    assert len(rotated_choice(candidates=rested, loads={}, policy=POLICY, already=5)) == 2


@pytest.mark.django_db
def test_the_policy_is_the_councils_setting_over_kiths_default():
    assert alert_policy(make.council()) == DEFAULT
    assert DEFAULT.kind == ROTATED  # Kith's default since the simulator's comparison
    council = make.council(settings={"alerts": {"kind": "nearest", "weekly_budget": 5}})
    chosen = alert_policy(council)
    assert (chosen.kind, chosen.weekly_budget, chosen.max_helpers) == (NEAREST, 5, 12)
    assert alert_policy(make.council(settings={"alerts": {"kind": "loudest"}})).kind == ROTATED


@pytest.mark.django_db
def test_a_stored_value_out_of_range_or_not_a_number_cannot_wake_everyone():
    """Settings written by hand (the admin, a data fix) are held to the settings page's
    bounds; one that is not a number is Kith's default, so alerts still go out."""
    stored = {
        "max_helpers": 10_000,
        "weekly_budget": -3,
        "target_reply_chance": 1.0,
        "window_days": "lots",
        "reply_chance": "nan",
        "idle_asks": 500,
        "idle_days": None,
    }
    policy = alert_policy(make.council(settings={"alerts": stored}))
    assert policy.max_helpers == 30 and policy.weekly_budget == 1
    assert policy.target_reply_chance == 0.99 and policy.idle_asks == 10
    assert policy.window_days == DEFAULT.window_days and policy.idle_days == DEFAULT.idle_days
    assert policy.reply_chance == DEFAULT.reply_chance


def helper_at(council, east_m):
    helper = make.person(council=council, home=make.point_at(east_m, 0))
    AlertPreference.objects.create(user=helper, opted_in=True, daily_cap=5)
    offer = make.offer_row(
        council=council, helper=helper, at=make.point_at(east_m, 0), radius_m=8000
    )
    return helper, offer


@pytest.fixture
def rotated_council(db):
    # Idle asks off: these tests are about whom an urgent alert wakes (test_idle_asks.py).
    alerts = {"kind": "rotated", "reply_chance": 0.5, "target_reply_chance": 0.8, "idle_asks": 0}
    return make.council(settings={"alerts": alerts})


def test_the_task_wakes_the_rested_helpers_before_the_nearest_busy_ones(
    rotated_council, django_capture_on_commit_callbacks
):
    helpers = [helper_at(rotated_council, 200 * (k + 1))[0] for k in range(6)]
    # The two nearest were alerted about another need an hour ago.
    earlier = make.need_row(council=rotated_council, urgency="urgent", at=make.point_at(0, 900))
    for helper in helpers[:2]:
        offer = helper.offers.first()
        alert = AlertSent.objects.create(need=earlier, offer=offer, helper=helper, ring_m=8000)
        AlertSent.objects.filter(pk=alert.pk).update(sent_at=timezone.now() - dt.timedelta(hours=1))
    need = make.need_row(council=rotated_council, urgency="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        sent = alert_urgent_need(need.pk)
    alerted = list(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True))
    # 1 - 0.5^n >= 0.8 at n = 3: the three nearest rested helpers, not the two busy ones.
    assert sent == 3
    assert sorted(alerted) == sorted(h.pk for h in helpers[2:5])
    assert Notification.objects.filter(template="urgent_alert", person__in=alerted).exists()
    # A second run (a retry) alerts nobody again.
    assert alert_urgent_need(need.pk) == 0


def test_once_filled_everyone_alerted_hears_to_stand_down(
    rotated_council, django_capture_on_commit_callbacks
):
    pairs = [helper_at(rotated_council, 300 * (k + 1)) for k in range(4)]
    owner = make.person(council=rotated_council)
    need = make.need_row(council=rotated_council, owner=owner, urgency="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_urgent_need(need.pk) == 3
    alerted = set(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True))
    first, offer = next((h, o) for h, o in pairs if h.pk in alerted)
    with django_capture_on_commit_callbacks(execute=True):
        match = match_offer_help(helper=first, need_id=need.pk, offer_id=offer.pk)
        match_accept(user=owner, match_id=match.pk)
    told = set(
        Notification.objects.filter(template="urgent_stand_down").values_list(
            "person_id", flat=True
        )
    )
    # Everyone alerted but the helper who took it; nobody who was not alerted.
    assert told == alerted - {first.pk}
    never_alerted = {h.pk for h, _o in pairs} - alerted
    assert not Notification.objects.filter(person__in=never_alerted).exists()
