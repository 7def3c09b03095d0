"""Trilateration: a stranger who moves their own home from place to place and reads another
person's distance band and approximate location each time learns nothing finer than the
published grid cell.

Every reading is computed from the cell centre, never from the exact point, so moving the
other person's exact home anywhere inside their cell leaves every answer byte-identical: no
set of readings, however many, can tell two points of one cell apart.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import person_set_home
from marketplace import services
from marketplace.models import Need, Offer
from places.geo import approximate_point, distance_band, haversine_m
from tests.kit import factories as make
from tests.kit.world import World, build_world

pytestmark = pytest.mark.django_db

# Where the stranger says they live, one after another: around and inside the targets' cells.
STRANGER_HOMES = {
    "LS1 1BA": (-1.5480, 53.7990),
    "LS2 9JT": (-1.5600, 53.8100),
    "LS3 1AB": (-1.5900, 53.8040),
    "LS4 2PR": (-1.5290, 53.8300),
    "LS5 3AA": (-1.5620, 53.8066),
    "LS8 1AA": (-1.5010, 53.8140),
    "LS10 1AB": (-1.5280, 53.7720),
    "LS11 5AA": (-1.6200, 53.7700),
}
MOVES = [(-0.45, -0.45), (0.45, 0.45), (-0.45, 0.45), (0.45, -0.45), (0.1, -0.3)]
# Per request or per session, never per place: script nonces, form tokens, and the moment the
# session ends (for the timeout warning).
VOLATILE = re.compile(
    r'(nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"|data-ends-at="[^"]*")'
)


def _cell_offsets(point: Point, fx: float, fy: float) -> Point:
    """A point `fx`, `fy` of a cell's width from the centre of `point`'s grid cell."""
    centre = approximate_point(point)
    grid = settings.KITH_LOCATION_GRID_M
    dlat = grid / 111_320.0
    dlon = grid / (111_320.0 * math.cos(math.radians(centre.y)))
    moved = Point(centre.x + fx * dlon, centre.y + fy * dlat, srid=4326)
    assert approximate_point(moved).coords == centre.coords, "the move must stay in the cell"
    return moved


def _move_within_cell(world: World, fx: float, fy: float) -> None:
    """Move Bea's and Cal's exact homes and listings somewhere else inside their cells."""
    for person, model, owner_field in ((world.bea, Need, "owner"), (world.cal, Offer, "helper")):
        moved = _cell_offsets(person.home_location, fx, fy)
        User.objects.filter(pk=person.pk).update(home_location=moved)
        model.objects.filter(**{owner_field: person}).update(location=moved)


def _readings(world: World, stranger: User) -> list[str]:
    """Everything the stranger can read about Bea and Cal, from each of their homes."""
    api = APIClient()
    api.force_authenticate(stranger)
    web = Client()
    web.force_login(stranger)
    out = []
    for postcode in STRANGER_HOMES:
        person_set_home(user=stranger, postcode=postcode)
        stranger.refresh_from_db()
        for url in (
            "/api/v1/offers/near/",
            "/api/v1/needs/near/",
            f"/api/v1/offers/{world.cal_offer.pk}/",
            f"/api/v1/needs/{world.bea_need.pk}/",
        ):
            response = api.get(url)
            assert response.status_code == 200, url
            out.append(response.content.decode())
        for url in ("/helping/needs-near-me/", f"/helping/needs/{world.bea_need.pk}/"):
            response = web.get(url)
            assert response.status_code == 200, url
            out.append(VOLATILE.sub("", response.content.decode()))
    return out


@pytest.fixture
def stranger_world():
    world = build_world()
    for postcode, (lon, lat) in STRANGER_HOMES.items():
        make.PostcodeFactory(postcode=postcode, location=Point(lon, lat, srid=4326))
    # A stranger: shares a council with Bea and Cal, no match with either.
    stranger = make.person(council=world.council, lon=-1.5401, lat=53.7951, display_name="Eve")
    make.open_offer(helper=stranger, moderator=world.moderator, lon=-1.5401, lat=53.7951)
    return world, stranger


def test_moving_a_home_inside_its_cell_changes_no_reading(stranger_world):
    world, stranger = stranger_world
    before = _readings(world, stranger)
    # The readings do describe Bea and Cal (the check is not comparing empty pages).
    assert any(f'"id":{world.cal_offer.pk}' in body for body in before)
    assert any(f'"id":{world.bea_need.pk}' in body for body in before)
    assert any(world.bea.display_name in body for body in before if "<html" in body)
    for fx, fy in MOVES:
        _move_within_cell(world, fx, fy)
        assert _readings(world, stranger) == before, (fx, fy)


def test_every_band_is_the_band_of_the_cell_centre(stranger_world):
    world, stranger = stranger_world
    api = APIClient()
    api.force_authenticate(stranger)
    seen = set()
    for postcode, (lon, lat) in STRANGER_HOMES.items():
        person_set_home(user=stranger, postcode=postcode)
        stranger.refresh_from_db()
        for url, listing in (
            (f"/api/v1/offers/{world.cal_offer.pk}/", world.cal_offer),
            (f"/api/v1/needs/{world.bea_need.pk}/", world.bea_need),
        ):
            data = api.get(url).json()
            cell = listing.approx_location
            assert json.dumps(data["approx_location"]).count(f"{cell.y:.5f}".rstrip("0")) == 1
            expected = distance_band(haversine_m(lon, lat, cell.x, cell.y))
            assert data["distance_band"] == expected, (postcode, url)
            seen.add(data["distance_band"])
    assert len(seen) >= 3  # the stranger's moves did reach different bands


def test_a_helpers_ranking_does_not_depend_on_where_in_its_cell_a_home_is(stranger_world):
    world, stranger = stranger_world
    probe = make.open_offer(
        helper=stranger, moderator=world.moderator, lon=-1.5401, lat=53.7951, radius_m=100
    )
    api = APIClient()
    api.force_authenticate(stranger)

    def candidates_at(pin: Point) -> bool:
        probe.refresh_from_db()
        services.offer_update(
            actor=stranger, offer=probe, version=probe.version, data={"point": pin}
        )
        probe.refresh_from_db()
        if probe.status != Offer.Status.OPEN:  # a moved offer may go back to review
            services.moderation_approve(actor=world.moderator, kind="offer", listing_id=probe.pk)
        response = api.get(f"/api/v1/offers/{probe.pk}/matches/")
        assert response.status_code == 200
        return world.bea_need.pk in {row["need_id"] for row in response.json()}

    # Pins around Bea's cell; record what the ranking says, then move Bea inside her cell.
    pins = [_cell_offsets(world.bea.home_location, fx, fy) for fx, fy in MOVES]
    _move_within_cell(world, *MOVES[0])
    before = [candidates_at(pin) for pin in pins]
    assert any(before)  # the probe does reach Bea's need: not a comparison of empty lists
    _move_within_cell(world, *MOVES[1])
    assert [candidates_at(pin) for pin in pins] == before


def _pin_from(centre: Point, *, metres: float, bearing_deg: float) -> Point:
    north = metres * math.cos(math.radians(bearing_deg))
    east = metres * math.sin(math.radians(bearing_deg))
    lat = centre.y + north / 111_320.0
    lon = centre.x + east / (111_320.0 * math.cos(math.radians(centre.y)))
    return Point(lon, lat, srid=4326)


def test_a_citizens_ranking_does_not_depend_on_where_in_its_cell_a_helpers_home_is(
    stranger_world,
):
    """A stranger moves a need's pin around the edge of Cal's travel radius and reads the
    ranking each time; the answers are byte-identical wherever Cal lives inside his cell."""
    world, stranger = stranger_world
    probe = make.open_need(owner=stranger, moderator=world.moderator, lon=-1.5401, lat=53.7951)
    api = APIClient()
    api.force_authenticate(stranger)
    centre = world.cal_offer.approx_location
    pins = [
        _pin_from(centre, metres=metres, bearing_deg=bearing)
        for bearing in (180, 225, 270, 315, 0)
        for metres in (4700, 4950, 5050, 5300)
    ]

    def rankings() -> list[bytes]:
        out = []
        for pin in pins:
            probe.refresh_from_db()
            services.need_update(
                actor=stranger, need=probe, version=probe.version, data={"point": pin}
            )
            probe.refresh_from_db()
            if probe.status != "open":  # a moved need may go back to review
                services.moderation_approve(actor=world.moderator, kind="need", listing_id=probe.pk)
            response = api.get(f"/api/v1/needs/{probe.pk}/matches/")
            assert response.status_code == 200
            out.append(response.content)
        return out

    _move_within_cell(world, *MOVES[0])
    before = rankings()
    found = [f'"offer_id":{world.cal_offer.pk}'.encode() in body for body in before]
    assert any(found) and not all(found)  # the pins do cross the edge of Cal's reach
    for fx, fy in MOVES[1:3]:
        _move_within_cell(world, fx, fy)
        assert rankings() == before, (fx, fy)
