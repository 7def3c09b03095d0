"""A person whose password sign-in was paused by strangers' guesses signs in with a code from
their email, in Chromium."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from config.settings import base as base_settings
from tests.kit import factories as make

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@override_settings(ACCOUNT_RATE_LIMITS=base_settings.ACCOUNT_RATE_LIMITS)
def test_locked_out_by_guesses_then_signed_in_by_code(live_server, new_context, pages, mailoutbox):
    cache.clear()
    person = make.UserFactory(email="edith@example.org")
    base = live_server.url
    page = new_context().new_page()
    for guess in range(5):
        page.goto(base + "/accounts/login/")
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label("Password").fill(f"a-stranger-guess-{guess}")
        page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in", exact=True).click()
    pages.check(page, "right password refused after guesses")
    assert "You can sign in now with a code sent to your email" in page.content()

    page.get_by_role("link", name="Sign in with a code sent to your email").click()
    pages.check(page, "ask for a code")
    page.get_by_role("button", name="Email me a code").click()
    pages.check(page, "code empty address error")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_role("button", name="Email me a code").click()
    pages.check(page, "enter the code")
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.M).group(1)
    page.get_by_label("Code").fill("WRNG-CODE")
    page.get_by_role("button", name="Sign in").click()
    pages.check(page, "wrong code")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + "/account/")
    pages.check(page, "signed in by code")
    assert page.url.endswith("/account/")
    cache.clear()
