"""The error pages a person can meet — not allowed, an expired form, not found — are pages of
the service that pass axe-core, in Chromium."""

from __future__ import annotations

import pytest

from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_error_pages_are_the_services_own(live_server, new_context, pages, need_and_helper):
    _need, people = need_and_helper
    base = live_server.url
    context = new_context()
    page = context.new_page()
    sign_in(page, base, people["Margaret"].email)
    page.goto(base + "/staff/")
    pages.check(page, "not allowed")
    assert "This area is for council staff." in page.content()
    page.goto(base + "/no-such-page/")
    pages.check(page, "not found")
    # A form sent after the security cookie went (signed out in another tab, say).
    page.goto(base + "/account/details/")
    context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name="Save").first.click()
    pages.check(page, "form expired")
    assert "Nothing was saved" in page.content()
