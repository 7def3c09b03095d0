"""'Choose all that apply' keeps every answer: a helper who ticks two kinds of food they cook
for has both saved, and a citizen's two dietary needs are both kept."""

from __future__ import annotations

import pytest

from marketplace.models import Offer
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


def test_a_helper_ticks_two_kinds_of_food_and_both_are_saved(
    live_server, new_context, pages, need_and_helper
):
    _, people = need_and_helper
    helper = people["Margaret"]
    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")

    p.goto(base + "/offers/new/")
    p.get_by_label("Hot meals").check()
    _continue(p)
    p.get_by_label("Tell people about the help you can give").fill("Spare portions most days.")
    _continue(p)
    _continue(p)  # where from: the home postcode
    p.get_by_label("Up to 2 km").check()
    _continue(p)
    _continue(p)  # weekly times: any time
    p.get_by_label("How many people could you help at the same time?").fill("2")
    _continue(p)
    _continue(p)  # languages (optional)

    p.get_by_role("heading", name="Which of these can you cook?").wait_for()
    # Every choice is a checkbox, not a radio: more than one can be ticked.
    assert p.locator('input[name="dietary_capabilities"][type="checkbox"]').count() >= 2
    assert p.locator('input[name="dietary_capabilities"][type="radio"]').count() == 0
    p.get_by_label("Vegetarian").check()
    p.get_by_label("Halal").check()
    pages.check(p, "food, two ticked")
    _continue(p)

    p.get_by_role("heading", name="Check your answers").wait_for()
    summary = p.locator(".govuk-summary-list").inner_text()
    assert "Vegetarian" in summary and "Halal" in summary
    p.get_by_role("button", name="Send offer").click()
    p.get_by_role("heading", name="Offer sent").wait_for()
    offer = Offer.objects.get(helper=helper)
    assert sorted(offer.dietary_capabilities) == ["halal", "vegetarian"]
