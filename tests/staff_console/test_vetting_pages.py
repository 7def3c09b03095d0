"""The offer review page shows what the category requires, what the helper holds and what is
missing, and refuses to open an offer without them; the checks page records references and
DBS Update Service details (the whole number never shown), status checks and held matches."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from marketplace.models import Offer
from matching import services as matching_services
from safeguarding.models import MatchHold
from tests.kit import factories as make
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db
FULL_NUMBER = "001234567890"


def test_the_offer_review_page_shows_required_held_and_missing_and_refuses(
    client, moderator, helper
):
    make.record_check(actor=moderator, helper=helper)  # an ID check only
    offer = make.offer(helper=helper, category_slug="personal-care")
    client.force_login(moderator)
    page = client.get(reverse("staff:moderation_item", args=["offer", offer.pk])).content.decode()
    assert "Checks light personal care needs" in page
    assert "Enhanced DBS with adults&#x27; barred list" in page
    assert "Missing" in page and "cannot open until" in page
    response = client.post(reverse("staff:moderation_approve", args=["offer", offer.pk]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "This offer cannot open" in body and "stays in review" in body
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW
    make.record_check(actor=moderator, helper=helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED)
    page = client.get(reverse("staff:moderation_item", args=["offer", offer.pk])).content.decode()
    assert "Held" in page and "cannot open until" not in page
    response = client.post(reverse("staff:moderation_approve", args=["offer", offer.pk]))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_a_reference_is_recorded_with_its_referee(client, moderator, helper):
    client.force_login(moderator)
    today = timezone.localdate()
    form = {"email": helper.email, "kind": "reference", "issued_on": today.isoformat()}
    response = client.post(reverse("staff:checks"), form)
    assert response.status_code == 400
    assert "Enter who gave the reference" in response.content.decode()
    response = client.post(reverse("staff:checks"), {**form, "referee_name": "Ann Referee"})
    assert response.status_code == 302
    page = client.get(reverse("staff:checks")).content.decode()
    assert "Reference from Ann Referee" in page


def test_update_service_number_is_kept_encrypted_and_never_shown_logged_or_audited(
    client, moderator, helper, caplog
):
    client.force_login(moderator)
    today = timezone.localdate()
    form = {
        "email": helper.email,
        "kind": "dbs_enhanced_barred",
        "issued_on": (today - dt.timedelta(days=5)).isoformat(),
        "expires_on": (today + dt.timedelta(days=1000)).isoformat(),
        "certificate_number": FULL_NUMBER,
    }
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("staff:checks"), form)
        assert response.status_code == 400  # no consent recorded: refused
        assert "agreed to DBS Update Service" in response.content.decode()
        response = client.post(reverse("staff:checks"), {**form, "update_service_consent": "on"})
        assert response.status_code == 302
        page = client.get(reverse("staff:checks")).content.decode()
    check = HelperCheck.objects.get(user=helper)
    assert check.certificate_last4 == "7890"
    assert (
        check.certificate_number_encrypted and FULL_NUMBER not in check.certificate_number_encrypted
    )
    assert FULL_NUMBER not in page and "ending 7890" in page
    assert "re-checks due" in page and helper.public_name in page  # never checked yet
    assert FULL_NUMBER not in caplog.text
    for event in AuditEvent.objects.all():
        assert FULL_NUMBER not in str(event.data)

    # Staff record the status check they made: current, then not current (revoked).
    url = reverse("staff:check_status", args=[check.pk])
    assert client.post(url, {"result": "current"}).status_code == 302
    check.refresh_from_db()
    assert (check.status_checked_on, check.status_check_result) == (today, "current")
    page = client.get(reverse("staff:checks")).content.decode()
    assert "No DBS certificates are due for a status check" in page
    client.post(url, {"result": "not_current"})
    check.refresh_from_db()
    assert check.revoked_at is not None and check.status_check_result == "not_current"


def test_a_held_match_is_listed_and_goes_on_only_once_the_checks_are_back(
    client, moderator, helper, citizen
):
    check = make.record_check(actor=moderator, helper=helper)
    need = make.open_need(owner=citizen, moderator=moderator, category_slug="gardening")
    offer = make.open_offer(helper=helper, moderator=moderator, category_slug="gardening")
    match = matching_services.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    client.force_login(moderator)
    response = client.post(
        reverse("staff:check_revoke", args=[check.pk]), {"reason": "Wrong person"}, follow=True
    )
    assert "Offers paused: 1. Matches held for review: 1." in response.content.decode()
    hold = MatchHold.objects.get(match=match)
    page = client.get(reverse("staff:checks")).content.decode()
    assert "Matches held for review" in page and "A check was revoked" in page
    response = client.post(reverse("staff:hold_release", args=[hold.pk]), follow=True)
    assert "cannot go on" in response.content.decode()
    make.record_check(actor=moderator, helper=helper)
    response = client.post(reverse("staff:hold_release", args=[hold.pk]), follow=True)
    assert "The match goes on" in response.content.decode()
    assert "No matches are held" in response.content.decode()
