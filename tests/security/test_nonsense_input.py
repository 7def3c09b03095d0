"""Nonsense from a client gets a clear 400, never a server error: a NUL byte in a query or a
path, a month past the calendar's end, JSON nested deeper than anyone writes."""

import pytest

from tests.kit.factories import CouncilFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_month_past_the_end_of_the_calendar_is_a_clear_400(api_client):
    response = api_client.get("/api/v1/open/stats/", {"to": "9999-12"})
    assert response.status_code == 400
    assert "month" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/open/stats/", "/api/v1/open/demand/"])
def test_a_nul_byte_in_a_query_is_a_clear_400(api_client, path):
    CouncilFactory(slug="leeds")
    response = api_client.get(path, {"council": "lee\x00ds"})
    assert response.status_code == 400
    assert "not allowed" in response.json()["detail"]


def test_a_nul_byte_in_a_path_is_a_clear_400(api_client):
    response = api_client.get("/api/v1/alerts/unsubscribe/abc%00def/")
    assert response.status_code == 400
    response = api_client.post("/api/v1/alerts/unsubscribe/abc%00def/")
    assert response.status_code == 400


def test_a_nul_byte_on_a_web_page_is_a_400_page(client):
    response = client.get("/", {"q": "a\x00b"})
    assert response.status_code == 400


def test_deeply_nested_json_is_a_clear_400(api_client):
    api_client.force_authenticate(UserFactory())
    depth = 100_000
    body = "[" * depth + "]" * depth
    response = api_client.post("/api/v1/needs/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
