"""Changing a need after sending it, blocking the other person in a match (and undoing it),
and reporting one message, in Chromium with axe-core on every page, and the need change again
with JavaScript switched off."""

from __future__ import annotations

import pytest

from marketplace.models import Need
from matching.models import Match
from matching.services import match_accept, match_offer_help, message_send
from tests.kit.browser import sign_in
from trust.models import Block, Report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _talking(need, people) -> Match:
    offer = people["Sam"].offers.get()
    match = match_offer_help(helper=people["Sam"], need_id=need.pk, offer_id=offer.pk)
    match_accept(user=people["Margaret"], match_id=match.pk)
    message_send(user=people["Margaret"], match_id=match.pk, body="Hello Sam")
    message_send(user=people["Sam"], match_id=match.pk, body="Send me £50 first.")
    return match


def test_citizen_changes_a_need_after_sending_it(live_server, new_context, pages, need_and_helper):
    need, _ = need_and_helper
    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + f"/needs/{need.pk}/")
    pages.check(p, "need page with change links")
    p.get_by_role("link", name="Change what you need").click()
    p.get_by_role("heading", name="What do you need?").wait_for()
    pages.check(p, "change what you need")
    assert "checked again by the council before helpers see it" in p.content()

    # Contact details are refused, with the error summary linking to the field.
    p.get_by_label("Tell helpers a bit more").fill("Call me on 0113 496 0000 any time.")
    p.get_by_role("button", name="Save changes").click()
    p.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(p, "change what you need error")
    p.locator(".govuk-error-summary a").first.click()
    assert p.evaluate("document.activeElement.name") == "description"
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN and "0113" not in need.description

    p.get_by_label("Sum up what you need in a few words").fill("A chat and a walk on Tuesdays")
    p.get_by_label("Tell helpers a bit more").fill("Tea, a chat and a short walk.")
    p.get_by_role("button", name="Save changes").click()
    p.get_by_text("Council staff will check your request again").wait_for()
    pages.check(p, "need page after change")
    need.refresh_from_db()
    assert need.title == "A chat and a walk on Tuesdays"
    assert need.status == Need.Status.PENDING_REVIEW

    # Weekly times, without JavaScript: rows can be added and saved.
    plain = new_context(javascript=False).new_page()
    sign_in(plain, base, "margaret@example.org")
    plain.goto(base + f"/needs/{need.pk}/")
    plain.get_by_role("link", name="Change when you need help").click()
    pages.check(plain, "no js change weekly times", javascript=False)
    plain.get_by_role("button", name="Add another time").click()
    row = plain.get_by_role("group", name="Time 1")
    row.get_by_label("Day").select_option(label="Tuesday")
    row.get_by_label("From").fill("14:00")
    row.get_by_label("Until").fill("13:00")
    plain.get_by_role("button", name="Save changes").click()
    pages.check(plain, "no js weekly times error", javascript=False)
    row = plain.get_by_role("group", name="Time 1")
    row.get_by_label("Until").fill("16:00")
    plain.get_by_role("button", name="Save changes").click()
    plain.get_by_text("Your changes have been saved.").wait_for()
    assert [(s.weekday, f"{s.start:%H:%M}") for s in need.slots.all()] == [(1, "14:00")]

    p.goto(base + f"/needs/{need.pk}/")
    p.get_by_role("link", name="Change how soon you need help").click()
    pages.check(p, "change how soon")
    p.get_by_label("Today or tomorrow").check()
    p.get_by_role("button", name="Save changes").click()
    p.get_by_text("Your changes have been saved.").wait_for()
    need.refresh_from_db()
    assert need.urgency == "urgent"
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_block_then_unblock(live_server, new_context, pages, need_and_helper):
    need, people = need_and_helper
    match = _talking(need, people)
    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + f"/matches/{match.pk}/")
    p.get_by_role("link", name="Block Sam").click()
    p.get_by_role("heading", name="Block Sam").wait_for()
    pages.check(p, "block confirm")
    assert Block.objects.count() == 0
    p.get_by_role("button", name="Block Sam").click()
    p.get_by_role("heading", name="People you have blocked").wait_for()
    pages.check(p, "people you have blocked")
    assert Block.objects.filter(blocker=people["Margaret"], blocked=people["Sam"]).exists()

    p.get_by_role("link", name="Unblock Sam").click()
    pages.check(p, "unblock confirm")
    p.get_by_role("button", name="Unblock Sam").click()
    p.get_by_text("You have unblocked Sam.").wait_for()
    pages.check(p, "nobody blocked")
    assert not Block.objects.exists()
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_report_one_message(live_server, new_context, pages, need_and_helper):
    need, people = need_and_helper
    match = _talking(need, people)
    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + f"/matches/{match.pk}/")
    pages.check(p, "conversation with report links")
    links = p.get_by_role("link", name="Report this message")
    assert links.count() == 1  # only Sam's message, not Margaret's own
    links.first.click()
    p.get_by_role("heading", name="Report this message").wait_for()
    pages.check(p, "report a message")
    p.get_by_role("button", name="Send report to the council").click()
    p.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(p, "report a message error")
    p.get_by_label("It asks for money, bank details or personal information").check()
    p.get_by_label("Anything else the council should know? (optional)").fill("Before we met.")
    p.get_by_role("button", name="Send report to the council").click()
    p.get_by_role("heading", name="Message reported").wait_for()
    pages.check(p, "message reported")
    report = Report.objects.get()
    assert report.target_type == "message" and report.reporter == people["Margaret"]
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_helper_changes_an_offer(live_server, new_context, pages, need_and_helper):
    _, people = need_and_helper
    offer = people["Sam"].offers.get()
    base = live_server.url
    h = new_context().new_page()
    sign_in(h, base, "sam@example.org")
    h.goto(base + f"/offers/{offer.pk}/")
    h.get_by_role("link", name="Change how many people at once").click()
    pages.check(h, "change how many people")
    h.get_by_label("How many people could you help at the same time?").fill("0")
    h.get_by_role("button", name="Save changes").click()
    h.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(h, "change how many people error")
    h.get_by_label("How many people could you help at the same time?").fill("2")
    h.get_by_role("button", name="Save changes").click()
    h.get_by_text("Your changes have been saved.").wait_for()
    h.get_by_role("link", name="Change what you tell people about it").click()
    pages.check(h, "change what the offer says")
    h.get_by_role("link", name="Back").click()
    h.get_by_role("link", name="Change how far you travel").click()
    pages.check(h, "change how far")
    offer.refresh_from_db()
    assert offer.capacity == 2
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
