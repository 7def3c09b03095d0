"""Idle asks (`matching.alert_policy.idle_choice`, run by `matching.tasks.alert_urgent_need`
for every need that opens): helpers nobody has asked for a while are told about a need near
them, the longest idle first, at most once a week each, by their own email or text; and
everyone told hears to stand down once the need is filled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.models import Need
from marketplace.services.needs import need_create
from matching.alert_policy import DEFAULT, AlertPolicy, alert_policy, idle_choice
from matching.models import AlertPreference, AlertRequest, AlertSent, Match
from matching.services import match_accept, match_offer_help, match_request
from matching.tasks import alert_urgent_need
from notifications.models import Notification
from tests.kit import factories as make

NOW = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
ASKS_2 = AlertPolicy(idle_asks=2, idle_days=7)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_never_asked_first_then_the_longest_ago_then_the_nearest():
    candidates = [(1, 100.0), (2, 200.0), (3, 300.0), (4, 400.0), (5, 50.0)]
    last = {1: days_ago(9), 2: days_ago(20), 5: days_ago(1)}  # 5 was asked yesterday
    policy = AlertPolicy(idle_asks=4, idle_days=7)
    assert idle_choice(candidates=candidates, last_asked=last, policy=policy, now=NOW) == [
        3,  # never asked, nearer than 4
        4,
        2,  # asked 20 days ago
        1,  # asked 9 days ago
    ]


def test_at_most_idle_asks_and_nobody_asked_within_idle_days():
    candidates = [(h, float(h)) for h in range(1, 10)]
    assert len(idle_choice(candidates=candidates, last_asked={}, policy=ASKS_2, now=NOW)) == 2
    busy = {h: days_ago(6.9) for h in range(1, 10)}
    assert idle_choice(candidates=candidates, last_asked=busy, policy=ASKS_2, now=NOW) == []
    off = AlertPolicy(idle_asks=0)
    assert idle_choice(candidates=candidates, last_asked={}, policy=off, now=NOW) == []


@pytest.mark.django_db
def test_the_councils_setting_over_kiths_default():
    assert alert_policy(make.council()).idle_asks == DEFAULT.idle_asks
    council = make.council(settings={"alerts": {"idle_asks": 3, "idle_days": 10}})
    assert (alert_policy(council).idle_asks, alert_policy(council).idle_days) == (3, 10)
    nonsense = make.council(settings={"alerts": {"idle_asks": -4, "idle_days": 0}})
    assert (alert_policy(nonsense).idle_asks, alert_policy(nonsense).idle_days) == (0, 1)


def helper_at(council, east_m, *, opted_in: bool | None = None, **pref):
    helper = make.person(council=council, home=make.point_at(east_m, 0))
    if opted_in is not None:
        AlertPreference.objects.create(user=helper, opted_in=opted_in, **pref)
    offer = make.offer_row(
        council=council, helper=helper, at=make.point_at(east_m, 0), radius_m=8000
    )
    return helper, offer


@pytest.fixture
def asking_council(db):
    return make.council(settings={"alerts": {"idle_asks": 2, "idle_days": 7}})


def asked_before(helper, offer, council, *, days: float) -> None:
    """`helper` was alerted about another need `days` ago."""
    other = make.need_row(council=council, at=make.point_at(0, 2000))
    alert = AlertSent.objects.create(need=other, offer=offer, helper=helper, ring_m=8000)
    AlertSent.objects.filter(pk=alert.pk).update(sent_at=timezone.now() - dt.timedelta(days=days))


def test_a_routine_need_tells_the_longest_idle_helpers_not_only_those_taking_alerts(
    asking_council, django_capture_on_commit_callbacks
):
    nearest, nearest_offer = helper_at(asking_council, 100, opted_in=True)
    second, second_offer = helper_at(asking_council, 200)  # never chose alerts
    third, _o = helper_at(asking_council, 300, opted_in=False)
    far, _o = helper_at(asking_council, 3000)
    asked_before(nearest, nearest_offer, asking_council, days=2)  # asked this week
    asked_before(second, second_offer, asking_council, days=12)  # idle, but asked 12 days ago
    need = make.need_row(council=asking_council)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_urgent_need(need.pk) == 2
    told = set(AlertSent.objects.filter(need=need).values_list("helper_id", "kind"))
    # Never asked come first (third, then far); second was asked 12 days ago; nearest this week.
    assert told == {(third.pk, "idle"), (far.pk, "idle")}
    texts = Notification.objects.filter(template="idle_ask", person__in=[third, far])
    assert texts.count() >= 2
    email = next(m for m in mail.outbox if m.to == [third.email])
    assert "Nobody has asked you to help for a while" in email.body
    assert "urgent" not in email.body.lower()
    # A second run (a retry) tells nobody again.
    assert alert_urgent_need(need.pk) == 0


def test_quiet_hours_the_helper_set_are_kept(asking_council):
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=1)).time().replace(microsecond=0)
    end = (now + dt.timedelta(hours=1)).time().replace(microsecond=0)
    asleep, _o = helper_at(asking_council, 100, opted_in=False, quiet_start=start, quiet_end=end)
    awake, _o = helper_at(asking_council, 200)
    need = make.need_row(council=asking_council)
    assert alert_urgent_need(need.pk) == 1
    assert list(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True)) == [
        awake.pk
    ]


def test_an_urgent_need_is_alerted_then_asks_idle_helpers_beyond_those_alerted(
    db, django_capture_on_commit_callbacks
):
    council = make.council(
        settings={"alerts": {"kind": "rotated", "reply_chance": 0.9, "idle_asks": 1}}
    )
    alerted, _o = helper_at(council, 100, opted_in=True, daily_cap=5)
    idle, _o = helper_at(council, 200)
    need = make.need_row(council=council, urgency="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_urgent_need(need.pk) == 2
    assert dict(AlertSent.objects.filter(need=need).values_list("helper_id", "kind")) == {
        alerted.pk: "urgent",
        idle.pk: "idle",
    }
    assert Notification.objects.filter(person=alerted, template="urgent_alert").exists()
    assert Notification.objects.filter(person=idle, template="idle_ask").exists()


def test_opening_a_need_owes_its_asks_and_they_go_after_commit(
    asking_council, django_capture_on_commit_callbacks
):
    # A council that opens the needs of ID-checked people at once, as the simulator's does.
    asking_council.auto_approve_verified_helpers = True
    asking_council.save(update_fields=["auto_approve_verified_helpers"])
    helper, _o = helper_at(asking_council, 150)
    owner = make.person(council=asking_council)
    make.check(user=owner, council=asking_council)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        need = need_create(
            owner=owner,
            category=make.category("befriending"),
            title="A lift to the surgery",
            description="On Thursday morning, please.",
            point=make.point_at(0, 0),
            timing=Need.Timing.ONE_OFF,
            starts_at=now,
            ends_at=now + dt.timedelta(days=3),
        )
    assert need.status == Need.Status.OPEN
    assert AlertRequest.objects.get(need=need).done_at is not None
    assert list(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True)) == [
        helper.pk
    ]


def test_a_council_with_idle_asks_off_asks_nobody_about_a_routine_need(db):
    council = make.council(settings={"alerts": {"idle_asks": 0}})
    helper_at(council, 150)
    need = make.need_row(council=council)
    assert not AlertRequest.objects.filter(need=need).exists()
    assert alert_urgent_need(need.pk) == 0
    assert not AlertSent.objects.filter(need=need).exists()


def test_once_filled_everyone_told_hears_it_and_the_helper_who_took_it_does_not(
    asking_council, django_capture_on_commit_callbacks
):
    pairs = [helper_at(asking_council, 200 * (k + 1)) for k in range(3)]
    owner = make.person(council=asking_council)
    need = make.need_row(council=asking_council, owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_urgent_need(need.pk) == 2
    told = set(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True))
    taker, offer = next((h, o) for h, o in pairs if h.pk in told)
    with django_capture_on_commit_callbacks(execute=True):
        match = match_offer_help(helper=taker, need_id=need.pk, offer_id=offer.pk)
        match_accept(user=owner, match_id=match.pk)
    stood_down = set(
        Notification.objects.filter(template="stand_down").values_list("person_id", flat=True)
    )
    assert stood_down == told - {taker.pk}
    assert not Notification.objects.filter(template="urgent_stand_down").exists()
    never_told = {h.pk for h, _o in pairs} - told
    assert not Notification.objects.filter(person__in=never_told, template="stand_down").exists()


def test_a_proposal_counts_as_being_asked(asking_council):
    proposed, offer = helper_at(asking_council, 100)
    other, _o = helper_at(asking_council, 300)
    owner = make.person(council=asking_council)
    earlier = make.need_row(council=asking_council, owner=owner, at=make.point_at(0, 500))
    match_request(citizen=owner, need_id=earlier.pk, offer_id=offer.pk)
    assert Match.objects.filter(offer=offer).exists()
    AlertSent.objects.all().delete()  # only the proposal counts now
    need = make.need_row(council=asking_council)
    alert_urgent_need(need.pk)
    assert set(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True)) == {
        other.pk
    }


def test_a_helper_who_turned_idle_asks_off_is_not_asked(asking_council):
    off, _o = helper_at(asking_council, 100, opted_in=True, idle_asks=False)
    on, _o = helper_at(asking_council, 200, opted_in=False)
    need = make.need_row(council=asking_council)
    assert alert_urgent_need(need.pk) == 1
    assert list(AlertSent.objects.filter(need=need).values_list("helper_id", flat=True)) == [on.pk]


def test_the_alerts_page_and_the_api_keep_the_choice(client, asking_council):
    helper, _o = helper_at(asking_council, 100)
    client.force_login(helper)
    form = {"opted_in": "no", "quiet_start": "", "quiet_end": "", "daily_cap": "3"}
    page = client.post("/helping/alerts/", form)
    assert page.status_code == 200  # the new question must be answered
    assert "Choose yes or no." in page.content.decode()
    assert client.post("/helping/alerts/", form | {"idle_asks": "no"}).status_code == 302
    assert AlertPreference.objects.get(user=helper).idle_asks is False
    got = client.get("/api/v1/me/alerts/")
    assert got.status_code == 200 and got.json()["idle_asks"] is False
    put = client.put("/api/v1/me/alerts/", {"opted_in": True}, content_type="application/json")
    assert put.status_code == 200 and put.json()["idle_asks"] is True  # PUT: the default
