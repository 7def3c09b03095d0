"""Every error a person can meet on the web is a page of the service — its header, navigation
and words saying what happened and what to do — not Django's bare text: 400, 403 (with the
reason the view gave), a form refused for its security token, 404 and 429. Under /api/ the
same errors answer in JSON."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from config.settings import base
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _is_branded(html: str) -> bool:
    return "govuk-template" in html and 'class="govuk-footer"' in html and "<h1" in html


def test_a_page_someone_may_not_open_says_why_in_the_services_own_page(client):
    client.force_login(make.person())
    response = client.get("/staff/")
    assert response.status_code == 403
    html = response.content.decode()
    assert _is_branded(html)
    assert "You cannot see this page" in html
    assert "This area is for council staff." in html


def test_a_form_sent_from_an_expired_page_says_nothing_was_saved():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert _is_branded(html)
    assert "This page has expired" in html and "Nothing was saved" in html


def test_a_request_from_an_unknown_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="not-kith.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sorry, we could not understand that request" in html


@override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS)
def test_too_many_sign_ups_get_the_429_page_with_a_way_forward(client):
    cache.clear()
    limit = int(base.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    for n in range(limit + 1):
        response = client.post(reverse("account_signup"), {"email": f"x{n}", "password1": "y"})
    assert response.status_code == 429
    html = response.content.decode()
    assert _is_branded(html)
    assert "Too many attempts" in html
    assert reverse("account_request_login_code") in html
    cache.clear()


def test_the_api_answers_its_refusals_in_json(client):
    client.force_login(make.staff(council=make.council(), mfa=False))
    response = client.get("/api/v1/staff/review/needs/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
