"""Security headers every environment sends, and no caching of responses to signed-in people."""

import re

import pytest
from django.test import override_settings

from config.settings.base import _tile_source
from tests.kit.tokens import api_token

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def test_csp_forbids_inline_code_and_framing(client):
    response = client.get("/healthz")
    policy = _csp(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'self'" in policy["img-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_inline_script_and_style_carry_the_nonce_named_in_the_policy(client):
    response = client.get("/_test/nonce")
    html = response.content.decode()
    nonces = set(re.findall(r'nonce="([^"]+)"', html))
    assert len(nonces) == 1, html
    nonce = nonces.pop()
    policy = _csp(response)
    assert f"'nonce-{nonce}'" in policy["script-src"]
    assert f"'nonce-{nonce}'" in policy["style-src"]
    # A fresh nonce per response: a nonce copied from one page does not unlock the next.
    again = client.get("/_test/nonce")
    assert f"'nonce-{nonce}'" not in again["Content-Security-Policy"]


def test_map_tile_host_becomes_an_image_source():
    assert _tile_source("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://*.tile.openstreetmap.org"
    )
    assert _tile_source("https://tiles.council.example/{z}/{x}/{y}.png") == (
        "https://tiles.council.example"
    )
    assert _tile_source("") is None


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_signed_in_responses_are_never_stored(client, user):
    anonymous = client.get("/_test/plain")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(user)
    signed_in = client.get("/_test/plain")
    assert "no-store" in signed_in["Cache-Control"]
    assert "private" in signed_in["Cache-Control"]


def test_api_responses_to_a_token_holder_are_never_stored(api_client, user):
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {api_token(user)}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz")
    second = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    # A plain id from the load balancer is kept, so one request can be followed through.
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21")
    assert kept["X-Request-ID"] == "lb-7f3a9c21"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" injected="1')
    assert forged["X-Request-ID"] != 'x" injected="1'
