"""Urgent needs that open at once (issue 14, point 11): where the council turns the setting on,
a "today or tomorrow" need from someone in good standing opens straight away (so nearby helpers
are alerted) and stays in the moderation queue until a moderator has looked at it. Everyone
else's urgent needs wait for review as before."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace import selectors, services
from marketplace.models import Need
from marketplace.urgent import OPEN_URGENT_AT_ONCE, in_good_standing, opens_urgent_needs_at_once
from matching.models import AlertRequest
from tests.kit import factories as make
from trust.models import Report, SafeguardingConcern

pytestmark = pytest.mark.django_db


def _turn_on(council):
    council.settings = {**(council.settings or {}), OPEN_URGENT_AT_ONCE: True}
    council.save(update_fields=["settings"])


@pytest.fixture
def known(citizen, moderator):
    """`citizen` has had a need approved by a moderator before."""
    make.open_need(owner=citizen, moderator=moderator, title="Shopping last month")
    return citizen


def test_the_setting_is_off_unless_the_council_turns_it_on(home_council):
    assert opens_urgent_needs_at_once(home_council) is False
    _turn_on(home_council)
    assert opens_urgent_needs_at_once(home_council) is True


def test_with_the_setting_off_an_urgent_need_waits_for_review(known, moderator):
    urgent = make.need(owner=known, urgency="urgent")
    assert urgent.status == Need.Status.PENDING_REVIEW
    assert not urgent.review_after_open
    assert not AlertRequest.objects.filter(need=urgent).exists()
    assert not AuditEvent.objects.filter(verb="need.opened_at_once").exists()


def test_setting_on_and_good_standing_opens_at_once_and_alerts_helpers(
    known, moderator, home_council, django_capture_on_commit_callbacks
):
    _turn_on(home_council)
    with django_capture_on_commit_callbacks() as callbacks:
        urgent = make.need(owner=known, urgency="urgent", title="Prescription today")
    urgent.refresh_from_db()
    assert urgent.status == Need.Status.OPEN
    assert urgent.published_at is not None
    assert urgent.review_after_open
    assert AlertRequest.objects.filter(need=urgent).exists()
    assert any("need_opened" in c.__qualname__ for c in callbacks)
    event = AuditEvent.objects.get(verb="need.opened_at_once")
    assert (event.target_id, event.actor_id, event.council_id) == (
        urgent.pk,
        known.pk,
        home_council.pk,
    )
    # It leads the moderation queue, still to be checked.
    routine = make.need(owner=known, title="Weekly walk")
    assert list(selectors.review_queue_needs(staff=moderator)) == [urgent, routine]


def test_approving_an_opened_need_marks_it_reviewed_and_changes_nothing_else(
    known, moderator, home_council
):
    _turn_on(home_council)
    urgent = make.need(owner=known, urgency="urgent")
    published_at = Need.objects.get(pk=urgent.pk).published_at
    services.moderation_approve(actor=moderator, kind="need", listing_id=urgent.pk)
    urgent.refresh_from_db()
    assert urgent.status == Need.Status.OPEN
    assert urgent.published_at == published_at
    assert not urgent.review_after_open
    assert list(selectors.review_queue_needs(staff=moderator)) == []
    event = AuditEvent.objects.get(verb="need.reviewed_after_open")
    assert (event.actor_id, event.target_id) == (moderator.pk, urgent.pk)
    # Only the earlier need was approved the ordinary way: the owner is not told twice.
    assert AuditEvent.objects.filter(verb="need.approved").count() == 1
    with pytest.raises(ApplicationError, match="not waiting for review"):
        services.moderation_approve(actor=moderator, kind="need", listing_id=urgent.pk)


def test_rejecting_an_opened_need_from_the_queue_takes_it_down(known, moderator, home_council):
    _turn_on(home_council)
    urgent = make.need(owner=known, urgency="urgent")
    assert urgent.status == Need.Status.OPEN
    services.moderation_reject(
        actor=moderator,
        kind="need",
        listing_id=urgent.pk,
        reason="Please do not ask for money.",
        only_pending=True,
    )
    urgent.refresh_from_db()
    assert (urgent.status, urgent.closed_reason) == (Need.Status.CLOSED, Need.ClosedReason.REJECTED)
    assert not urgent.review_after_open
    assert list(selectors.review_queue_needs(staff=moderator)) == []


def test_someone_new_waits_for_review(citizen, moderator, home_council):
    _turn_on(home_council)
    urgent = make.need(owner=citizen, urgency="urgent")
    assert urgent.status == Need.Status.PENDING_REVIEW
    assert not AlertRequest.objects.filter(need=urgent).exists()
    # Once a moderator has let one through, the next opens at once.
    services.moderation_approve(actor=moderator, kind="need", listing_id=urgent.pk)
    assert make.need(owner=citizen, urgency="urgent").status == Need.Status.OPEN


def test_an_open_safeguarding_concern_means_waiting_for_review(known, moderator, home_council):
    _turn_on(home_council)
    concern = SafeguardingConcern.objects.create(
        council=home_council, about=known, raised_by=moderator, summary="Worried"
    )
    assert make.need(owner=known, urgency="urgent").status == Need.Status.PENDING_REVIEW
    concern.status = SafeguardingConcern.Status.IN_PROGRESS
    concern.save()
    assert make.need(owner=known, urgency="urgent").status == Need.Status.PENDING_REVIEW
    assert not AlertRequest.objects.filter(need__status=Need.Status.PENDING_REVIEW).exists()
    concern.status = SafeguardingConcern.Status.CLOSED
    concern.outcome = SafeguardingConcern.Outcome.NO_FURTHER_ACTION
    concern.closed_at = timezone.now()
    concern.save()
    assert make.need(owner=known, urgency="urgent").status == Need.Status.OPEN


def test_a_recently_upheld_report_means_waiting_for_review(known, moderator, home_council):
    _turn_on(home_council)
    earlier = Need.objects.get(owner=known)
    report = Report.objects.create(
        council=home_council,
        target_type=Report.TargetType.NEED,
        target_id=earlier.pk,
        reason="Asked for money",
        status=Report.Status.UPHELD,
        decided_at=timezone.now() - dt.timedelta(days=10),
    )
    assert make.need(owner=known, urgency="urgent").status == Need.Status.PENDING_REVIEW
    report.decided_at = timezone.now() - dt.timedelta(days=100)
    report.save()
    assert make.need(owner=known, urgency="urgent").status == Need.Status.OPEN


def test_only_urgent_needs_open_at_once(known, home_council):
    _turn_on(home_council)
    assert make.need(owner=known, urgency="soon").status == Need.Status.PENDING_REVIEW
    assert make.need(owner=known).status == Need.Status.PENDING_REVIEW


def test_a_need_still_to_be_checked_does_not_count_as_approved_before(
    citizen, moderator, home_council
):
    """Good standing needs a need a moderator let through: one opened at once and not yet
    checked, or one taken down, does not count."""
    first = make.open_need(owner=citizen, moderator=moderator)
    _turn_on(home_council)
    second = make.need(owner=citizen, urgency="urgent")
    assert second.status == Need.Status.OPEN
    services.moderation_reject(actor=moderator, kind="need", listing_id=first.pk, reason="No.")
    assert not in_good_standing(user=citizen)
    third = make.need(owner=citizen, urgency="urgent")
    assert third.status == Need.Status.PENDING_REVIEW
    services.moderation_approve(actor=moderator, kind="need", listing_id=second.pk)
    assert in_good_standing(user=citizen)


def test_another_councils_setting_does_not_open_needs_here(known, home_council, away_council):
    _turn_on(away_council)
    assert make.need(owner=known, urgency="urgent").status == Need.Status.PENDING_REVIEW
    _turn_on(home_council)
    assert make.need(owner=known, urgency="urgent").status == Need.Status.OPEN


def test_the_queue_page_marks_it_and_approving_there_marks_it_checked(
    client, known, moderator, home_council
):
    _turn_on(home_council)
    urgent = make.need(owner=known, urgency="urgent", title="Lift to the surgery today")
    client.force_login(moderator)
    page = client.get(reverse("staff:moderation")).content.decode()
    assert "Lift to the surgery today" in page
    assert "Opened at once — check it" in page
    item = client.get(reverse("staff:moderation_item", args=["need", urgent.pk])).content.decode()
    assert "Approve: it has been checked" in item and "Take down" in item
    response = client.post(reverse("staff:moderation_approve", args=["need", urgent.pk]))
    assert response.status_code == 302
    urgent.refresh_from_db()
    assert (urgent.status, urgent.review_after_open) == (Need.Status.OPEN, False)
    assert "Opened at once" not in client.get(reverse("staff:moderation")).content.decode()


def test_moderators_are_told_to_check_a_need_opened_at_once(known, moderator, home_council):
    from notifications.models import Notification

    _turn_on(home_council)
    urgent = make.need(owner=known, urgency="urgent", title="Prescription today")
    told = Notification.objects.filter(person=moderator, template="urgent_opened_at_once")
    assert told.exists()
    assert told.first().link.endswith(reverse("staff:moderation_item", args=["need", urgent.pk]))
    assert not Notification.objects.filter(person=moderator, template="urgent_waiting").exists()
