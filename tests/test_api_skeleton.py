"""The API skeleton: schema, docs and /api/v1/me/."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]


def test_docs_page_served(client):
    assert client.get("/api/v1/docs/").status_code == 200


def test_me_refuses_anonymous(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "email" not in response.json()


def test_me_with_session(client):
    user = UserFactory(phone="07700 900123", preferred_languages=["en", "pl"])
    client.force_login(user)
    data = client.get("/api/v1/me/").json()
    assert data["email"] == user.email
    assert data["phone"] == "07700 900123"
    assert data["preferred_languages"] == ["en", "pl"]
    assert data["staff_role"] is None
    assert data["verification_level"] == 0


def test_me_with_token(api_client):
    membership = StaffFactory()
    token = Token.objects.create(user=membership.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    data = api_client.get("/api/v1/me/").json()
    assert data["id"] == membership.user.pk
    assert data["staff_role"] == "moderator"
    assert data["staff_council"] == membership.council.slug
