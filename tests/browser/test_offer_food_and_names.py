"""A helper with two offers of hot meals tells them apart on the Helping page, ticks two kinds
of food on one offer's "Change" page and sees both on the offer's page (issue 14, point 15)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import StaffMembership
from marketplace.models import Category
from marketplace.services import moderation_approve, offer_create
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EVENINGS = "Hot meals – Mondays and Wednesdays, within 2 km"
LUNCHES = "Hot meals – Fridays, within 500 metres"


def test_two_meal_offers_told_apart_and_two_foods_saved(
    live_server, new_context, pages, need_and_helper
):
    _, people = need_and_helper
    sam = people["Sam"]  # holds the ID check hot meals need
    moderator = StaffMembership.objects.get(role=StaffMembership.Role.MODERATOR).user
    meals = Category.objects.get(slug="hot-meals")
    offers = {}
    for name, radius_m, slots in (
        ("evenings", 2000, [(0, dt.time(17), dt.time(19)), (2, dt.time(17), dt.time(19))]),
        ("lunches", 500, [(4, dt.time(12), dt.time(13))]),
    ):
        created = offer_create(
            helper=sam,
            category=meals,
            description="A spare portion of what I cook.",
            radius_m=radius_m,
            slots=slots,
            dietary_capabilities=["vegan"],
        )
        offers[name] = moderation_approve(actor=moderator, kind="offer", listing_id=created.pk)

    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "sam@example.org")

    p.goto(base + "/helping/")
    pages.check(p, "helping with two meal offers")
    table = p.locator("table.govuk-table")
    for label in (EVENINGS, LUNCHES):
        assert table.get_by_role("link", name=label, exact=True).count() == 1, label

    table.get_by_role("link", name=EVENINGS, exact=True).click()
    p.get_by_role("heading", name=EVENINGS, level=1).wait_for()
    pages.check(p, "offer page")
    p.get_by_role("link", name="Change food you can cook").click()
    p.get_by_role("heading", name="Which of these can you cook? (optional)").wait_for()
    pages.check(p, "change food")
    assert p.get_by_label("Vegan").is_checked()  # what was saved comes back ticked
    p.get_by_label("Vegan").uncheck()
    p.get_by_label("Vegetarian").check()
    p.get_by_label("Halal").check()
    p.get_by_role("button", name="Save changes").click()

    p.get_by_role("heading", name=EVENINGS, level=1).wait_for()
    pages.check(p, "offer page with food changed")
    assert "Your changes have been saved." in p.content()
    row = p.locator(".govuk-summary-list__row").filter(has_text="Food you can cook")
    assert row.locator(".govuk-summary-list__value").inner_text().strip() == "Vegetarian, Halal"
    offers["evenings"].refresh_from_db()
    offers["lunches"].refresh_from_db()
    assert offers["evenings"].dietary_capabilities == ["vegetarian", "halal"]
    assert offers["lunches"].dietary_capabilities == ["vegan"]
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
