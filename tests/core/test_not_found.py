"""Addresses that do not resolve: under /api/ the answer is JSON like the API's own 404s
(an id the URL converters refuse never reaches DRF); elsewhere it is the normal page."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/v1/needs/-668/", "/api/v1/no-such-thing/", "/api/v1/offers/abc/matches/"]
)
def test_unresolved_api_paths_answer_json(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:kith:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "Not found.",
        "code": "not_found",
    }


def test_unresolved_pages_answer_html():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    # The site's own page (frontend/templates/404.html, in the site's layout), not Django's.
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in page
    assert "govuk-footer" in page


def test_the_api_own_404_is_unchanged():
    """A resolved API address whose object is missing gets the same problem document."""
    response = Client().get("/api/v1/needs/999999/")
    assert response.status_code in (401, 404)
    assert response["Content-Type"] == "application/problem+json"
