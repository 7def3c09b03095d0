"""Retention: closed listings and ended conversations go once the council's period has passed;
what the statistics count (matches, feedback, audit events) stays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEvent
from marketplace import services
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from matching import services as matching
from matching.models import Feedback, Match, Message
from privacy import retention
from privacy.tasks import retention_apply
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def age(listing, *, days: float) -> None:
    """Time travel: the listing was last written `days` ago."""
    type(listing).objects.filter(pk=listing.pk).update(updated_at=timezone.now() - days * DAY)


def end_match(match, *, days: float) -> None:
    field = "completed_at" if match.status == Match.Status.COMPLETED else "ended_at"
    Match.objects.filter(pk=match.pk).update(**{field: timezone.now() - days * DAY})


@pytest.fixture
def people():
    council = make.CouncilFactory(name="Retention Council")
    moderator = make.staff(council=council)
    citizen = make.person(council=council, lon=-1.551234, lat=53.801234)
    helper = make.person(council=council, lon=-1.56, lat=53.81)
    return council, moderator, citizen, helper


def completed_pair(council, moderator, citizen, helper):
    """A need and an offer that met, talked and finished; then the offer was closed."""
    need = make.open_need(owner=citizen, moderator=moderator, title="Walk Biscuit, please")
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=citizen, match_id=match.pk)
    matching.message_send(user=helper, match_id=match.pk, body="I can come on Monday at nine.")
    matching.message_send(user=citizen, match_id=match.pk, body="Lovely, my door is blue.")
    match = matching.match_complete(user=citizen, match_id=match.pk)
    matching.feedback_leave(user=citizen, match_id=match.pk, rating=5, comment="Kind and on time")
    services.offer_close(actor=helper, offer=offer)
    need.refresh_from_db()
    offer.refresh_from_db()
    assert need.status == Need.Status.CLOSED and offer.status == Offer.Status.CLOSED
    return need, offer, match


def test_closed_listings_past_the_period_go_or_lose_their_personal_content(people):
    council, moderator, citizen, helper = people
    rejected = make.need(owner=citizen, title="Lift to Dr Patel on Tuesday")
    services.moderation_reject(actor=moderator, kind="need", listing_id=rejected.pk, reason="No")
    withdrawn = make.open_need(
        owner=citizen,
        moderator=moderator,
        title="Halal meals, please",
        dietary_requirements=["halal"],
    )
    services.need_withdraw(actor=citizen, need=withdrawn)
    recent = make.open_need(owner=citizen, moderator=moderator)
    services.need_withdraw(actor=citizen, need=recent)
    open_need = make.open_need(owner=citizen, moderator=moderator)
    closed_offer = make.open_offer(helper=helper, moderator=moderator)
    services.offer_close(actor=helper, offer=closed_offer)
    paused_offer = make.open_offer(helper=helper, moderator=moderator)
    services.offer_pause(actor=helper, offer=paused_offer)
    for listing in (rejected, withdrawn, closed_offer, paused_offer, open_need):
        age(listing, days=400)
    age(recent, days=300)
    assert NeedSlot.objects.filter(need=withdrawn).exists()
    audit_before = AuditEvent.objects.count()
    counted_before = Need.objects.exclude(closed_reason="rejected").count()

    result = retention_apply()

    # Nothing counts a rejected need or a closed offer that never met anyone: deleted.
    assert result["needs_deleted"] == 1 and result["offers_deleted"] == 1
    assert not Need.objects.filter(pk=rejected.pk).exists()
    assert not NeedSlot.objects.filter(need_id=rejected.pk).exists()
    assert not Offer.objects.filter(pk=closed_offer.pk).exists()
    assert not OfferSlot.objects.filter(offer_id=closed_offer.pk).exists()
    # A withdrawn need still counts as a need asked for: kept, its personal content gone.
    assert result["needs_redacted"] == 1
    kept = Need.objects.get(pk=withdrawn.pk)
    assert (kept.title, kept.description) == ("", retention.REDACTED_TEXT)
    assert kept.dietary_requirements == [] and kept.postcode == ""
    assert kept.location.coords == kept.approx_location.coords
    assert not NeedSlot.objects.filter(need=kept).exists()
    assert (kept.status, kept.closed_reason, kept.created_at) == (
        "closed",
        "withdrawn",
        withdrawn.created_at,
    )
    assert Need.objects.exclude(closed_reason="rejected").count() == counted_before
    # Not closed, or closed within the period: untouched.
    for need in (recent, open_need):
        assert Need.objects.get(pk=need.pk).description == need.description
    assert NeedSlot.objects.filter(need=recent).exists()
    assert Offer.objects.get(pk=paused_offer.pk).description == paused_offer.description
    # The audit trail of those listings is history and stays.
    assert AuditEvent.objects.count() == audit_before
    assert AuditEvent.objects.filter(target_type="need", target_id=rejected.pk).exists()
    # A second run finds nothing more to do.
    assert retention_apply() == dict.fromkeys(result, 0)


def test_each_council_sets_its_own_period(people):
    council, moderator, citizen, helper = people
    council.settings = {"retention_days": 90}
    council.save(update_fields=["settings"])
    need = make.open_need(owner=citizen, moderator=moderator)
    services.need_withdraw(actor=citizen, need=need)
    age(need, days=100)
    assert retention.retention_apply().needs_redacted == 1
    assert Need.objects.get(pk=need.pk).description == retention.REDACTED_TEXT


@pytest.mark.parametrize(
    ("setting", "days"),
    [(None, 365), ("soon", 365), (2.5, 365), (1, retention.MIN_RETENTION_DAYS), (730, 730)],
)
def test_retention_period_reads_safely(setting, days):
    council = make.CouncilFactory(settings={} if setting is None else {"retention_days": setting})
    assert retention.retention_days(council) == days


def test_a_tiny_period_never_purges_last_weeks_listings(people):
    council, moderator, citizen, helper = people
    council.settings = {"retention_days": 0}
    council.save(update_fields=["settings"])
    need = make.open_need(owner=citizen, moderator=moderator)
    services.need_withdraw(actor=citizen, need=need)
    age(need, days=7)
    assert retention.retention_apply().as_dict() == dict.fromkeys(
        retention.RetentionResult().as_dict(), 0
    )
    assert Need.objects.get(pk=need.pk).description == need.description


def test_messages_of_long_ended_matches_go_but_the_match_and_feedback_stay(people):
    need, offer, match = completed_pair(*people)
    assert Message.objects.filter(match=match).count() == 2
    end_match(match, days=400)
    age(need, days=400)
    age(offer, days=400)

    result = retention.retention_apply()

    assert result.messages_deleted == 2
    assert not Message.objects.filter(match=match).exists()
    # The match and its feedback feed the open statistics, the impact report and helper
    # reliability, so the listings are redacted rather than deleted (which would cascade).
    assert Match.objects.filter(pk=match.pk, status="completed").exists()
    assert Feedback.objects.filter(match=match, rating=5, comment="").exists()
    assert result.needs_redacted == 1 and result.offers_redacted == 1
    need = Need.objects.get(pk=need.pk)
    offer = Offer.objects.get(pk=offer.pk)
    for listing in (need, offer):
        assert listing.title == ""
        assert listing.description == retention.REDACTED_TEXT
        assert listing.postcode == ""
        assert listing.location.coords == listing.approx_location.coords
        assert not type(listing).objects.filter(pk=listing.pk, slots__isnull=False).exists()
    assert "Biscuit" not in need.title + need.description
    assert need.closed_reason == "fulfilled"
    # Redaction is done once: the next run touches nothing.
    assert retention.retention_apply().as_dict() == dict.fromkeys(result.as_dict(), 0)


def test_recent_conversations_and_live_matches_keep_their_messages(people):
    council, moderator, citizen, helper = people
    need, offer, match = completed_pair(council, moderator, citizen, helper)
    end_match(match, days=30)
    live_need = make.open_need(owner=citizen, moderator=moderator)
    live_offer = make.open_offer(helper=helper, moderator=moderator)
    live = matching.match_offer_help(helper=helper, need_id=live_need.pk, offer_id=live_offer.pk)
    matching.match_accept(user=citizen, match_id=live.pk)
    matching.message_send(user=helper, match_id=live.pk, body="See you soon")
    # A live match's start was long ago, but it has not ended.
    Match.objects.filter(pk=live.pk).update(created_at=timezone.now() - 500 * DAY)

    assert retention.retention_apply().messages_deleted == 0
    assert Message.objects.filter(match__in=[match, live]).count() == 3
    assert Feedback.objects.get(match=match).comment == "Kind and on time"


def test_cancelled_match_messages_go_after_the_period(people):
    council, moderator, citizen, helper = people
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=citizen, match_id=match.pk)
    matching.message_send(user=citizen, match_id=match.pk, body="Sorry, I have to cancel")
    match = matching.match_cancel(user=citizen, match_id=match.pk, reason="Moved away")
    assert match.decline_reason == "Moved away"
    end_match(match, days=366)
    assert retention.retention_apply().messages_deleted == 1
    assert Match.objects.get(pk=match.pk).decline_reason == ""


def test_batches_cover_every_row(people):
    council, moderator, citizen, helper = people
    offers = []
    for _ in range(5):
        offer = make.open_offer(helper=helper, moderator=moderator)
        services.offer_close(actor=helper, offer=offer)
        age(offer, days=400)
        offers.append(offer.pk)
    for _ in range(3):
        need = make.open_need(owner=citizen, moderator=moderator)
        services.need_withdraw(actor=citizen, need=need)
        age(need, days=400)
    result = retention.retention_apply(batch_size=2)
    assert (result.offers_deleted, result.needs_redacted) == (5, 3)
    assert not Offer.objects.filter(pk__in=offers).exists()


def test_the_words_of_ongoing_help_go_after_the_period_but_its_hours_stay(people):
    from arrangements.models import Arrangement, Visit
    from arrangements.services import arrangement_end

    council, moderator, citizen, helper = people
    need = make.open_need(owner=citizen, moderator=moderator, title="Walk Biscuit, please")
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=citizen, match_id=match.pk)
    arrangement = Arrangement.objects.get(match=match)
    visit = arrangement.visits.order_by("starts_at").first()
    Visit.objects.filter(pk=visit.pk).update(
        status="done", minutes_spent=50, note="Her son visits on Tuesdays"
    )
    arrangement_end(
        user=citizen, arrangement_id=arrangement.pk, reason="no_longer_needed", note="Moving"
    )
    recent = retention.retention_apply()
    assert Arrangement.objects.get(pk=arrangement.pk).end_note == "Moving"  # not yet
    assert recent.messages_deleted == 0
    end_match(Match.objects.get(pk=match.pk), days=400)

    retention.retention_apply()

    arrangement.refresh_from_db()
    visit.refresh_from_db()
    assert arrangement.end_note == "" and arrangement.end_reason == "no_longer_needed"
    assert visit.note == "" and visit.minutes_spent == 50 and visit.status == "done"
    assert not arrangement.times.exists()
