"""OAuth 2.0 end to end with a real client (oauthlib's `WebApplicationClient` over HTTP against
a running Kith): the consent page, authorisation code with PKCE (S256), the token's scopes on
the API, refresh tokens rotated, revocation, and `staff` only from a session that used its
second factor."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.conf import settings
from django.test import Client
from oauth2_provider.models import AccessToken, get_application_model
from oauthlib.oauth2 import WebApplicationClient

from tests.kit import factories as make
from tests.kit.factories import Role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
REDIRECT = "https://app.example/callback"
REVIEW_API = "/api/v1/staff/review/needs/"
TIMEOUT = 10


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch):
    # The test server speaks HTTP; production only HTTPS (ALLOWED_REDIRECT_URI_SCHEMES, HSTS).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def application():
    Application = get_application_model()
    return Application.objects.create(
        name="Good Neighbour App",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
    )


def browser_of(person, live_server) -> requests.Session:
    """A browser signed in to the running Kith as `person` (its session cookie)."""
    client = Client()
    client.force_login(person)
    browser = requests.Session()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser.cookies.set(settings.SESSION_COOKIE_NAME, cookie.value)
    return browser


def consent(browser, live_server, oauth, *, scope, verifier, agree=True):
    """Open the consent page as the application sends the person there, and answer it.
    Returns the consent page's text and where Kith sent the browser back."""
    url = oauth.prepare_request_uri(
        f"{live_server.url}/oauth/authorize/",
        redirect_uri=REDIRECT,
        scope=scope,
        state="xyz",
        code_challenge=oauth.create_code_challenge(verifier, "S256"),
        code_challenge_method="S256",
    )
    page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields["csrfmiddlewaretoken"] = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
    )[1]
    if agree:
        fields["allow"] = "Authorize"
    answer = browser.post(
        url, data=fields, allow_redirects=False, headers={"Referer": live_server.url}
    )
    assert answer.status_code == 302, answer.text[:500]
    return page.text, answer.headers["Location"]


