"""What Kith tells people, in Chromium with JavaScript switched off: a message from the helper
shows as unread in the navigation, on the home page ("What’s new" and "Your matches") and on
the match page, and reading it lowers the count; a person chooses email and text messages and
confirms their mobile number with the code Kith texts them."""

from __future__ import annotations

import re

import pytest

from matching.services import match_accept, match_offer_help
from notifications.models import Channel, ContactPreference, Notification
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HELLO = "Hello Margaret, would Tuesday at 2 suit you?"
NEWS = ".kith-news li"


def unread_of(person) -> int:
    return Notification.objects.filter(
        person=person, channel=Channel.KITH, read_at__isnull=True
    ).count()


def nav_link(page):
    """The service navigation's "What’s new" link, whatever its count says."""
    return page.locator(".govuk-service-navigation__link").filter(has_text="What’s new")


def nav_text(unread: int) -> str:
    return f"What’s new ({unread} unread)" if unread else "What’s new"


def tag_of(locator) -> str:
    """The text of the one GOV.UK tag inside `locator` (fails at once if there is none)."""
    tags = locator.locator(".govuk-tag")
    assert tags.count() == 1, f"expected one tag, found {tags.count()}"
    return tags.inner_text().strip()


def shot(pages, page, name: str) -> None:
    """A screenshot beside the checked pages', for a page whose parts axe-core checks
    elsewhere (each axe-core check without JavaScript takes a couple of seconds)."""
    page.wait_for_load_state("load")
    pages.count += 1
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    page.screenshot(path=str(pages.dir / f"{pages.count:02d}-{slug}.png"), full_page=True)


