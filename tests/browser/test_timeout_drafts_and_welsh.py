"""Nothing lost to a timeout, and every page in Welsh, in Chromium:

- the GOV.UK timeout warning opens before a signed-in session would end for lack of use;
  "Stay signed in" keeps the session; left alone, the person is signed out and told why;
- a request for help half-asked survives signing out and in, and is offered back;
- the English | Cymraeg switch turns the pages into Welsh and back, and is remembered.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DIALOG = "#kith-timeout"


def test_the_timeout_warning_keeps_or_ends_the_session(
    live_server, new_context, pages, need_and_helper, settings
):
    settings.KITH_SESSION_IDLE = 20
    settings.KITH_SESSION_WARNING_SECONDS = 10
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, "margaret@example.org")
    page.goto(base + "/")
    dialog = page.locator(DIALOG)
    assert not dialog.is_visible()
    dialog.wait_for(state="visible", timeout=15_000)
    assert "You’re about to be signed out" in dialog.inner_text()
    assert "For your security, we will sign you out in" in dialog.inner_text()
    pages.check(page, "timeout warning")

    # Stay signed in: the dialog closes and the session goes on.
    page.get_by_role("button", name="Stay signed in").click()
    dialog.wait_for(state="hidden")
    status = page.evaluate("fetch('/session/').then(r => r.json())")
    assert status["signed_in"] is True and status["seconds_left"] > 10

    # Left alone this time: signed out when the time is up, and told why.
    dialog.wait_for(state="visible", timeout=15_000)
    page.wait_for_url("**/accounts/login/**", timeout=20_000)
    assert "You were signed out because you had not used Kith for a while" in page.inner_text(
        "main"
    )
    pages.check(page, "signed out after the warning")


def test_left_alone_past_the_time_the_server_notes_use_the_session_ends(
    live_server, new_context, need_and_helper, settings, monkeypatch
):
    """Production notes a use at most once a minute and ends a session after 30 minutes: the
    page the warning opens when the time is up must end the session, not count as a use that
    starts the time again (it did, and a browser left open stayed signed in for good). Here
    with seconds for minutes: use noted at most every 5 s, 20 s without use."""
    monkeypatch.setattr("config.middleware.SEEN_RESOLUTION_SECONDS", 5)
    settings.KITH_SESSION_IDLE = 20
    settings.KITH_SESSION_WARNING_SECONDS = 10
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, "margaret@example.org")
    page.goto(base + "/needs/")
    page.locator(DIALOG).wait_for(state="visible", timeout=20_000)
    page.wait_for_url("**/accounts/login/**", timeout=30_000)
    assert "You were signed out because you had not used Kith for a while" in page.inner_text(
        "main"
    )
    status = page.evaluate("fetch('/session/').then(r => r.json())")
    assert status["signed_in"] is False


def test_the_warning_counts_down_in_welsh_with_welsh_numbers(
    live_server, new_context, need_and_helper, settings
):
    """Welsh says "2 funud" (two minutes) but "3 munud": the countdown uses two's own form."""
    settings.KITH_SESSION_IDLE = 125
    settings.KITH_SESSION_WARNING_SECONDS = 120
    base = live_server.url
    context = new_context()
    page = context.new_page()
    sign_in(page, base, "margaret@example.org")
    context.add_cookies([{"name": "kith_language", "value": "cy", "url": base}])
    page.goto(base + "/")
    dialog = page.locator(DIALOG)
    dialog.wait_for(state="visible", timeout=15_000)
    assert dialog.locator("[data-countdown]").inner_text() in ("3 munud", "2 funud")
    # It counts down each second: from two minutes left, two's own form.
    expect(dialog.locator("[data-countdown]")).to_have_text("2 funud", timeout=15_000)


def test_escape_counts_as_staying_signed_in(
    live_server, new_context, pages, need_and_helper, settings
):
    settings.KITH_SESSION_IDLE = 20
    settings.KITH_SESSION_WARNING_SECONDS = 10
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, "margaret@example.org")
    page.goto(base + "/")
    page.locator(DIALOG).wait_for(state="visible", timeout=15_000)
    page.keyboard.press("Escape")
    page.locator(DIALOG).wait_for(state="hidden")
    page.wait_for_timeout(12_000)  # past the moment the first session would have ended
    page.goto(base + "/")
    assert "/accounts/login/" not in page.url


def test_a_session_kept_in_another_tab_is_not_ended_here(
    live_server, new_context, pages, need_and_helper, settings
):
    settings.KITH_SESSION_IDLE = 30
    settings.KITH_SESSION_WARNING_SECONDS = 10
    base = live_server.url
    context = new_context()
    first = context.new_page()
    sign_in(first, base, "margaret@example.org")
    first.goto(base + "/")
    second = context.new_page()
    second.goto(base + "/")
    second.locator(DIALOG).wait_for(state="visible", timeout=30_000)
    second.get_by_role("button", name="Stay signed in").click()
    second.locator(DIALOG).wait_for(state="hidden")
    # The first tab warned too; when its time is up it asks the server before ending the
    # session, finds it was kept in the other tab, and closes its warning instead.
    first.wait_for_timeout(12_000)
    assert "/accounts/login/" not in first.url
    assert not first.locator(DIALOG).is_visible()


def test_welsh_pages_from_the_switch(live_server, new_context, pages, need_and_helper):
    base = live_server.url
    page = new_context().new_page()
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    page.get_by_role("link", name="Newid yr iaith i’r Gymraeg").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert "Neidio i’r prif gynnwys" in page.content()
    pages.check(page, "start page in Welsh")
    sign_in_link = page.get_by_role("link", name="Mewngofnodi")
    sign_in_link.first.click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"  # remembered
    pages.check(page, "sign in in Welsh")
    page.get_by_role("link", name="Change the language to English").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "en-GB"


def test_a_half_asked_request_survives_signing_out_in_welsh(
    live_server, new_context, pages, need_and_helper
):
    """A citizen asking for help in Welsh, signed out half-way (as a timeout would), finds the
    request waiting when they sign in again, and carries on where they left off."""
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, "margaret@example.org")
    page.goto(base + "/language/cy/?next=/needs/new/")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"
    pages.check(page, "first question in Welsh")
    page.locator("input[name=category]").first.check()
    page.get_by_role("button", name="Parhau").click()
    page.locator("input[name=title]").fill("Sgwrs dros baned")
    page.locator("textarea[name=description]").fill("Rhywun i siarad ag ef ar brynhawn Mawrth.")
    page.get_by_role("button", name="Parhau").click()
    page.wait_for_url("**/needs/new/timing/")

    # Signed out half-way: the session, and what it held, is gone.
    page.context.clear_cookies(name="sessionid")
    page.goto(base + "/language/en-gb/?next=/")
    sign_in(page, base, "margaret@example.org")
    page.goto(base + "/language/cy/?next=/home/")
    page.wait_for_load_state("load")
    banner = page.locator(".govuk-notification-banner").filter(has_text="Heb ei anfon eto")
    assert "Eich cais am help" in banner.inner_text()
    pages.check(page, "home offers the draft back")
    banner.get_by_role("link", name="Parhau").click()
    page.wait_for_load_state("load")
    pages.check(page, "carry on where you left off")
    page.get_by_role("button", name="Parhau").click()
    page.wait_for_url("**/needs/new/timing/")
    page.goto(base + "/needs/new/details/")
    assert page.locator("input[name=title]").input_value() == "Sgwrs dros baned"
