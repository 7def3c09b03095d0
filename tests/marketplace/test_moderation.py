"""Moderation: the review queue, approve and reject (with the reason the owner sees),
auto-approval of verified helpers, reports, blocks and their audit events."""

import pytest
from django.utils import timezone

from accounts.models import StaffMembership
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import selectors, services
from marketplace.models import Need, Offer
from safeguarding import blocks as safeguarding_blocks
from safeguarding import reports as safeguarding_reports
from tests.kit import factories as make
from trust import selectors as trust_selectors
from trust.models import Block, HelperCheck, Report

pytestmark = pytest.mark.django_db


def test_new_listings_wait_for_review(citizen, helper, moderator):
    need = make.need(owner=citizen)
    offer = make.offer(helper=helper)
    assert need.status == Need.Status.PENDING_REVIEW
    assert offer.status == Offer.Status.PENDING_REVIEW
    assert list(selectors.review_queue_needs(staff=moderator)) == [need]
    assert list(selectors.review_queue_offers(staff=moderator)) == [offer]


def test_approve_publishes_and_writes_an_audit_event(citizen, moderator, home_council):
    need = make.need(owner=citizen)
    services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    event = AuditEvent.objects.get(verb="need.approved")
    assert (event.actor_id, event.council_id, event.target_id) == (
        moderator.pk,
        home_council.pk,
        need.pk,
    )
    assert list(selectors.review_queue_needs(staff=moderator)) == []


def test_reject_with_a_reason_the_owner_sees(helper, moderator):
    offer = make.offer(helper=helper)
    services.moderation_reject(
        actor=moderator,
        kind="offer",
        listing_id=offer.pk,
        reason="Please say which days you are free.",
    )
    mine = selectors.access_offer(user=helper, offer_id=offer.pk)
    assert mine.status == Offer.Status.CLOSED
    assert mine.rejection_reason == "Please say which days you are free."
    event = AuditEvent.objects.get(verb="offer.rejected")
    # The audit row keeps that a reason was given, not its words (they stay on the listing).
    assert (event.data["reason_given"], event.data["reason_length"]) == (True, 35)
    assert "free" not in str(event.data)


def test_a_review_queue_rejection_never_takes_down_what_was_just_approved(citizen, moderator):
    need = make.need(owner=citizen)
    services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    with pytest.raises(ApplicationError, match="not waiting for review any more"):
        services.moderation_reject(
            actor=moderator, kind="need", listing_id=need.pk, reason="Vague", only_pending=True
        )
    need.refresh_from_db()
    assert (need.status, need.rejection_reason) == ("open", "")
    assert not AuditEvent.objects.filter(verb="need.rejected").exists()
    # Taking an open listing down on purpose (after a report, say) still works.
    services.moderation_reject(actor=moderator, kind="need", listing_id=need.pk, reason="Vague")
    need.refresh_from_db()
    assert (need.status, need.closed_reason) == ("closed", "rejected")


def test_reject_needs_a_reason(citizen, moderator):
    need = make.need(owner=citizen)
    with pytest.raises(ApplicationError, match="Enter the reason"):
        services.moderation_reject(actor=moderator, kind="need", listing_id=need.pk, reason=" ")
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING_REVIEW
    assert not AuditEvent.objects.filter(verb="need.rejected").exists()


def test_rejected_need_is_closed_as_rejected(citizen, moderator):
    need = make.need(owner=citizen)
    services.moderation_reject(actor=moderator, kind="need", listing_id=need.pk, reason="Vague")
    need.refresh_from_db()
    assert (need.status, need.closed_reason, need.rejection_reason) == (
        "closed",
        "rejected",
        "Vague",
    )


def test_staff_of_another_council_cannot_moderate(citizen, away_moderator):
    need = make.need(owner=citizen)
    with pytest.raises(NotFound):
        services.moderation_approve(actor=away_moderator, kind="need", listing_id=need.pk)
    with pytest.raises(NotFound):
        services.moderation_reject(
            actor=away_moderator, kind="need", listing_id=need.pk, reason="no"
        )
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING_REVIEW
    assert list(selectors.review_queue_needs(staff=away_moderator)) == []