def test_a_new_message_is_news_until_it_is_read(live_server, new_context, pages, need_and_helper):
    need, people = need_and_helper
    margaret, sam = people["Margaret"], people["Sam"]
    offer = sam.offers.get()
    match = match_offer_help(helper=sam, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=margaret, match_id=match.pk)
    base = live_server.url
    assert not Notification.objects.filter(person=margaret, template="message_received").exists()

    # --- The helper writes on the match page ------------------------------------------------
    h = new_context(javascript=False).new_page()
    sign_in(h, base, "sam@example.org")
    h.goto(base + f"/matches/{match.pk}/")
    h.get_by_label("Your message").fill(HELLO)
    h.get_by_role("button", name="Send message").click()
    h.get_by_text("Your message has been sent.").wait_for()
    shot(pages, h, "helper sent a message")
    # The helper's own message is never "New" to them.
    assert h.locator(".kith-message").filter(has_text=HELLO).locator(".govuk-tag").count() == 0

    notice = Notification.objects.get(
        person=margaret, channel=Channel.KITH, template="message_received"
    )
    assert notice.read_at is None
    assert (notice.target_type, notice.target_id) == ("match", match.pk)
    before = unread_of(margaret)
    assert before >= 1

    # --- The citizen signs in: the navigation and the home page say so -------------------
    # Same browser (its cache is warm), the helper's session cleared.
    h.context.clear_cookies()
    p = h
    sign_in(p, base, "margaret@example.org")
    p.goto(base + "/home/")
    p.get_by_role("heading", name="Hello, Margaret").wait_for()
    pages.check(p, "citizen home with news", javascript=False)
    assert nav_link(p).inner_text().strip() == f"What’s new ({before} unread)"

    p.get_by_role("heading", name="What’s new", exact=True).wait_for()
    item = p.locator(NEWS).filter(has_text=notice.subject)
    assert item.count() == 1
    assert tag_of(item) == "New"
    link = item.get_by_role("link", name=notice.subject)
    assert link.get_attribute("href") == f"/whats-new/{notice.pk}/"

    p.get_by_role("heading", name="Your matches").wait_for()
    ours = p.locator("li").filter(
        has=p.get_by_role("link", name=re.compile(r"Sam is helping with .A chat on Tuesday"))
    )
    assert ours.count() == 1
    assert tag_of(ours) == "New message"

    # The whole list says the same.
    p.get_by_role("link", name=nav_text(before), exact=True).click()
    p.get_by_role("heading", name="What’s new", exact=True).wait_for()
    pages.check(p, "whats new list", javascript=False)
    listed = p.locator(NEWS).filter(has_text=notice.subject)
    assert tag_of(listed) == "New"
    assert p.locator(NEWS).locator(".govuk-tag").count() == before

    # --- Following the notice opens the conversation with the message marked "New" ---------
    through = f"/whats-new/{notice.pk}/"
    with p.expect_response(lambda r: r.url == base + through) as opened:
        listed.get_by_role("link", name=notice.subject).click()
    assert opened.value.status == 302  # marked read, then on to the match
    p.get_by_role("heading", name="Messages").wait_for()
    assert re.search(rf"/matches/{match.pk}/(#messages)?$", p.url), p.url
    shot(pages, p, "match page with a new message")
    message = p.locator(".kith-message").filter(has_text=HELLO)
    assert message.count() == 1
    assert tag_of(message) == "New"

    notice.refresh_from_db()
    assert notice.read_at is not None
    after = unread_of(margaret)
    assert after < before
    assert nav_link(p).inner_text().strip() == nav_text(after)

    # Back home, nothing about the message is new any more.
    p.goto(base + "/home/")
    shot(pages, p, "citizen home after reading")
    assert nav_link(p).inner_text().strip() == nav_text(after)
    assert p.locator(NEWS).filter(has_text=notice.subject).locator(".govuk-tag").count() == 0
    assert p.get_by_text("New message", exact=True).count() == 0
    # Seen once, the message is no longer "New" on the match page either.
    p.goto(base + f"/matches/{match.pk}/")
    assert message.locator(".govuk-tag").count() == 0

    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_choose_email_and_texts_and_confirm_the_mobile(
    live_server, new_context, pages, need_and_helper
):
    _, people = need_and_helper
    margaret = people["Margaret"]
    base = live_server.url
    p = new_context(javascript=False).new_page()
    sign_in(p, base, "margaret@example.org")

    p.goto(base + "/account/contact/")
    p.get_by_role("heading", name="How Kith contacts you").wait_for()
    pages.check(p, "how kith contacts you", javascript=False)
    choices = p.get_by_role("group", name=re.compile("How should Kith contact you"))
    choices.get_by_label("Email", exact=True).check()
    choices.get_by_label("Text message", exact=True).check()
    p.get_by_label("Mobile number for text messages").fill("07700 900 982")
    p.get_by_role("button", name="Save").click()

    p.get_by_role("heading", name="Confirm your mobile number").wait_for()
    assert p.url.endswith("/account/contact/mobile/"), p.url
    p.get_by_text("Saved. Enter the code we texted to your mobile.").wait_for()
    pages.check(p, "confirm your mobile number", javascript=False)
    texted = Notification.objects.get(person=margaret, template="mobile_code", channel=Channel.SMS)
    assert texted.to == "+447700900982"
    code = re.search(r"\b(\d{6})\b", texted.body).group(1)
    pref = ContactPreference.objects.get(person=margaret)
    assert pref.mobile_verified_at is None

    p.get_by_label("Code from the text message").fill(code)
    p.get_by_role("button", name="Confirm").click()
    p.get_by_text("Your mobile number is confirmed. Kith can text you now.").wait_for()
    shot(pages, p, "mobile number confirmed")

    p.goto(base + "/account/contact/")
    shot(pages, p, "how kith contacts you after confirming")
    choices = p.get_by_role("group", name=re.compile("How should Kith contact you"))
    assert choices.get_by_label("Email", exact=True).is_checked()
    assert choices.get_by_label("Text message", exact=True).is_checked()
    assert not choices.get_by_label("Letter", exact=True).is_checked()
    assert p.get_by_label("Mobile number for text messages").input_value() == "+447700900982"
    assert p.get_by_text("Your mobile number is not confirmed yet").count() == 0

    pref.refresh_from_db()
    assert pref.by_email and pref.by_sms and not pref.by_letter
    assert pref.mobile == "+447700900982"
    assert pref.mobile_verified_at is not None
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
