"""A need asked for "today or tomorrow" is urgent: it wakes nearby helpers at once. A one-off
need whose day is later than tomorrow cannot be urgent, on any way in (pages, API, changes)."""

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from marketplace.models import Need
from marketplace.services import need_create, need_update
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def one_off(owner, category, *, days: int, urgency: str, start=None):
    start = start or timezone.now() + dt.timedelta(days=days)
    return need_create(
        owner=owner,
        category=category,
        title="Lift to the surgery",
        description="A lift and back.",
        timing=Need.Timing.ONE_OFF,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        urgency=urgency,
    )


def test_urgent_for_a_day_weeks_away_is_refused(citizen, befriending):
    with pytest.raises(ApplicationError) as refused:
        one_off(citizen, befriending, days=21, urgency="urgent")
    assert refused.value.code == "urgency_date"
    assert not Need.objects.exists()
    assert one_off(citizen, befriending, days=21, urgency="soon").urgency == "soon"


def test_urgent_for_today_or_tomorrow_is_kept(citizen, befriending):
    assert one_off(citizen, befriending, days=0, urgency="urgent").urgency == "urgent"
    tomorrow = timezone.localtime().replace(hour=12) + dt.timedelta(days=1)
    need = one_off(citizen, befriending, days=1, urgency="urgent", start=tomorrow)
    assert need.urgency == "urgent"


def test_a_change_cannot_make_a_far_day_urgent(citizen, befriending, moderator):
    need = one_off(citizen, befriending, days=10, urgency="routine")
    with pytest.raises(ApplicationError) as refused:
        need_update(actor=citizen, need=need, version=need.version, data={"urgency": "urgent"})
    assert refused.value.code == "urgency_date"
    need.refresh_from_db()
    assert need.urgency == "routine"


def test_a_weekly_need_may_be_urgent(citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    need = need_update(actor=citizen, need=need, version=need.version, data={"urgency": "urgent"})
    assert need.urgency == "urgent"
