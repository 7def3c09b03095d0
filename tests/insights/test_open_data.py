"""Open data: public statistics and the demand map match the data, with counts under 5
withheld, and nothing personal in them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from marketplace import services as marketplace_services
from matching import services as matching_services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db
A = (-1.55, 53.80)
B = (-1.50, 53.85)


@pytest.fixture
def data(home_council, moderator, helper):
    needs = []
    for i in range(6):
        owner = make.person(council=home_council, display_name=f"Asker A{i}")
        needs.append(make.need(owner=owner, lon=A[0], lat=A[1]))
    for i in range(2):
        owner = make.person(council=home_council, display_name=f"Asker B{i}")
        needs.append(make.need(owner=owner, lon=B[0], lat=B[1], category_slug="befriending"))
    for need in needs:
        marketplace_services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    offer = make.offer(helper=helper, lon=A[0], lat=A[1])
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    match = matching_services.match_offer_help(
        helper=helper, need_id=needs[0].pk, offer_id=offer.pk
    )
    matching_services.match_accept(user=needs[0].owner, match_id=match.pk)
    return needs


def test_stats_are_public_match_the_data_and_withhold_small_counts(api_client, home_council, data):
    response = api_client.get("/api/v1/open/stats/")
    assert response.status_code == 200
    body = response.json()
    assert body["suppressed_below"] == 5
    month = timezone.localdate().strftime("%Y-%m")
    rows = {(r["council"], r["category"], r["month"]): r for r in body["results"]}
    walking = rows[(home_council.slug, "dog-walking", month)]
    assert walking["needs_asked"] == 6
    assert walking["needs_matched"] is None  # 1 match: withheld
    assert walking["needs_fulfilled"] is None  # 0: withheld
    befriending = rows[(home_council.slug, "befriending", month)]
    assert befriending["needs_asked"] is None  # 2 needs: withheld
    text = response.content.decode()
    assert "Asker" not in text and "@" not in text


def test_stats_filters_and_errors(api_client, home_council, data):
    month = timezone.localdate().strftime("%Y-%m")
    one = api_client.get("/api/v1/open/stats/", {"council": home_council.slug, "from": month})
    assert len(one.json()["results"]) == 2
    assert api_client.get("/api/v1/open/stats/", {"council": "nowhere"}).status_code == 404
    bad = api_client.get("/api/v1/open/stats/", {"from": "January"})
    assert bad.status_code == 400
    assert "like 2026-01" in bad.json()["detail"]
    wide = api_client.get("/api/v1/open/stats/", {"from": "2020-01", "to": "2026-01"})
    assert wide.status_code == 400


def test_demand_is_geojson_with_small_cells_left_out(api_client, home_council, data):
    response = api_client.get("/api/v1/open/demand/", {"council": home_council.slug})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["suppressed_below"] == 5
    # 5 open needs at A (one is matched); the 2 at B are left out.
    [feature] = body["features"]
    assert feature["properties"] == {"open_needs": 5}
    assert feature["geometry"]["type"] == "Polygon"
    lon, lat = feature["geometry"]["coordinates"][0][0]
    assert abs(lon - A[0]) < 0.05 and abs(lat - A[1]) < 0.05
    assert api_client.get("/api/v1/open/demand/").status_code == 400


def test_open_data_is_in_the_schema(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/open/stats/" in schema and "/api/v1/open/demand/" in schema


def test_the_demand_map_counts_published_cells_not_exact_homes(api_client, home_council, data):
    """The map counts each need where it is published (its grid-cell centre): an exact home
    moved anywhere within its cell, even across a hexagon's edge, changes nothing. Here the
    exact points of the five waiting needs at A are moved 3 km away while their published
    cell stays at A: the hexagon with five is still the one around A."""
    from django.contrib.gis.geos import Point

    from marketplace.models import Need

    waiting = Need.objects.filter(pk__in=[n.pk for n in data[1:6]])
    waiting.update(location=Point(A[0] + 0.045, A[1], srid=4326))
    [feature] = api_client.get("/api/v1/open/demand/", {"council": home_council.slug}).json()[
        "features"
    ]
    assert feature["properties"] == {"open_needs": 5}
    ring = feature["geometry"]["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    cell = waiting.first().approx_location
    assert min(lons) <= cell.x <= max(lons) and min(lats) <= cell.y <= max(lats)
