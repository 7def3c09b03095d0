"""Bad input: stored XSS payloads in every field a person or staff member types come back
escaped on every page that shows them, never raw; bad coordinates and over-long text are
refused with a clear message and nothing is saved."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.models import User
from marketplace.models import Need, Offer
from matching.models import Feedback, Message
from tests.kit.world import build_world
from tests.privacy.test_privacy_probe import _web_urls
from trust.models import Report

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
]
# What must never reach a page unescaped.
RAW = re.compile(
    r"<script>alert\(1\)|<img src=x onerror|(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I
)

# Each typed field, as the world writes it (prefix + payload), and who sees it on a page.
FIELDS = {
    "display name": ("Ada {p}", {"ada", "cal", "moderator"}),
    "need title": ("Walk my dog {p}", {"ada", "cal", "moderator"}),
    "need description": ("Please help {p}", {"ada", "cal", "moderator"}),
    "offer title": ("Dog walks {p}", {"moderator", "lead"}),
    "offer description": ("I like dogs {p}", {"cal", "moderator"}),
    "message": ("Hello Ada {p}", {"ada", "cal"}),
    "report reason": ("Rude {p}", {"moderator"}),
    "concern summary": ("Worried {p}", {"lead"}),
    "concern note": ("Called {p}", {"lead"}),
    # No page shows feedback comments yet; they are still held to "never raw" above.
    "feedback comment": ("Kind {p}", set()),
}


def _pages(world, viewer) -> dict[str, str]:
    client = Client()
    client.force_login(viewer)
    bodies = {}
    for url in _web_urls(world):
        staff_page = url.startswith("/staff/")
        if url.startswith(("/api/", "/django-admin/")) or url in ("/healthz", "/metrics"):
            continue  # the API is JSON (its browsable HTML is checked on its own below)
        if staff_page != hasattr(viewer, "staff_membership"):
            continue  # citizens' pages for citizens, the console for staff
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code < 500, url
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            bodies[url] = response.content.decode(errors="replace")
    return bodies


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stored_payloads_are_escaped_on_every_page(payload):
    world = build_world(text=payload)
    assert User.objects.filter(display_name__contains=payload).count() == 3
    seen: dict[str, set[str]] = {name: set() for name in FIELDS}
    for role in ("ada", "bea", "cal", "moderator", "lead"):
        for url, body in _pages(world, getattr(world, role)).items():
            raw = RAW.search(body)
            assert raw is None, (role, url, body[max(0, raw.start() - 200) : raw.end() + 200])
            for name, (template, _) in FIELDS.items():
                text = template.format(p=payload)
                if escape(text) in body:
                    seen[name].add(role)
                if payload.startswith("<") or payload.startswith('"'):
                    assert text not in body, (role, url, name)
    # Not vacuous: each field was really shown (escaped) to the people who should see it.
    for name, (_, readers) in FIELDS.items():
        assert readers <= seen[name], (name, seen[name])


def test_the_browsable_api_escapes_stored_text_and_json_keeps_it_as_typed():
    world = build_world(text=PAYLOADS[1])
    client = APIClient()
    client.force_authenticate(world.cal)
    for url in ("/api/v1/needs/near/", f"/api/v1/matches/{world.ada_cal.pk}/messages/"):
        page = client.get(url, HTTP_ACCEPT="text/html").content.decode()
        assert RAW.search(page) is None, url
        assert escape(f"Hello Ada {PAYLOADS[1]}") in page or escape(PAYLOADS[1]) in page, url
        data = client.get(url, HTTP_ACCEPT="application/json")
        assert data["Content-Type"].startswith("application/json")
        assert PAYLOADS[1] in json.dumps(data.json())


# --- Bad coordinates ---------------------------------------------------------------------
def _need_body(location) -> dict:
    return {
        "category": "dog-walking",
        "title": "Walk my dog",
        "description": "A friendly spaniel.",
        "location": location,
        "slots": [{"weekday": 0, "start": "09:00", "end": "11:00"}],
    }


BAD_LOCATIONS = [
    {"lat": 91, "lon": -1.55},
    {"lat": 53.8, "lon": 180.5},
    {"lat": -90.0001, "lon": 0},
    {"lat": "NaN", "lon": -1.55},
    {"lat": 53.8, "lon": "Infinity"},
    {"lat": "fifty-three", "lon": -1.55},
    {"lat": 53.8},
    {"lat": None, "lon": None},
    {"lat": [53.8], "lon": {"x": 1}},
    "53.8,-1.55",
    {"lat": 51.5, "lon": -0.12},  # a real place, outside every council on Kith
]


def test_bad_coordinates_are_refused_clearly_and_nothing_is_saved():
    world = build_world()
    client = APIClient()
    client.force_authenticate(world.bea)
    needs, offers = Need.objects.count(), Offer.objects.count()
    for location in BAD_LOCATIONS:
        for url, extra in (("/api/v1/needs/", {}), ("/api/v1/offers/", {"radius_m": 2000})):
            body = {**_need_body(location), **extra}
            response = client.post(url, body, format="json")
            assert response.status_code == 400, (url, location, response.content)
            text = json.dumps(response.json()).lower()
            # The answer names the location field, or says in words what is wrong with it.
            assert '"location"' in text or "real place" in text or "not available" in text, (
                location,
                text,
            )
    assert (Need.objects.count(), Offer.objects.count()) == (needs, offers)


def test_a_need_move_to_bad_coordinates_leaves_it_as_it_was():
    world = build_world()
    client = APIClient()
    client.force_authenticate(world.bea)
    need = world.bea_need
    before = (need.location.coords, need.approx_location.coords, need.version)
    response = client.patch(
        f"/api/v1/needs/{need.pk}/",
        {"version": need.version, "title": "Moved", "location": {"lat": 95, "lon": 0}},
        format="json",
    )
    assert response.status_code == 400
    need.refresh_from_db()
    assert (need.location.coords, need.approx_location.coords, need.version) == before
    assert need.title != "Moved"


# --- Over-long text ------------------------------------------------------------------------
def test_over_long_text_is_refused_everywhere_with_nothing_saved():
    world = build_world()
    api = APIClient()
    api.force_authenticate(world.ada)
    counts = lambda: (  # noqa: E731
        Need.objects.count(),
        Message.objects.count(),
        Report.objects.count(),
        Feedback.objects.count(),
    )
    before = counts()
    cases = [
        ("/api/v1/needs/", {**_need_body({"lat": 53.8, "lon": -1.55}), "title": "x" * 81}),
        ("/api/v1/needs/", {**_need_body({"lat": 53.8, "lon": -1.55}), "description": "y" * 2001}),
        (f"/api/v1/matches/{world.ada_cal.pk}/messages/", {"body": "z" * 2001}),
        (
            "/api/v1/reports/",
            {"target_type": "person", "target_id": world.bea.pk, "reason": "r" * 1001},
        ),
        (f"/api/v1/matches/{world.ada_cal.pk}/feedback/", {"rating": 5, "comment": "c" * 1001}),
    ]
    for url, body in cases:
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
        text = json.dumps(response.json()).lower()
        assert "characters" in text or "no more than" in text or "keep" in text, (url, text)
    assert counts() == before

    web = Client()
    web.force_login(world.ada)
    response = web.post(
        "/account/details/", {"display_name": "n" * 61, "languages": "", "gender": ""}
    )
    assert response.status_code == 200
    assert "60 characters" in response.content.decode()
    world.ada.refresh_from_db()
    assert world.ada.display_name != "n" * 61
