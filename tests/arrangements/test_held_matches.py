"""A match held for staff review (a check its help needs lapsed or was revoked) puts its
arrangement's visits on hold: nobody is asked whether a visit happened, no visit counts as
missed and no welfare alarm goes off while it is held, and visits written ahead meanwhile are
on hold too. When staff let the match go on, the visits still to come are planned again and
those whose time passed during the hold are cancelled, never asked about."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import StaffMembership
from arrangements import services
from arrangements.models import Arrangement, Visit, WelfareCheck
from arrangements.policy import DEFAULT_CHECKIN_WAIT_HOURS
from arrangements.tasks import checkins, visits_ahead
from core.errors import ApplicationError
from core.models import AuditEvent
from notifications.models import Notification
from safeguarding import lapses
from safeguarding.models import MatchHold
from tests.kit import factories as make
from trust.models import HelperCheck

from .conftest import after, make_arrangement

pytestmark = pytest.mark.django_db

WAIT = dt.timedelta(hours=DEFAULT_CHECKIN_WAIT_HOURS)


def _lapse(helper) -> lapses.LapseResult:
    """The helper's checks expired yesterday; the daily lapse job runs."""
    HelperCheck.objects.filter(user=helper).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    return lapses.lapses_follow(helper_ids=[helper.pk])


def _statuses(arrangement) -> set[str]:
    return set(Visit.objects.filter(arrangement=arrangement).values_list("status", flat=True))


def test_a_held_match_pauses_its_visits_until_staff_let_it_go_on(mcouncil):
    arrangement = make_arrangement(mcouncil)
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    moderator = make.staff(council=mcouncil, role=StaffMembership.Role.MODERATOR)
    first, second = list(arrangement.visits.order_by("starts_at"))[:2]

    held = _lapse(helper)
    assert held.held == [arrangement.match_id]
    arrangement.refresh_from_db()
    assert arrangement.held_since is not None
    assert _statuses(arrangement) == {Visit.Status.ON_HOLD}

    # Time passes with the match held: nobody is asked, nothing is missed, no alarm.
    for moment in (after(first), after(first) + WAIT, after(second) + 3 * WAIT):
        assert checkins.delay(now=moment.isoformat()).get() == {
            "asked_helper": 0,
            "asked_citizen": 0,
            "unconfirmed": 0,
        }
    assert not Visit.objects.filter(arrangement=arrangement).exclude(checkin="").exists()
    assert not WelfareCheck.objects.exists()
    assert not Notification.objects.filter(template__startswith="visit_checkin").exists()
    assert not AuditEvent.objects.filter(verb="visit.unconfirmed").exists()
    # Visits written ahead meanwhile are on hold too.
    before = Visit.objects.filter(arrangement=arrangement).count()
    visits_ahead.delay(now=(timezone.now() + dt.timedelta(weeks=3)).isoformat()).get()
    assert Visit.objects.filter(arrangement=arrangement).count() > before
    assert _statuses(arrangement) == {Visit.Status.ON_HOLD}
    # Neither person moves or skips a visit on hold.
    for ask in (
        lambda: services.visit_skip(
            user=citizen, arrangement_id=arrangement.pk, visit_id=second.pk, reason="Away"
        ),
        lambda: services.change_ask(
            user=helper,
            arrangement_id=arrangement.pk,
            kind="move_visit",
            visit_id=second.pk,
            new_starts_at=second.starts_at + dt.timedelta(hours=2),
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            ask()
        assert refused.value.code == "arrangement_held"

    # The first visit's time passes during the hold; then the helper's check is renewed and
    # staff let the match go on.
    Visit.objects.filter(pk=first.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() - dt.timedelta(hours=2),
    )
    make.record_check(actor=moderator, helper=helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED)
    hold = MatchHold.objects.get(match_id=arrangement.match_id, resolved_at__isnull=True)
    lapses.match_hold_release(actor=moderator, hold_id=hold.pk)
    arrangement.refresh_from_db()
    assert arrangement.held_since is None
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Visit.Status.CANCELLED  # never asked about
    assert second.status == Visit.Status.PLANNED
    assert Visit.Status.ON_HOLD not in _statuses(arrangement)
    # Check-ins run again for the visits after the hold.
    assert checkins.delay(now=after(second).isoformat()).get()["asked_helper"] == 1
    second.refresh_from_db()
    assert second.checkin == "asked_helper"


def test_ending_a_held_match_cancels_the_visits_on_hold(mcouncil):
    arrangement = make_arrangement(mcouncil)
    _lapse(arrangement.match.offer.helper)
    services.arrangement_end(
        user=arrangement.match.need.owner,
        arrangement_id=arrangement.pk,
        reason=Arrangement.EndReason.NO_LONGER_NEEDED,
    )
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ENDED and arrangement.held_since is None
    assert _statuses(arrangement) == {Visit.Status.CANCELLED}
