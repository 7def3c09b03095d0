"""Waves of rotated alerts (`matching.tasks.alert_waves_due`): while no helper has said yes to
an urgent need, the next wave reaches helpers not yet alerted, `wave_minutes` after the last,
up to the council's `waves`; a yes, a filled or withdrawn need, or the nearest policy stops
them. Run through the real task and the real beat job, on the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from marketplace.models import Need
from marketplace.services.needs import need_withdraw
from matching.alert_policy import alert_policy
from matching.models import AlertRequest, AlertSent, Match
from matching.services import match_accept, match_decline, match_offer_help
from matching.tasks import alert_next_wave, alert_urgent_need, alert_waves_due, need_opened
from notifications.models import Notification
from tests.kit import factories as make
from tests.matching.test_alert_policy import helper_at

# 1 - 0.5^n >= 0.8 at n = 3: each wave alerts three rested helpers.
ALERTS = {"kind": "rotated", "reply_chance": 0.5, "target_reply_chance": 0.8, "idle_asks": 0}


def council_with(**alerts):
    return make.council(settings={"alerts": ALERTS | alerts})


def opened(council, capture, **need):
    need = make.need_row(council=council, urgency="urgent", **need)
    with capture(execute=True):
        need_opened(need=need)
    return need


def alerted(need) -> list[int]:
    return list(
        AlertSent.objects.filter(need=need).order_by("id").values_list("helper_id", flat=True)
    )


@pytest.fixture
def later(monkeypatch):
    """Move Kith's clock on by some minutes (every `timezone.now` after this call)."""
    start = timezone.now()

    def move(minutes: float) -> dt.datetime:
        at = start + dt.timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return move


def test_nobody_says_yes_so_the_next_wave_reaches_helpers_not_yet_alerted(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=3, wave_minutes=20)
    helpers = [helper_at(council, 200 * (k + 1))[0] for k in range(10)]
    need = opened(council, django_capture_on_commit_callbacks)
    first = alerted(need)
    assert first == [h.pk for h in helpers[:3]]
    request = AlertRequest.objects.get(need=need)
    assert request.waves == 1
    assert request.next_wave_at == request.done_at + dt.timedelta(minutes=20)

    later(19)
    assert alert_waves_due() == 0  # not due yet
    later(21)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_waves_due() == 3
    second = alerted(need)[3:]
    # Chosen afresh: the first wave did not answer, so it counts for nothing towards the target.
    assert second == [h.pk for h in helpers[3:6]]
    told = Notification.objects.filter(template="urgent_alert", person__in=second)
    assert set(told.values_list("person_id", flat=True)) == set(second)
    request.refresh_from_db()
    assert request.waves == 2 and request.next_wave_at is not None

    later(42)
    assert alert_waves_due() == 3  # the third and last wave
    request.refresh_from_db()
    assert request.waves == 3 and request.next_wave_at is None
    later(120)
    assert alert_waves_due() == 0
    assert len(set(alerted(need))) == 9


def test_a_helper_who_said_yes_stops_the_waves(db, django_capture_on_commit_callbacks, later):
    council = council_with(waves=2, wave_minutes=30)
    pairs = [helper_at(council, 200 * (k + 1)) for k in range(8)]
    need = opened(council, django_capture_on_commit_callbacks)
    helper, offer = pairs[0]
    later(10)
    match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    later(31)
    assert alert_waves_due() == 0
    assert len(alerted(need)) == 3
    assert AlertRequest.objects.get(need=need).next_wave_at is None


def test_a_yes_gone_back_on_does_not_stop_the_next_wave(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=2, wave_minutes=30)
    pairs = [helper_at(council, 200 * (k + 1)) for k in range(8)]
    need = opened(council, django_capture_on_commit_callbacks)
    helper, offer = pairs[0]
    later(5)
    match = match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    later(10)
    match_decline(user=need.owner, match_id=match.pk)  # the person said no to that helper
    assert Match.objects.get(pk=match.pk).status == Match.Status.DECLINED
    later(31)
    assert alert_waves_due() == 3


