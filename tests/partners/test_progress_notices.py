"""The referrer is told, in "What's new" and by email, when a helper is found, when visits
are under way and when the help ends: in words without the helper's details."""

from __future__ import annotations

import pytest

from marketplace.services import moderation_approve, need_withdraw
from matching.services import match_accept, match_offer_help, match_start
from notifications.models import Notification
from partners import services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _notices(person, template):
    return Notification.objects.filter(person=person, template=template)


def _matched(referral, moderator, home_council):
    need = referral.need
    moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    helper = make.person(council=home_council, display_name="Harry Helperson")
    offer = make.offer_row(council=home_council, helper=helper, cat=need.category)
    match = match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=referral.person, match_id=match.pk)
    return match, helper


def test_the_referrer_hears_a_helper_is_found_and_visits_start(
    referral, referrer, moderator, home_council
):
    match, helper = _matched(referral, moderator, home_council)
    found = _notices(referrer, "referral_matched")
    assert set(found.values_list("channel", flat=True)) == {"kith", "email"}
    for row in found:
        assert f"number {referral.pk}" in row.body and "Harry" not in row.body
        assert "Helperson" not in row.body and "shopping" in row.body
    match_start(user=helper, match_id=match.pk)
    assert _notices(referrer, "referral_running").filter(channel="kith").count() == 1


def test_the_referrer_hears_when_it_ends(referral, referrer, moderator):
    moderation_approve(actor=moderator, kind="need", listing_id=referral.need_id)
    referral.refresh_from_db()
    need_withdraw(actor=referral.person, need=referral.need)
    assert _notices(referrer, "referral_ended").filter(channel="kith").count() == 1


def test_a_paused_organisation_is_not_told(
    referral, referrer, organisation, council_admin, moderator, home_council
):
    services.organisation_suspend(
        actor=council_admin, organisation_id=organisation.pk, reason="Paused"
    )
    _matched(referral, moderator, home_council)
    assert not _notices(referrer, "referral_matched").exists()