def test_safeguarding_lead_cannot_moderate_and_citizens_cannot_either(
    citizen, other_citizen, home_council
):
    lead = make.staff(council=home_council, role=StaffMembership.Role.SAFEGUARDING_LEAD)
    need = make.need(owner=citizen)
    for actor in (lead, other_citizen, citizen):
        with pytest.raises(NotFound):
            services.moderation_approve(actor=actor, kind="need", listing_id=need.pk)


def test_staff_cannot_approve_their_own_listing(moderator):
    offer = make.offer(helper=moderator)
    with pytest.raises(ApplicationError, match="Another moderator"):
        services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)


def test_approving_twice_is_refused(citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    with pytest.raises(ApplicationError, match="not waiting for review"):
        services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)


# --- Auto-approval ---------------------------------------------------------------------------
def test_council_setting_auto_approves_id_checked_helpers(helper, home_council):
    home_council.auto_approve_verified_helpers = True
    home_council.save()
    assert make.offer(helper=helper).status == Offer.Status.PENDING_REVIEW  # no check yet
    make.check(user=helper, council=home_council)
    offer = make.offer(helper=helper)
    assert offer.status == Offer.Status.OPEN
    assert offer.published_at is not None
    assert AuditEvent.objects.filter(verb="offer.published", target_id=offer.pk).exists()


def test_auto_approval_needs_the_check_the_category_requires(helper, home_council):
    home_council.auto_approve_verified_helpers = True
    home_council.save()
    make.check(user=helper, council=home_council)
    # Personal care is regulated activity: an ID check alone is not enough to skip review.
    offer = make.offer(helper=helper, category_slug="personal-care")
    assert offer.status == Offer.Status.PENDING_REVIEW
    make.check(user=helper, council=home_council, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED)
    assert make.offer(helper=helper, category_slug="personal-care").status == Offer.Status.OPEN


def test_without_the_setting_verified_helpers_still_wait(helper, home_council):
    make.check(user=helper, council=home_council)
    assert make.offer(helper=helper).status == Offer.Status.PENDING_REVIEW


def test_expired_or_revoked_checks_do_not_auto_approve(helper, home_council):
    home_council.auto_approve_verified_helpers = True
    home_council.save()
    check = make.check(user=helper, council=home_council)
    check.revoked_at = timezone.now()
    check.save()
    assert make.offer(helper=helper).status == Offer.Status.PENDING_REVIEW


