"""The offer review page in a real browser (Chromium, axe-core on each page): a moderator sees
what personal care requires, what the helper holds and what is missing; approving is refused
with a clear message and the offer stays in review; once the DBS check is recorded it opens."""

from __future__ import annotations

import pytest

from marketplace.models import Offer
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role
from trust.models import HelperCheck

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_offer_review_shows_required_held_missing_and_refuses_to_open(
    live_server, new_context, pages, home_council, helper
):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    totp = make.enrol_totp(moderator)
    make.record_check(actor=moderator, helper=helper)  # an ID check only
    offer = make.offer(helper=helper, category_slug="personal-care", title="Help with dressing")
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, moderator.email, totp=totp, pages=pages)

    page.goto(f"{base}/staff/moderation/offer/{offer.pk}/")
    page.get_by_role("heading", name="Checks light personal care needs").wait_for()
    table = page.locator("table[data-vetting]")
    assert "Enhanced DBS with adults' barred list" in table.inner_text()
    assert "Missing" in table.inner_text()
    page.get_by_text("This offer cannot open until the helper holds every check").wait_for()
    pages.check(page, "offer review with a missing check")

    page.get_by_role("button", name="Approve").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    page.get_by_role("link", name="This offer cannot open").first.wait_for()
    assert "The offer stays in review" in page.content()
    pages.check(page, "offer review refused")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW

    make.record_check(actor=moderator, helper=helper, kind=HelperCheck.Kind.DBS_ENHANCED_BARRED)
    page.goto(f"{base}/staff/moderation/offer/{offer.pk}/")
    assert "Held" in page.locator("table[data-vetting]").inner_text()
    pages.check(page, "offer review with every check held")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: Help with dressing").wait_for()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN
