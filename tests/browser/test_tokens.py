"""API tokens in Chromium: a person makes a token from their account, copies it from the one
page that shows it, uses it, finds it listed without its secret, and revokes it; the OAuth
consent page an application sends a person to, in English and Welsh."""

from __future__ import annotations

import re

import pytest
import requests
from oauth2_provider.models import get_application_model
from oauthlib.oauth2 import WebApplicationClient

from tests.kit import factories as make
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def me(live_server, secret: str) -> int:
    return requests.get(
        f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    ).status_code


def test_make_copy_once_use_and_revoke_a_token(live_server, new_context, pages):
    person = make.person(council=make.council(), email="olwen@example.org")
    page = new_context().new_page()
    sign_in(page, live_server.url, person.email)

    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="Make and revoke tokens").click()
    pages.check(page, "no tokens yet")
    assert page.locator("#no-tokens").is_visible()
    page.get_by_role("link", name="Make a token").click()
    pages.check(page, "make a token")

    # Sent without a name: the error summary links to the field.
    page.get_by_role("button", name="Make the token").click()
    pages.check(page, "make a token with an error")
    assert "Enter a name for the token" in page.locator(".govuk-error-summary").inner_text()

    page.get_by_label("Name").fill("My shopping list")
    page.get_by_label("Read and change your information").check()
    page.get_by_label("7 days").check()
    page.get_by_role("button", name="Make the token").click()
    pages.check(page, "the new token, shown once")
    secret = page.locator("#token-secret").input_value()
    assert re.fullmatch(r"kith_pat_[A-Za-z0-9_-]{43}", secret)
    assert "We will not show it again" in page.content()
    assert me(live_server, secret) == 200

    # The list shows its name and last four characters, never the secret.
    page.get_by_role("link", name="Back to your tokens").click()
    pages.check(page, "the token listed")
    assert secret not in page.content()
    card = page.locator(".govuk-summary-card").filter(has_text="My shopping list")
    assert f"…{secret[-4:]}" in card.inner_text()
    assert "Active" in card.inner_text()

    card.get_by_role("button", name="Revoke").click()
    pages.check(page, "the token revoked")
    assert "‘My shopping list’ has been revoked." in page.content()
    card = page.locator(".govuk-summary-card").filter(has_text="My shopping list")
    assert "Revoked" in card.inner_text() and card.get_by_role("button").count() == 0
    assert me(live_server, secret) == 401
    assert not pages.failed_requests, pages.failed_requests


def test_the_consent_page_in_english_and_welsh(live_server, new_context, pages, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    Application = get_application_model()
    application = Application.objects.create(
        name="Good Neighbour App",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/callback",
    )
    person = make.person(council=make.council(), email="bryn@example.org")
    oauth = WebApplicationClient(application.client_id)
    url = oauth.prepare_request_uri(
        f"{live_server.url}/oauth/authorize/",
        redirect_uri="https://app.example/callback",
        scope=["read", "write"],
        state="abc",
        code_challenge=oauth.create_code_challenge(oauth.create_code_verifier(64), "S256"),
        code_challenge_method="S256",
    )
    page = new_context().new_page()
    sign_in(page, live_server.url, person.email)
    page.goto(url)
    pages.check(page, "consent")
    assert page.locator("h1").inner_text() == "Let Good Neighbour App use your Kith account?"
    assert page.locator("#scopes li").count() == 2

    page.goto(live_server.url + "/language/cy/")
    page.goto(url)
    pages.check(page, "consent in Welsh")
    assert (
        page.locator("h1").inner_text()
        == "Gadael i Good Neighbour App ddefnyddio eich cyfrif Kith?"
    )

    # Agreeing sends the browser back to the application with a code.
    with page.expect_request(re.compile(r"^https://app\.example/callback")) as sent:
        page.route("https://app.example/**", lambda route: route.fulfill(status=200, body="ok"))
        page.get_by_role("button", name="Cytuno").click()
    assert "code=" in sent.value.url and "state=abc" in sent.value.url