def test_a_filled_or_withdrawn_need_gets_no_further_wave(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=2, wave_minutes=30)
    pairs = [helper_at(council, 200 * (k + 1)) for k in range(8)]
    filled = opened(council, django_capture_on_commit_callbacks)
    withdrawn = opened(council, django_capture_on_commit_callbacks, at=make.point_at(100, 0))
    helper, offer = pairs[0]
    match = match_offer_help(helper=helper, need_id=filled.pk, offer_id=offer.pk)
    match_accept(user=filled.owner, match_id=match.pk)
    need_withdraw(actor=withdrawn.owner, need=Need.objects.get(pk=withdrawn.pk))
    later(31)
    assert alert_waves_due() == 0
    assert not AlertRequest.objects.filter(next_wave_at__isnull=False).exists()


def test_a_need_made_less_urgent_gets_no_further_wave(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=2, wave_minutes=15)
    for k in range(8):
        helper_at(council, 200 * (k + 1))
    need = opened(council, django_capture_on_commit_callbacks)
    Need.objects.filter(pk=need.pk).update(urgency="soon")
    later(16)
    assert alert_waves_due() == 0
    assert len(alerted(need)) == 3
    assert AlertRequest.objects.get(need=need).next_wave_at is None


def test_one_wave_or_the_nearest_policy_owes_no_second_wave(db, django_capture_on_commit_callbacks):
    for council in (council_with(waves=1), council_with(kind="nearest", waves=4)):
        for k in range(8):
            helper_at(council, 200 * (k + 1))
        need = opened(council, django_capture_on_commit_callbacks)
        assert alerted(need)
        request = AlertRequest.objects.get(need=need)
        assert request.waves == 1 and request.next_wave_at is None


def test_a_wave_run_twice_alerts_nobody_twice(db, django_capture_on_commit_callbacks, later):
    council = council_with(waves=2, wave_minutes=30)
    for k in range(8):
        helper_at(council, 200 * (k + 1))
    need = opened(council, django_capture_on_commit_callbacks)
    later(31)
    assert alert_next_wave(need.pk) == 3
    assert alert_next_wave(need.pk) == 0  # the wave is no longer due
    assert alert_urgent_need(need.pk) == 0  # nor does the first wave's retry add anyone
    assert len(alerted(need)) == len(set(alerted(need))) == 6


def test_waves_and_their_minutes_stay_within_their_ranges(db):
    council = council_with(waves=50, wave_minutes=1)
    policy = alert_policy(council)
    assert (policy.waves, policy.wave_minutes) == (4, 10)
    council = council_with(waves="many", wave_minutes=-5)
    policy = alert_policy(council)
    assert (policy.waves, policy.wave_minutes) == (2, 10)


def test_everyone_of_every_wave_hears_to_stand_down_once_filled(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=2, wave_minutes=15)
    pairs = dict(helper_at(council, 200 * (k + 1)) for k in range(8))
    need = opened(council, django_capture_on_commit_callbacks)
    later(16)
    with django_capture_on_commit_callbacks(execute=True):
        assert alert_waves_due() == 3
    waves = alerted(need)
    taker = next(h for h in pairs if h.pk == waves[-1])  # someone from the second wave
    later(20)
    with django_capture_on_commit_callbacks(execute=True):
        match = match_offer_help(helper=taker, need_id=need.pk, offer_id=pairs[taker].pk)
        match_accept(user=need.owner, match_id=match.pk)
    told = Notification.objects.filter(template="urgent_stand_down")
    assert set(told.values_list("person_id", flat=True)) == set(waves) - {taker.pk}


