"""Privacy sweep: every marketplace endpoint, every method, called by people who are not the
owner, must never return the owner's exact coordinates, postcode, email or phone."""

import json

import pytest
from rest_framework.test import APIClient

from marketplace import api_urls
from tests.kit.world import build_world, stored_secrets_of

pytestmark = pytest.mark.django_db


def _fill(route: str, world) -> list[str]:
    """Concrete URLs for a route, aimed at the owner's things (each of them, for ids)."""
    if "<int:pk>" in route:
        if route.startswith("needs/") or route.startswith("staff/needs/"):
            ids = [world.open_need.pk, world.pending_need.pk, world.draft_need.pk]
        elif route.startswith("offers/") or route.startswith("staff/offers/"):
            ids = [world.open_offer.pk, world.pending_offer.pk, world.paused_offer.pk]
        else:
            ids = [world.report_about_owner.pk]
        return [route.replace("<int:pk>", str(i)) for i in ids]
    if "<int:person_id>" in route:
        return [route.replace("<int:person_id>", str(world.owner.pk))]
    if "<slug:slug>" in route:
        return [route.replace("<slug:slug>", "gardening")]
    return [route]


def _body(world) -> dict:
    # One body that every write endpoint understands at least in part.
    return {
        "version": 1,
        "title": "Changed",
        "reason": "Checking",
        "person_id": world.owner.pk,
        "target_type": "need",
        "target_id": world.open_need.pk,
        "enabled": True,
        "upheld": False,
        "owner_id": world.owner.pk,
        "consent_given": True,
        "category": "dog-walking",
        "description": "A walk.",
        "radius_m": 2000,
    }


@pytest.mark.parametrize("viewer_name", ["other", "helper", "away_staff"])
def test_no_endpoint_leaks_other_peoples_exact_place_or_contact_details(viewer_name):
    world = build_world()
    viewer = world.role(viewer_name)
    client = APIClient()
    client.force_authenticate(viewer)
    protected = [world.owner] + ([world.helper] if viewer != world.helper else [])
    secrets = [s for person in protected for s in stored_secrets_of(person)]
    visited = set()
    for pattern in api_urls.urlpatterns:
        route = str(pattern.pattern)
        for url in _fill(route, world):
            for method in ("get", "post", "patch", "delete"):
                response = getattr(client, method)(f"/api/v1/{url}", _body(world), format="json")
                assert response.status_code < 500, (method, url, response.status_code)
                text = json.dumps(response.json()) if response.content else ""
                for secret in secrets:
                    assert secret not in text, (viewer_name, method, url, secret, text[:300])
                visited.add(route)
    assert visited == {str(p.pattern) for p in api_urls.urlpatterns}


def test_the_sweep_would_catch_a_leak():
    """The owner sees their own exact place: proof that the sweep's strings are findable."""
    world = build_world()
    client = APIClient()
    client.force_authenticate(world.owner)
    text = json.dumps(client.get(f"/api/v1/needs/{world.open_need.pk}/").json())
    assert any(secret in text for secret in stored_secrets_of(world.owner))


def test_public_listing_shows_approximate_location_and_band():
    world = build_world()
    client = APIClient()
    client.force_authenticate(world.helper)
    body = client.get(f"/api/v1/needs/{world.open_need.pk}/").json()
    assert set(body["approx_location"]) == {"lat", "lon"}
    assert "location" not in body and "postcode" not in body
    assert body["distance_band"] == "about 1 to 2 km away"
    assert body["owner_name"] == "Margaret"
