"""The vetting lifecycle: expiry warnings (idempotent, to the helper and to staff), and when a
check lapses or is revoked, the offers that need it pause, the live matches made through them
are held for staff, and both people are told in words that fit what happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Offer
from matching import services as matching_services
from notifications.models import Notification
from notifications.services import helper_checks_tell_expiring
from safeguarding import checks as safeguarding_checks
from safeguarding import lapses
from safeguarding.models import MatchHold
from tests.kit import factories as make
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db
K = HelperCheck.Kind


def today() -> dt.date:
    return timezone.localdate()


def _told(person, template) -> int:
    return Notification.objects.filter(person=person, template=template, channel="kith").count()


def test_warnings_go_at_30_and_7_days_once_each_to_helper_and_staff(moderator, helper):
    council = moderator.staff_membership.council
    make.check(user=helper, council=council, expires_on=today() + dt.timedelta(days=30))
    assert helper_checks_tell_expiring(today=today() - dt.timedelta(days=1)) == 0  # 31 days
    helper_checks_tell_expiring()
    helper_checks_tell_expiring()  # the job runs again: nothing repeated
    assert _told(helper, "check_expiring") == 1
    assert _told(moderator, "check_expiring_staff") == 1
    helper_checks_tell_expiring(today=today() + dt.timedelta(days=23))  # 7 days left
    helper_checks_tell_expiring(today=today() + dt.timedelta(days=25))
    assert _told(helper, "check_expiring") == 2
    assert _told(moderator, "check_expiring_staff") == 2


def test_a_renewed_check_is_not_warned_about(moderator, helper):
    make.record_check(actor=moderator, helper=helper, days_left=20)
    make.record_check(actor=moderator, helper=helper, days_left=400)  # supersedes
    helper_checks_tell_expiring()
    assert _told(helper, "check_expiring") == 0


def test_warning_days_are_a_council_setting(moderator, helper, home_council):
    home_council.settings = {"vetting": {"warn_days": [14]}}
    home_council.save()
    make.check(user=helper, council=home_council, expires_on=today() + dt.timedelta(days=20))
    helper_checks_tell_expiring()
    assert _told(helper, "check_expiring") == 0
    helper_checks_tell_expiring(today=today() + dt.timedelta(days=6))
    assert _told(helper, "check_expiring") == 1


def _live_match(*, helper, citizen, moderator, category_slug):
    need = make.open_need(owner=citizen, moderator=moderator, category_slug=category_slug)
    offer = make.open_offer(helper=helper, moderator=moderator, category_slug=category_slug)
    match = matching_services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    matching_services.match_accept(user=citizen, match_id=match.pk)
    return offer, match


def test_revoking_pauses_the_offers_that_need_it_and_holds_their_matches(
    moderator, helper, citizen, django_capture_on_commit_callbacks
):
    dbs = make.record_check(actor=moderator, helper=helper, kind=K.DBS_ENHANCED_BARRED)
    make.record_check(actor=moderator, helper=helper, kind=K.ID)
    care, care_match = _live_match(
        helper=helper, citizen=citizen, moderator=moderator, category_slug="shopping"
    )
    garden = make.open_offer(helper=helper, moderator=moderator, category_slug="gardening")
    with django_capture_on_commit_callbacks(execute=True):
        revoked = safeguarding_checks.helper_check_revoke(
            actor=moderator, check_id=dbs.pk, reason="Certificate belonged to someone else"
        )
    assert revoked.paused == [care.pk] and revoked.held == [care_match.pk]
    care.refresh_from_db()
    garden.refresh_from_db()
    assert care.status == Offer.Status.PAUSED
    assert garden.status == Offer.Status.OPEN  # the ID check still holds it
    hold = MatchHold.objects.get(match=care_match)
    assert hold.why == "revoked" and hold.kinds == [K.DBS_ENHANCED_BARRED]
    assert _told(helper, "offer_paused_check_revoked") == 1
    assert _told(helper, "match_held_helper") == 1
    assert _told(citizen, "match_held_citizen") == 1
    assert _told(moderator, "match_held_staff") == 1
    body = Notification.objects.get(person=citizen, template="match_held_citizen", channel="kith")
    assert "is not in place" in body.body and "expired" not in body.body
    # Staff cannot let it go on until the helper holds the check again.
    with pytest.raises(ApplicationError, match="Enhanced DBS"):
        lapses.match_hold_release(actor=moderator, hold_id=hold.pk)
    make.record_check(actor=moderator, helper=helper, kind=K.DBS_ENHANCED_BARRED)
    lapses.match_hold_release(actor=moderator, hold_id=hold.pk)
    hold.refresh_from_db()
    assert hold.outcome == MatchHold.Outcome.CONTINUED


def test_revoking_one_of_two_current_checks_cannot_happen_any_more(moderator, helper):
    first = make.record_check(actor=moderator, helper=helper)
    make.record_check(actor=moderator, helper=helper)  # the same ID check again: supersedes
    garden = make.open_offer(helper=helper, moderator=moderator, category_slug="gardening")
    result = safeguarding_checks.helper_check_revoke(
        actor=moderator, check_id=first.pk, reason="Duplicate"
    )
    # The superseded duplicate goes; the current one still holds the offer, and nothing is
    # said to be paused.
    assert result.paused == []
    garden.refresh_from_db()
    assert garden.status == Offer.Status.OPEN


def test_expiry_pauses_with_words_for_expiry(
    moderator, helper, citizen, django_capture_on_commit_callbacks
):
    make.record_check(actor=moderator, helper=helper, days_left=5)
    offer, match = _live_match(
        helper=helper, citizen=citizen, moderator=moderator, category_slug="gardening"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert safeguarding_checks.offers_pause_unqualified(on=today() + dt.timedelta(days=6)) == 1
    assert MatchHold.objects.get(match=match).why == "expired"
    assert _told(helper, "offer_paused_check") == 1
    citizen_row = Notification.objects.get(
        person=citizen, template="match_held_citizen", channel="kith"
    )
    assert "has expired" in citizen_row.body


def test_a_check_that_never_existed_is_never_called_no_longer_current(
    moderator, helper, django_capture_on_commit_callbacks
):
    # An offer opened before checks were enforced, by a helper who never had one.
    offer = make.offer_row(
        council=moderator.staff_membership.council,
        helper=helper,
        cat=make.category("gardening"),
        checked=False,
    )
    assert offer.status == Offer.Status.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        assert safeguarding_checks.offers_pause_unqualified() == 1
    event = AuditEvent.objects.get(verb="offer.paused_check_lapsed", target_id=offer.pk)
    assert event.data["why"] == "never_held"
    row = Notification.objects.get(person=helper, channel="kith")
    assert row.template == "offer_paused_check_missing"
    assert "no longer current" not in row.body and "expired" not in row.body
    assert "not recorded" in row.body
