"""The API skeleton: schema, docs and /api/v1/me/."""

import re

import pytest

from tests.kit import factories as make
from tests.kit.tokens import api_token

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]


def test_docs_page_is_served_from_kith_itself_under_the_csp(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    # Swagger UI from Kith's static files, no CDN; the only inline block carries the nonce.
    assert "cdn.jsdelivr.net" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert "<script>" not in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_me_refuses_anonymous(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "email" not in response.json()


def test_me_with_session(client):
    user = make.UserFactory(phone="07700 900123", preferred_languages=["en", "pl"])
    client.force_login(user)
    data = client.get("/api/v1/me/").json()
    assert data["email"] == user.email
    assert data["phone"] == "07700 900123"
    assert data["preferred_languages"] == ["en", "pl"]
    assert data["staff_role"] is None
    assert data["verification_level"] == 0


def test_me_with_token(api_client):
    membership = make.StaffFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(membership.user)}")
    data = api_client.get("/api/v1/me/").json()
    assert data["id"] == membership.user.pk
    assert data["staff_role"] == "moderator"
    assert data["staff_council"] == membership.council.slug
