""" "Do you still need help?", through the real beat task: asked every few weeks, a yes and a
no, a reminder, then the staff queue; an open need nobody could help goes to staff instead of
expiring; staff keep or close."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from arrangements import still_needed as sn
from arrangements.models import StillNeeded
from arrangements.policy import STILL_NEEDED_REMINDER_AFTER
from arrangements.tasks import still_needed
from core.errors import NotFound
from core.models import AuditEvent
from marketplace.models import Need
from marketplace.services import need_expire_stale
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)


def run(at: dt.datetime) -> dict:
    return still_needed.delay(now=at.isoformat()).get()


@pytest.fixture
def need(mcouncil):
    return make.need_row(council=mcouncil, slots=[(0, (10, 0), (11, 0))])


def test_an_open_need_is_asked_after_four_weeks_and_yes_keeps_it(need):
    start = need.published_at
    assert run(start + 4 * WEEK - dt.timedelta(hours=1))["asked"] == 0
    assert run(start + 4 * WEEK)["asked"] == 1
    assert run(start + 4 * WEEK + dt.timedelta(hours=1))["asked"] == 0  # one at a time
    row = StillNeeded.objects.get()
    assert AuditEvent.objects.filter(verb="need.still_needed_asked", target_id=row.pk).exists()
    assert sn.still_needed_waiting(user=need.owner, need_id=need.pk) == row
    sn.still_needed_answer(user=need.owner, row_id=row.pk, still=True, now=start + 5 * WEEK)
    need.refresh_from_db()
    assert need.status == "open"
    # Asked again four weeks after the answer, not after publication.
    assert run(start + 8 * WEEK)["asked"] == 0
    assert run(start + 9 * WEEK)["asked"] == 1


def test_no_withdraws_an_open_need(need):
    run(need.published_at + 4 * WEEK)
    row = StillNeeded.objects.get()
    sn.still_needed_answer(user=need.owner, row_id=row.pk, still=False)
    need.refresh_from_db()
    assert (need.status, need.closed_reason) == ("closed", "withdrawn")


def test_no_ends_running_help_kindly(mcouncil):
    from .conftest import make_arrangement

    arrangement = make_arrangement(mcouncil)
    need = arrangement.match.need
    run(timezone.now() + 5 * WEEK)
    row = StillNeeded.objects.get(need=need)
    assert row.arrangement_id == arrangement.pk
    sn.still_needed_answer(user=need.owner, row_id=row.pk, still=False)
    arrangement.refresh_from_db()
    assert (arrangement.status, arrangement.end_reason, arrangement.ended_by_role) == (
        "ended",
        "no_longer_needed",
        "citizen",
    )


def test_silence_reminds_then_goes_to_staff_before_anything_closes(need, mcouncil):
    asked = need.published_at + 4 * WEEK
    run(asked)
    assert run(asked + STILL_NEEDED_REMINDER_AFTER)["reminded"] == 1
    assert run(asked + STILL_NEEDED_REMINDER_AFTER + dt.timedelta(days=1))["for_staff"] == 0
    assert run(asked + 2 * STILL_NEEDED_REMINDER_AFTER)["for_staff"] == 1
    need.refresh_from_db()
    assert need.status == "open"  # nothing closed without a person deciding
    lead = make.staff(council=mcouncil, role="safeguarding_lead")
    row = StillNeeded.objects.get()
    assert list(sn.still_needed_for_staff(actor=lead)) == [row]
    sn.still_needed_resolve(actor=lead, row_id=row.pk, resolution="close")
    need.refresh_from_db()
    assert (need.status, need.closed_reason) == ("closed", "expired")
    assert list(sn.still_needed_for_staff(actor=lead)) == []


def test_an_open_need_past_its_time_goes_to_staff_instead_of_expiring(need, mcouncil):
    past = timezone.now() - dt.timedelta(hours=1)
    Need.objects.filter(pk=need.pk).update(expires_at=past)
    assert need_expire_stale() == 0
    need.refresh_from_db()
    assert need.status == "open"
    assert run(timezone.now())["nobody_helping"] == 1
    row = StillNeeded.objects.get()
    assert row.reason == "nobody_helping" and row.for_staff_at is not None
    lead = make.staff(council=mcouncil, role="safeguarding_lead")
    other = make.staff(council=make.other_council(), role="safeguarding_lead")
    with pytest.raises(NotFound):
        sn.still_needed_resolve(actor=other, row_id=row.pk, resolution="keep_open")
    sn.still_needed_resolve(actor=lead, row_id=row.pk, resolution="keep_open")
    need.refresh_from_db()
    assert need.status == "open" and need.expires_at > timezone.now() + 3 * WEEK


def test_someone_else_cannot_answer(need, mcouncil):
    run(need.published_at + 4 * WEEK)
    row = StillNeeded.objects.get()
    with pytest.raises(NotFound):
        sn.still_needed_answer(user=make.person(council=mcouncil), row_id=row.pk, still=False)
    need.refresh_from_db()
    assert need.status == "open"