# --- Reports ---------------------------------------------------------------------------------
def test_report_a_listing_joins_the_councils_queue(citizen, other_citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    report = safeguarding_reports.report_create(
        reporter=other_citizen, target_type="need", target_id=need.pk, reason="Looks like spam"
    )
    assert report.council_id == need.council_id
    assert list(trust_selectors.reports_for_staff(staff=moderator)) == [report]
    with pytest.raises(ApplicationError, match="already reported"):
        safeguarding_reports.report_create(
            reporter=other_citizen, target_type="need", target_id=need.pk, reason="Again"
        )


def test_cannot_report_what_you_cannot_see(citizen, other_citizen):
    need = make.need(owner=citizen)  # still waiting for review: only the owner sees it
    with pytest.raises(NotFound):
        safeguarding_reports.report_create(
            reporter=other_citizen, target_type="need", target_id=need.pk, reason="x"
        )
    with pytest.raises(NotFound):
        safeguarding_reports.report_create(
            reporter=other_citizen, target_type="person", target_id=citizen.pk, reason="x"
        )
    assert Report.objects.count() == 0


def test_report_upheld_with_take_down(citizen, other_citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    report = safeguarding_reports.report_create(
        reporter=other_citizen, target_type="need", target_id=need.pk, reason="Selling things"
    )
    safeguarding_reports.report_decide(
        actor=moderator,
        report_id=report.pk,
        upheld=True,
        note="Kith is not for selling things.",
        take_down=True,
    )
    report.refresh_from_db()
    need.refresh_from_db()
    assert report.status == Report.Status.UPHELD
    assert (need.status, need.closed_reason) == ("closed", "rejected")
    assert need.rejection_reason == "Kith is not for selling things."
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"report.upheld", "need.rejected"} <= verbs
    assert report.decision_note == "Kith is not for selling things."
    # Audit rows are append-only and outlive reports and listings: no typed words in them.
    assert AuditEvent.objects.get(verb="report.upheld").data["note_given"] is True
    assert not any("selling" in str(e.data) for e in AuditEvent.objects.all())
    with pytest.raises(ApplicationError, match="already been decided"):
        safeguarding_reports.report_decide(actor=moderator, report_id=report.pk, upheld=False)


def test_report_decided_only_by_staff_of_its_council(
    citizen, other_citizen, moderator, away_moderator
):
    need = make.open_need(owner=citizen, moderator=moderator)
    # (A report about a person goes to the safeguarding lead as a concern instead.)
    report = safeguarding_reports.report_create(
        reporter=other_citizen, target_type="need", target_id=need.pk, reason="Rude"
    )
    with pytest.raises(NotFound):
        safeguarding_reports.report_decide(actor=away_moderator, report_id=report.pk, upheld=False)
    safeguarding_reports.report_decide(
        actor=moderator, report_id=report.pk, upheld=False, note="Spoke"
    )
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert need.pk


# --- Blocks ----------------------------------------------------------------------------------
def test_block_hides_listings_both_ways(citizen, other_citizen, helper, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    safeguarding_blocks.block_create(blocker=citizen, blocked_id=helper.pk)
    safeguarding_blocks.block_create(blocker=citizen, blocked_id=helper.pk)  # idempotent
    assert Block.objects.count() == 1
    with pytest.raises(NotFound):
        selectors.access_need(user=helper, need_id=need.pk)
    with pytest.raises(NotFound):
        selectors.access_offer(user=citizen, offer_id=offer.pk)
    assert offer not in selectors.listings_near(viewer=citizen, kind="offer")
    assert need in selectors.listings_near(viewer=other_citizen, kind="need")
    safeguarding_blocks.block_delete(blocker=citizen, blocked_id=helper.pk)
    assert selectors.access_need(user=helper, need_id=need.pk) == need


def test_cannot_block_yourself_or_a_stranger(citizen, other_citizen):
    with pytest.raises(NotFound):
        safeguarding_blocks.block_create(blocker=citizen, blocked_id=citizen.pk)
    with pytest.raises(NotFound):
        safeguarding_blocks.block_create(blocker=citizen, blocked_id=other_citizen.pk)


def test_an_urgent_need_going_live_alerts_helpers_after_commit(
    citizen, moderator, django_capture_on_commit_callbacks
):
    urgent = make.need(owner=citizen, urgency="urgent")
    routine = make.need(owner=citizen)
    quiet_routine = make.need(owner=citizen)

    def alerts(callbacks):  # matching.tasks.alert_urgent_need, queued after commit
        return [c for c in callbacks if "need_opened" in c.__qualname__]

    with django_capture_on_commit_callbacks() as callbacks:
        services.moderation_approve(actor=moderator, kind="need", listing_id=urgent.pk)
    assert len(alerts(callbacks)) == 1
    # A routine need owes nothing under Kith's default ...
    with django_capture_on_commit_callbacks() as callbacks:
        services.moderation_approve(actor=moderator, kind="need", listing_id=quiet_routine.pk)
    assert alerts(callbacks) == []
    # ... and its idle asks where the council turned them on (matching.alert_policy).
    council = routine.council
    council.settings = {**(council.settings or {}), "alerts": {"idle_asks": 2}}
    council.save(update_fields=["settings"])
    with django_capture_on_commit_callbacks() as callbacks:
        services.moderation_approve(actor=moderator, kind="need", listing_id=routine.pk)
    assert len(alerts(callbacks)) == 1


def test_staff_cannot_record_for_a_suspended_person(citizen, moderator):
    citizen.suspended_at = timezone.now()
    citizen.save()
    with pytest.raises(ApplicationError, match="suspended"):
        make.need(owner=citizen, recorded_by=moderator, consent_given=True)


def test_urgent_needs_lead_the_review_queue(client, citizen, other_citizen, moderator):
    """Needs for today or tomorrow first, then the next few days, oldest first within each."""
    routine = make.need(owner=citizen, title="Routine, oldest")
    soon = make.need(owner=other_citizen, title="Later this week", urgency="soon")
    urgent = make.need(owner=citizen, title="Today, newest", urgency="urgent")
    assert list(selectors.review_queue_needs(staff=moderator)) == [urgent, soon, routine]
    client.force_login(moderator)
    page = client.get("/staff/moderation/").content.decode()
    order = [page.index(title) for title in ("Today, newest", "Later this week", "Routine, oldest")]
    assert order == sorted(order)
