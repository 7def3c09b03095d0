""" "Do you still want to help?" in Chromium: Sam's offer has had nothing for six weeks, the
daily job asks him, and he answers on the page from the message's link — first without
choosing (the error), then "No, pause my offers for now", which pauses his offer and tells him
how to start it again. The same page at 320 px wide, in Welsh, for a "yes"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from marketplace.models import Offer
from matching.models import StillHelping
from matching.tasks import still_helping
from notifications.models import Notification
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SWITCH_TO_WELSH = "Newid yr iaith i’r Gymraeg"


def ask(offer: Offer) -> StillHelping:
    moment = offer.published_at + dt.timedelta(weeks=6, hours=1)
    assert still_helping.delay(now=moment.isoformat()).get() == {"asked": 1}
    return StillHelping.objects.get(helper=offer.helper)


def shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/still-helping-{name}.png", full_page=True)  # noqa: S108


def test_a_helper_says_no_and_their_offer_is_paused(
    live_server, new_context, pages, need_and_helper
):
    base = live_server.url
    _, people = need_and_helper
    sam = people["Sam"]
    offer = Offer.objects.get(helper=sam)
    row = ask(offer)
    link = Notification.objects.filter(person=sam, template="still_helping").first().link
    page = new_context().new_page()
    sign_in(page, base, sam.email)
    page.goto(base + link)
    assert page.locator("h1").inner_text() == "Do you still want to help?"
    pages.check(page, "still want to help")
    shot(page, "question")
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error:")
    pages.check(page, "still want to help, nothing chosen")
    page.get_by_label("No, pause my offers for now").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/helping/")
    assert "choose Start again" in page.inner_text("main")
    pages.check(page, "helping after pausing")
    shot(page, "paused")
    offer.refresh_from_db()
    row.refresh_from_db()
    assert (offer.status, row.answer, row.paused_offers) == ("paused", "no", 1)
    page.goto(base + link)  # the link again: already answered
    assert page.locator("h1").inner_text() == "You have already answered"
    pages.check(page, "already answered")
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_the_page_at_320px_in_welsh(live_server, new_context, pages, need_and_helper):
    base = live_server.url
    _, people = need_and_helper
    sam = people["Sam"]
    offer = Offer.objects.get(helper=sam)
    row = ask(offer)
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, base, sam.email)
    page.goto(base + f"/helping/still-helping/{row.pk}/")
    page.get_by_role("link", name=SWITCH_TO_WELSH).click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Ydych chi’n dal eisiau helpu?"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width
    pages.check(page, "still want to help in Welsh at 320px")
    shot(page, "welsh-320")
    page.get_by_label("Ydw, cadwch fy nghynigion ar agor").check()
    page.get_by_role("button", name="Anfon").click()
    page.wait_for_load_state("load")
    assert re.search(r"Bydd eich cynigion yn aros ar agor", page.inner_text("main"))
    offer.refresh_from_db()
    row.refresh_from_db()
    assert (offer.status, row.answer) == ("open", "yes")
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