def test_a_later_wave_sets_the_weekly_budget_aside_least_asked_first(
    db, django_capture_on_commit_callbacks, later
):
    council = council_with(waves=2, wave_minutes=15, weekly_budget=3)
    helpers = [helper_at(council, 200 * (k + 1))[0] for k in range(4)]
    # The two nearest have had three asks this week (the budget), the nearest of them four.
    for helper, asks in ((helpers[0], 4), (helpers[1], 3)):
        for n in range(asks):
            earlier = make.need_row(council=council, urgency="urgent", at=make.point_at(0, 50 * n))
            sent = AlertSent.objects.create(
                need=earlier, offer=helper.offers.first(), helper=helper, ring_m=8000
            )
            AlertSent.objects.filter(pk=sent.pk).update(
                sent_at=timezone.now() - dt.timedelta(days=2)
            )
    need = opened(council, django_capture_on_commit_callbacks)
    assert alerted(need) == [helpers[2].pk, helpers[3].pk]  # within the budget only
    later(16)
    assert alert_waves_due() == 2
    assert alerted(need)[2:] == [helpers[1].pk, helpers[0].pk]  # over it, least asked first


def test_staff_acting_for_someone_see_each_wave_and_when_the_next_is_due(
    client, safeguarding_lead, home_council, django_capture_on_commit_callbacks, later
):
    home_council.settings = {"alerts": ALERTS | {"waves": 2, "wave_minutes": 15}}
    home_council.save(update_fields=["settings"])
    pairs = dict(helper_at(home_council, 200 * (k + 1)) for k in range(8))
    need = opened(home_council, django_capture_on_commit_callbacks)
    Need.objects.filter(pk=need.pk).update(
        recorded_by=safeguarding_lead, consent_recorded_at=timezone.now()
    )
    url = reverse("staff:assisted_need_detail", args=[need.pk])
    client.force_login(safeguarding_lead)

    def alerts_row() -> str:
        page = client.get(url).content.decode()
        return page.split('id="urgent-alerts"')[1].split("</dd>")[0]

    first = AlertRequest.objects.get(need=need)
    row = alerts_row()
    assert f"Wave 1 at {localtime(first.done_at):%-d %b, %H:%M}: helpers told, 3" in row
    assert f"If no helper has said yes by {localtime(first.next_wave_at):%H:%M}" in row
    later(16)
    alert_waves_due()
    row = alerts_row()
    assert "Wave 2 at" in row and "helpers told, 3" in row
    assert "more helpers will be told" not in row  # two waves in all
    # Counts only: the helpers alerted are not named.
    assert not any(helper.public_name in row for helper in pairs)
    # A need that is not urgent has no such row.
    Need.objects.filter(pk=need.pk).update(urgency="soon")
    assert 'id="urgent-alerts"' not in client.get(url).content.decode()


def test_a_wave_that_fails_stays_due_and_holds_up_no_other(
    db, django_capture_on_commit_callbacks, later, monkeypatch
):
    import matching.tasks as tasks

    council = council_with(waves=2, wave_minutes=15)
    for k in range(12):
        helper_at(council, 200 * (k + 1))
    broken = opened(council, django_capture_on_commit_callbacks)
    fine = opened(council, django_capture_on_commit_callbacks, at=make.point_at(50, 0))
    real = tasks._alert_rotated

    def failing(need, policy, **kwargs):
        if need.pk == broken.pk:
            raise RuntimeError("the database went away")
        return real(need, policy, **kwargs)

    monkeypatch.setattr(tasks, "_alert_rotated", failing)
    later(16)
    assert alert_waves_due() > 0  # the other need's wave went out
    assert AlertSent.objects.filter(need=fine, wave=2).exists()
    assert not AlertSent.objects.filter(need=broken, wave=2).exists()
    assert AlertRequest.objects.get(need=broken).next_wave_at is not None  # still due
    monkeypatch.setattr(tasks, "_alert_rotated", real)
    later(17)
    assert alert_waves_due() > 0
    assert AlertSent.objects.filter(need=broken, wave=2).exists()
