""" "Do you still want to help?" answered by text, the council's settings for it and for
urgent alerts, and the oversight figures, in Chromium:

- Sam, asked by text, replies "Nac ydw" through Notify's received-text callback on the live
  server; he sees his offer paused on his helping page, the council admin sees his text and
  what Kith did on his person page, and the oversight dashboard counts the question.
- A council admin sets when idle helpers are asked and whom urgent alerts go to: first a
  number out of range (the error beside the field, nothing saved), then good values, which
  Kith reads back; the section again in Welsh at 320 px wide."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from accounts.models import StaffMembership
from marketplace.models import Offer
from matching.alert_policy import alert_policy
from matching.models import StillHelping
from matching.still_helping import idle_after
from matching.tasks import still_helping
from notifications.models import ContactPreference, InboundText
from tests.kit import factories as make
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TOKEN = "inbound-token-for-browser-tests"  # noqa: S105
SWITCH_TO_WELSH = "Newid yr iaith i’r Gymraeg"


def _admin(council):
    admin = make.staff(
        council=council, role=StaffMembership.Role.COUNCIL_ADMIN, mfa=False, lives_here=True
    )
    return admin, make.enrol_totp(admin)


def test_a_helper_answers_by_text_and_staff_see_it(
    live_server, new_context, pages, need_and_helper, settings
):
    settings.NOTIFY_INBOUND_TOKEN = TOKEN
    base = live_server.url
    _, people = need_and_helper
    sam = people["Sam"]
    ContactPreference.objects.create(
        person=sam, by_sms=True, mobile="+447700900321", mobile_verified_at=timezone.now()
    )
    offer = Offer.objects.get(helper=sam)
    moment = offer.published_at + dt.timedelta(weeks=6, hours=1)
    assert still_helping.delay(now=moment.isoformat()).get() == {"asked": 1}
    row = StillHelping.objects.get(helper=sam)

    # Notify calls Kith's received-text callback with Sam's reply, in Welsh.
    context = new_context()
    answer = context.request.post(
        base + "/notify/received-texts/",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        data={
            "id": str(uuid.uuid4()),
            "source_number": "07700900321",
            "destination_number": "07700900000",
            "message": "Nac ydw",
            "date_received": timezone.now().isoformat(),
        },
    )
    assert answer.status == 204
    row.refresh_from_db()
    offer.refresh_from_db()
    assert (row.answer, row.paused_offers, offer.status) == ("no", 1, "paused")

    # Sam sees his offer paused, and how to start it again.
    page = context.new_page()
    sign_in(page, base, sam.email)
    page.goto(base + "/helping/")
    assert "Paused" in page.inner_text("main")
    pages.check(page, "helping after no by text")

    # The council admin sees the text and what Kith did with it on Sam's page.
    admin, totp = _admin(sam.council)
    staff_page = new_context().new_page()
    sign_in(staff_page, base, admin.email, totp=totp)
    staff_page.goto(base + f"/staff/people/{sam.pk}/")
    main = staff_page.inner_text("main")
    assert "“Nac ydw” – Does not want to help for now: offers paused" in main, main
    # Kith's confirming text back, in Sam's language (English: he has not chosen Welsh).
    staff_page.get_by_text("Reply to your text").click()
    assert "Your offers are paused for now." in staff_page.inner_text("main")
    pages.check(staff_page, "person page with the text")

    # The oversight dashboard counts the question and its answer.
    staff_page.goto(base + "/staff/oversight/")
    section = staff_page.locator("h2#still-helping + p + dl")
    figures = dict(
        zip(
            section.locator("dt").all_inner_texts(),
            section.locator("dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figures == {
        "Helpers asked in the last 90 days": "1",
        "Said yes: offers kept open": "0",
        "Said no: offers paused": "1 (1 offer paused)",
        "Waiting for an answer": "0",
    }, figures
    staff_page.locator("h2#still-helping").scroll_into_view_if_needed()
    pages.check(staff_page, "oversight still helping")
    assert InboundText.objects.get().outcome == "helping_no"
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_a_council_admin_sets_alerts_and_idle_helpers(
    live_server, new_context, pages, home_council
):
    base = live_server.url
    admin, totp = _admin(home_council)
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp)
    page.goto(base + "/staff/settings/")
    form = page.locator("form", has=page.locator("input[name=section][value=matching]"))
    form.scroll_into_view_if_needed()
    assert form.get_by_label("Ask “Do you still want to help?” after (weeks)").input_value() == "6"
    assert form.get_by_label("Shared out fairly").is_checked()
    pages.check(page, "settings with alerts and idle helpers")

    # A number out of range: the error beside the field, in the summary, and nothing saved.
    form.get_by_label("Ask “Do you still want to help?” after (weeks)").fill("30")
    form.get_by_label("The nearest helpers").check()
    form.get_by_role("button", name="Save settings for alerts and idle helpers").click()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert "Enter a number of weeks from 2 to 26." in summary.inner_text()
    assert (
        page.locator("#id_idle_weeks-error")
        .inner_text()
        .endswith("Enter a number of weeks from 2 to 26.")
    )
    # What was typed stays, to correct.
    assert page.get_by_label("The nearest helpers").is_checked()
    pages.check(page, "settings alerts error")
    summary.get_by_role("link", name="Enter a number of weeks from 2 to 26.").click()
    home_council.refresh_from_db()
    assert idle_after(home_council) == dt.timedelta(weeks=6)
    assert alert_policy(home_council).kind == "rotated"

    form = page.locator("form", has=page.locator("input[name=section][value=matching]"))
    form.get_by_label("Ask “Do you still want to help?” after (weeks)").fill("8")
    form.get_by_label("Most alerts for one helper in the window").fill("4")
    form.get_by_label("Most helpers one alert reaches").fill("10")
    form.get_by_label("Chance of at least one reply to aim for (per cent)").fill("85")
    form.get_by_label("Window for counting alerts (days)").fill("10")
    assert form.get_by_label("Waves of alerts while nobody says yes").input_value() == "2"
    form.get_by_label("Waves of alerts while nobody says yes").fill("3")
    form.get_by_label("Minutes to wait for a yes before the next wave").fill("20")
    form.get_by_label("Idle helpers told about each need").fill("4")
    form.get_by_role("button", name="Save settings for alerts and idle helpers").click()
    page.get_by_text("Settings for urgent alerts and idle helpers saved.").wait_for()
    pages.check(page, "settings alerts saved")
    home_council.refresh_from_db()
    policy = alert_policy(home_council)
    assert idle_after(home_council) == dt.timedelta(weeks=8)
    assert (
        policy.kind,
        policy.weekly_budget,
        policy.max_helpers,
        policy.target_reply_chance,
        policy.window_days,
        policy.waves,
        policy.wave_minutes,
        policy.idle_asks,
    ) == ("nearest", 4, 10, 0.85, 10, 3, 20, 4)

    # In Welsh, on a phone-sized screen.
    small = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(small, base, admin.email, totp=totp)
    small.goto(base + "/staff/settings/")
    small.get_by_role("link", name=SWITCH_TO_WELSH).click()
    small.wait_for_load_state("load")
    assert small.locator("html").get_attribute("lang") == "cy"
    small.get_by_role(
        "heading", name="Rhybuddion brys a helpwyr segur"
    ).scroll_into_view_if_needed()
    assert small.get_by_label("Yr helpwyr agosaf: hyd at bump, yr agosaf yn gyntaf").is_checked()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= small.evaluate("window.innerWidth"), width
    pages.check(small, "settings alerts in Welsh at 320px")
    # The refused form answered 400, as it should; nothing else failed.
    unexpected = [r for r in pages.failed_requests if not r.startswith("400 POST")]
    assert len(pages.failed_requests) - len(unexpected) == 1
    assert not unexpected, "\n".join(unexpected)