def exchange(oauth, live_server, location, verifier) -> dict:
    code = oauth.parse_request_uri_response(location, state="xyz")["code"]
    body = oauth.prepare_request_body(
        code=code, redirect_uri=REDIRECT, code_verifier=verifier, include_client_id=True
    )
    response = post(
        f"{live_server.url}/oauth/token/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    return oauth.parse_request_body_response(response.text)


def api(live_server, token: str, path: str, method: str = "GET", **kwargs):
    return requests.request(
        method,
        f"{live_server.url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
        **kwargs,
    )


def post(url: str, **kwargs) -> requests.Response:
    return requests.post(url, timeout=TIMEOUT, **kwargs)


def test_an_application_acts_for_a_person_after_consent(live_server, application, council):
    person = make.person(council=council, display_name="Olwen")
    browser = browser_of(person, live_server)
    oauth = WebApplicationClient(application.client_id)
    verifier = oauth.create_code_verifier(64)

    page, location = consent(browser, live_server, oauth, scope=["read"], verifier=verifier)
    assert "Let Good Neighbour App use your Kith account?" in page
    assert "read your information" in page
    assert location.startswith(REDIRECT)
    token = exchange(oauth, live_server, location, verifier)
    assert token["scope"] == ["read"] and token["expires_in"] <= 3600

    me = api(live_server, token["access_token"], "/api/v1/me/")
    assert me.status_code == 200 and me.json()["display_name"] == "Olwen"
    # `read` only reads; and an application's token never makes personal access tokens.
    change = api(
        live_server, token["access_token"], "/api/v1/me/", "PATCH", json={"display_name": "X"}
    )
    assert change.status_code == 403
    minted = api(
        live_server,
        token["access_token"],
        "/api/v1/me/tokens/",
        "POST",
        json={"name": "x", "scopes": ["read"], "expires_in_days": 7},
    )
    assert minted.status_code == 403

    # The refresh token is rotated: the new one works, the old one no longer does.
    refresh = post(
        f"{live_server.url}/oauth/token/",
        data=oauth.prepare_refresh_body(
            refresh_token=token["refresh_token"], client_id=application.client_id
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refresh.status_code == 200, refresh.text
    renewed = refresh.json()
    assert renewed["refresh_token"] != token["refresh_token"]
    again = post(
        f"{live_server.url}/oauth/token/",
        data=oauth.prepare_refresh_body(
            refresh_token=token["refresh_token"], client_id=application.client_id
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # Reusing a rotated refresh token ends the whole family (theft is assumed).
    assert api(live_server, renewed["access_token"], "/api/v1/me/").status_code == 401

    # Revocation (RFC 7009): a fresh grant, revoked, is refused at once.
    verifier = oauth.create_code_verifier(64)
    _, location = consent(browser, live_server, oauth, scope=["read"], verifier=verifier)
    token = exchange(oauth, live_server, location, verifier)
    assert api(live_server, token["access_token"], "/api/v1/me/").status_code == 200
    revoked = post(
        f"{live_server.url}/oauth/revoke_token/",
        data={"token": token["access_token"], "client_id": application.client_id},
    )
    assert revoked.status_code == 200
    assert api(live_server, token["access_token"], "/api/v1/me/").status_code == 401


def test_pkce_is_required_and_only_s256(live_server, application, council):
    browser = browser_of(make.person(council=council), live_server)
    oauth = WebApplicationClient(application.client_id)
    base = f"{live_server.url}/oauth/authorize/"
    without = oauth.prepare_request_uri(base, redirect_uri=REDIRECT, scope=["read"], state="s")
    plain = oauth.prepare_request_uri(
        base,
        redirect_uri=REDIRECT,
        scope=["read"],
        state="s",
        code_challenge="a" * 64,
        code_challenge_method="plain",
    )
    for url in (without, plain):
        response = browser.get(url, allow_redirects=False)
        # Refused before any consent: an error back to the application, or an error page.
        assert 'id="authorizationForm"' not in response.text
        if response.status_code == 302:
            query = parse_qs(urlparse(response.headers["Location"]).query)
            assert "code" not in query and query["error"] == ["invalid_request"]
        else:
            assert response.status_code in (200, 400)
            assert "cannot be used" in response.text


def test_saying_no_sends_access_denied(live_server, application, council):
    browser = browser_of(make.person(council=council), live_server)
    oauth = WebApplicationClient(application.client_id)
    verifier = oauth.create_code_verifier(64)
    _, location = consent(
        browser, live_server, oauth, scope=["read"], verifier=verifier, agree=False
    )
    assert parse_qs(urlparse(location).query)["error"] == ["access_denied"]
    assert not AccessToken.objects.exists()


def test_staff_access_needs_the_second_factor_in_the_session(live_server, application, council):
    moderator = make.staff(council=council, role=Role.MODERATOR, mfa=False, lives_here=True)
    # Signed in with the password alone, before the authenticator was added: the page says
    # why, and agreeing is refused.
    browser = browser_of(moderator, live_server)
    make.enrol_totp(moderator)
    oauth = WebApplicationClient(application.client_id)
    verifier = oauth.create_code_verifier(64)
    page, location = consent(
        browser, live_server, oauth, scope=["read", "staff"], verifier=verifier
    )
    assert 'id="staff-refused"' in page and "authenticator app" in page
    assert parse_qs(urlparse(location).query)["error"] == ["access_denied"]

    # A session that used its code (password and authenticator): staff access, for one
    # access token's life.
    with_code = browser_of(moderator, live_server)
    page, location = consent(
        with_code, live_server, oauth, scope=["read", "staff"], verifier=verifier
    )
    assert "use your staff access" in page
    token = exchange(oauth, live_server, location, verifier)
    assert api(live_server, token["access_token"], REVIEW_API).status_code == 200
    # A refresh drops `staff`: the application sends the person back for more.
    refreshed = post(
        f"{live_server.url}/oauth/token/",
        data=oauth.prepare_refresh_body(
            refresh_token=token["refresh_token"], client_id=application.client_id
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).json()
    assert refreshed["scope"] == "read"
    assert api(live_server, refreshed["access_token"], REVIEW_API).status_code == 403
