"""The open-data map: counted in one pass over the needs, stored once per council and period,
served from storage with HTTP caching, and saying no more than the live count did.

The reference is the map as Kith counted it before (`OLD_SQL`): every hexagon of
`ST_HexagonGrid` over the council's area compared with every waiting need. The stored map must
give the same hexagons, the same numbers and the same order.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.http import http_date

from accounts.models import Council
from benchmarks import data
from insights import measures, tasks
from insights.demand_map import (
    BEAT_ENTRY,
    demand_map_refresh,
    open_demand,
    period_seconds,
    period_start,
)
from insights.disclosure import SUPPRESS_BELOW, shown
from insights.models import OpenDemandMap
from insights.tasks import demand_maps_refresh
from marketplace.models import Need
from tests.kit import factories as make

pytestmark = pytest.mark.django_db
URL = "/api/v1/open/demand/"

# The map as it was counted before it was stored (insights.measures before the change): each
# cell of the grid over the council's area joined with each waiting need, each need's point
# moved to British National Grid once per pair.
OLD_SQL = """
WITH area AS (
    SELECT ST_Transform(boundary, 27700) AS g FROM accounts_council WHERE id = %(c)s
), cells AS (
    SELECT h.geom FROM area, ST_HexagonGrid(%(size)s, area.g) h
    WHERE ST_Intersects(h.geom, area.g)
), counted AS (
    SELECT cells.geom, count(n.id) AS n
    FROM cells
    JOIN marketplace_need n
      ON n.council_id = %(c)s AND n.status = 'open'
     AND ST_Intersects(cells.geom, ST_Transform(n.approx_location::geometry, 27700))
    GROUP BY cells.geom
)
SELECT ST_AsGeoJSON(ST_Transform(counted.geom, 4326), 5), counted.n
FROM counted
ORDER BY counted.n DESC, ST_Y(ST_Centroid(counted.geom)) DESC, ST_X(ST_Centroid(counted.geom))
"""


def _old_cells(council_id: int) -> list[tuple[dict, int]]:
    with connection.cursor() as cursor:
        cursor.execute(OLD_SQL, {"c": council_id, "size": measures.HEX_SIZE_M})
        return [(json.loads(geometry), n) for geometry, n in cursor.fetchall()]


def _old_features(council_id: int) -> list[dict]:
    """The features the endpoint answered before, small counts left out as they were."""
    return [
        {"type": "Feature", "geometry": geometry, "properties": {"open_needs": n}}
        for geometry, n in _old_cells(council_id)
        if n >= measures.SUPPRESS_BELOW
    ]


@pytest.fixture
def towns():
    """Two councils of needs loaded as the benchmark loads them: 400 needs, most of them in
    the first council, packed close enough that some hexagons hold five or more and others
    fewer; some are no longer waiting (closed, matched or drafts), and the second council's
    needs lie inside the first council's area, to be left out of its map."""
    data.reset()
    towns = data.make_towns(2)
    owners = data.load_people(
        count=50, prefix="asker", council_ids=[t.council_id for t in towns], seed=5
    )
    ids = data.load_needs(count=400, towns=towns, owner_ids=owners, seed=8, sigma_scale=0.25)
    Need.objects.filter(pk__in=ids[::7]).update(status=Need.Status.CLOSED)
    Need.objects.filter(pk__in=ids[1::11]).update(status=Need.Status.DRAFT)
    # Needs of the second council placed in the first one's area: not the first one's.
    Need.objects.filter(pk__in=ids[2:40:3], council_id=towns[1].council_id).update(
        approx_location=Need.objects.get(pk=ids[0]).approx_location
    )
    return towns


def _council(town) -> Council:
    return Council.objects.get(pk=town.council_id)


# --- The same map as before ---------------------------------------------------------------
def test_every_cell_and_count_is_the_one_the_grid_join_gave(towns):
    for town in towns:
        old = _old_cells(town.council_id)
        new = measures.waiting_needs_by_hexagon(council_id=town.council_id, srid=4326, decimals=5)
        assert new == old
    # The fixture is worth comparing: many cells, small and large counts.
    cells = _old_cells(towns[0].council_id)
    counts = [n for _geometry, n in cells]
    assert len(cells) >= 10 and max(counts) >= 20 and min(counts) < measures.SUPPRESS_BELOW


def test_the_stored_map_served_is_the_old_count_through_the_open_data_rule(api_client, towns):
    """The same hexagons and counts as the grid join gave, now through the open-data rule:
    under 10 left out, the rest rounded to 5, with their grid ids."""
    council = _council(towns[0])
    response = api_client.get(URL, {"council": council.slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["council_code"] == council.code
    assert body["suppressed_below"] == SUPPRESS_BELOW == 10 and body["rounded_to"] == 5
    old = {json.dumps(geometry, sort_keys=True): n for geometry, n in _old_cells(council.pk)}
    compared = 0
    for feature in body["features"]:
        n = feature["properties"]["needs_waiting"]
        assert n >= SUPPRESS_BELOW and n % 5 == 0
        assert feature["id"] == feature["properties"]["cell"]
        assert feature["id"].startswith(f"H{measures.HEX_SIZE_M}-")
        key = json.dumps(feature["geometry"], sort_keys=True)
        if key in old:
            assert n == shown(old[key])
            compared += 1
    assert compared >= 3
    # Small counts are left out: fewer features than cells with any waiting need.
    assert len(body["features"]) < len(old)
    waiting = Need.objects.filter(council=council, status=Need.Status.OPEN).count()
    assert body["needs_waiting"] == shown(waiting)
    assert json.loads(OpenDemandMap.objects.get(council=council).document) == body


def test_a_wider_grid_is_read_when_the_map_is_counted(towns, monkeypatch):
    council = _council(towns[0])
    monkeypatch.setattr(measures, "HEX_SIZE_M", 5000)
    stored = demand_map_refresh(council=council).map
    body = json.loads(stored.document)
    assert body["features"]
    assert all(f["id"].startswith("H5000-") for f in body["features"])
    old = {json.dumps(g, sort_keys=True): n for g, n in _old_cells(council.pk)}
    for feature in body["features"]:
        key = json.dumps(feature["geometry"], sort_keys=True)
        if key in old:
            assert feature["properties"]["needs_waiting"] == shown(old[key])


def test_the_assignment_reads_each_need_once_and_compares_no_cell_with_a_need(towns):
    """EXPLAIN: the new statement scans the needs once and has no join at all between the
    needs and the cells (no nested loop, no grid function); the old one had both."""

    def plan(sql: str, params: dict) -> dict:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            return cursor.fetchone()[0][0]["Plan"]

    def nodes(node: dict):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    params = {
        "c": towns[0].council_id,
        "size": measures.HEX_SIZE_M,
        "srid": 4326,
        "decimals": 5,
        "start": None,
        "end": None,
    }
    new_sql = measures.HEXAGON_COUNTS_SQL.format(
        where=f"n.council_id = %(c)s AND {measures.WAITING}", place="NULL"
    )
    new = list(nodes(plan(new_sql, params)))
    kinds = [n["Node Type"] for n in new]
    assert "Nested Loop" not in kinds and "Function Scan" not in kinds
    assert [n.get("Relation Name") for n in new].count("marketplace_need") == 1
    old = [n["Node Type"] for n in nodes(plan(OLD_SQL, params))]
    assert "Nested Loop" in old and "Function Scan" in old  # the check can fail


# --- Stored once per council and period -----------------------------------------------------
def test_the_job_counts_each_council_once_per_period(towns):
    council = _council(towns[0])
    now = timezone.now()
    first = demand_maps_refresh(now=now.isoformat())
    assert first["counted"] >= 2 and first["already"] == first["failed"] == 0
    stored = OpenDemandMap.objects.get(council=council)
    assert stored.period_start == period_start(now) <= now
    assert stored.counted_at == stored.changed_at == now

    # Again in the same period: nothing is counted, nothing changes.
    again = demand_maps_refresh(now=(now + dt.timedelta(seconds=1)).isoformat())
    assert again["counted"] == 0 and again["already"] == first["counted"]
    assert OpenDemandMap.objects.get(council=council).counted_at == now

    # The next period with the same needs: counted, but the same document, ETag and
    # Last-Modified.
    later = now + dt.timedelta(seconds=period_seconds())
    next_period = demand_maps_refresh(now=later.isoformat())
    assert next_period["counted"] == first["counted"] and next_period["changed"] == 0
    same = OpenDemandMap.objects.get(council=council)
    assert (same.etag, same.document, same.changed_at) == (
        stored.etag,
        stored.document,
        stored.changed_at,
    )
    assert same.counted_at == later

    # A change in the needs waiting: a new document and ETag, changed now.
    Need.objects.filter(council=council, status=Need.Status.OPEN).update(status=Need.Status.CLOSED)
    changed_at = later + dt.timedelta(seconds=period_seconds())
    demand_maps_refresh(now=changed_at.isoformat())
    emptied = OpenDemandMap.objects.get(council=council)
    assert emptied.etag != stored.etag and emptied.changed_at == changed_at
    assert json.loads(emptied.document)["features"] == []


def test_a_council_whose_count_fails_keeps_its_map_and_the_others_are_counted(towns, monkeypatch):
    broken = towns[0].council_id
    real = tasks.demand_map_refresh

    def refresh(*, council, now):
        if council.pk == broken:
            raise RuntimeError("the database went away")
        return real(council=council, now=now)

    monkeypatch.setattr(tasks, "demand_map_refresh", refresh)
    done = demand_maps_refresh()
    assert done["failed"] == 1 and done["counted"] >= 1
    assert not OpenDemandMap.objects.filter(council_id=broken).exists()
    assert OpenDemandMap.objects.filter(council_id=towns[1].council_id).exists()


def test_a_late_run_for_an_earlier_period_leaves_a_newer_map(towns):
    council = _council(towns[0])
    now = timezone.now()
    demand_map_refresh(council=council, now=now)
    late = demand_map_refresh(council=council, now=now - dt.timedelta(seconds=period_seconds()))
    assert not late.counted and late.map.counted_at == now


def test_the_period_is_the_beat_jobs_interval(settings):
    assert settings.KITH_BEAT_SCHEDULE[BEAT_ENTRY]["task"] == "insights.tasks.demand_maps_refresh"
    settings.KITH_BEAT_SCHEDULE = {
        **settings.KITH_BEAT_SCHEDULE,
        BEAT_ENTRY: {**settings.KITH_BEAT_SCHEDULE[BEAT_ENTRY], "schedule": 600},
    }
    assert period_seconds() == 600
    moment = dt.datetime(2026, 3, 1, 10, 17, 30, tzinfo=dt.UTC)
    assert period_start(moment) == dt.datetime(2026, 3, 1, 10, 10, tzinfo=dt.UTC)


# --- Served from storage, with HTTP caching -------------------------------------------------
def test_a_new_council_is_counted_on_its_first_request_then_served_from_storage(
    api_client, towns, django_assert_max_num_queries
):
    council = _council(towns[0])
    assert not OpenDemandMap.objects.filter(council=council).exists()
    first = api_client.get(URL, {"council": council.slug})
    assert first.status_code == 200 and len(first.json()["features"]) >= 3
    counted_at = OpenDemandMap.objects.get(council=council).counted_at

    # The needs change, but until the job counts again the stored map is served, in a few
    # small queries (the council, the map's headers, its document).
    Need.objects.filter(council=council).update(status=Need.Status.CLOSED)
    with django_assert_max_num_queries(4):
        second = api_client.get(URL, {"council": council.slug})
    assert second.content == first.content
    assert OpenDemandMap.objects.get(council=council).counted_at == counted_at
    assert open_demand(council=council)["features"] == []  # what the next count will say


def test_caching_headers_and_not_modified(api_client, towns):
    council = _council(towns[0])
    now = timezone.now()
    stored = demand_map_refresh(council=council, now=now).map
    response = api_client.get(URL, {"council": council.slug})
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag == f'"{stored.etag}"'
    assert response["Last-Modified"] == http_date(now.timestamp())
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "public" in cache_control
    max_age = int(next(p for p in cache_control if p.startswith("max-age=")).split("=")[1])
    assert 0 <= max_age <= period_seconds()

    not_modified = api_client.get(URL, {"council": council.slug}, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag and "public" in not_modified["Cache-Control"]
    since = api_client.get(
        URL, {"council": council.slug}, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert since.status_code == 304
    before = http_date(now.timestamp() - 3600)
    older = api_client.get(URL, {"council": council.slug}, HTTP_IF_MODIFIED_SINCE=before)
    assert older.status_code == 200
    other = api_client.get(URL, {"council": council.slug}, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.content == response.content

    # Counted again with other numbers: the old ETag no longer answers 304.
    Need.objects.filter(council=council).update(status=Need.Status.CLOSED)
    demand_map_refresh(council=council, now=now + dt.timedelta(seconds=period_seconds()))
    fresh = api_client.get(URL, {"council": council.slug}, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert fresh.json()["features"] == []


def test_a_map_whose_next_count_is_due_may_not_be_kept(api_client, towns):
    council = _council(towns[0])
    demand_map_refresh(
        council=council, now=timezone.now() - dt.timedelta(seconds=period_seconds() + 60)
    )
    response = api_client.get(URL, {"council": council.slug})
    assert "max-age=0" in response["Cache-Control"]


def test_unknown_and_missing_councils_are_refused_without_counting(api_client, towns):
    assert api_client.get(URL, {"council": "nowhere"}).status_code == 404
    assert api_client.get(URL).status_code == 400
    assert not OpenDemandMap.objects.exists()


# --- Nothing personal, nothing exact ----------------------------------------------------------
def test_the_map_names_nobody_and_no_exact_place(api_client, home_council, moderator):
    """Twelve people ask for help from the same street: the answer holds their hexagon and its
    rounded count, and nothing of them — no name, email, postcode, listing, id or exact
    point."""
    people, needs = [], []
    for i in range(12):
        home = make.point_at(40 * i, 25 * i)
        owner = make.person(
            council=home_council,
            display_name=f"Private Person {i}",
            home=home,
            email=f"private{i}@example.org",
        )
        people.append(owner)
        needs.append(make.need_row(council=home_council, owner=owner, at=home))
    response = api_client.get(URL, {"council": home_council.slug})
    text = response.content.decode()
    body = response.json()
    assert set(body) == {
        "type",
        "metadata",
        "features",
        "council",
        "council_code",
        "council_name",
        "needs_waiting",
        "suppressed_below",
        "rounded_to",
    }
    [feature] = body["features"]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert feature["properties"] == {"cell": feature["id"], "needs_waiting": 10}
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"][0]) == 7  # a hexagon, closed
    for person, need in zip(people, needs, strict=True):
        assert person.display_name not in text and person.email not in text
        assert need.title not in text and need.description not in text
        for point in (need.location, need.approx_location):
            assert f"{point.x:.5f}" not in text and f"{point.y:.5f}" not in text
    assert "@" not in text.replace(body["metadata"]["contact"], "") and "postcode" not in text
    stored = OpenDemandMap.objects.get(council=home_council)
    assert stored.document == text  # the table holds no more than the answer


def test_counts_under_the_threshold_are_never_stored(api_client, home_council):
    for i in range(SUPPRESS_BELOW - 1):
        make.need_row(council=home_council, at=make.point_at(30 * i, 0))
    response = api_client.get(URL, {"council": home_council.slug})
    body = response.json()
    assert body["features"] == [] and body["needs_waiting"] is None
    stored = OpenDemandMap.objects.get(council=home_council)
    assert json.loads(stored.document) == body
    # The nine are counted all the same: with a lower threshold they would be shown.
    cells = measures.waiting_needs_by_hexagon(council_id=home_council.pk, srid=4326, decimals=5)
    assert [n for _geometry, n in cells] == [SUPPRESS_BELOW - 1]


def test_needs_not_moderated_are_not_on_the_map(api_client, home_council):
    """Twelve needs waiting, but two opened at once and not looked at by a moderator yet:
    ten are counted (shown as 10); one more unreviewed would take it under the threshold."""
    needs = [make.need_row(council=home_council, at=make.point_at(30 * i, 0)) for i in range(12)]
    Need.objects.filter(pk__in=[n.pk for n in needs[:2]]).update(review_after_open=True)
    [feature] = api_client.get(URL, {"council": home_council.slug}).json()["features"]
    assert feature["properties"]["needs_waiting"] == 10
    Need.objects.filter(pk=needs[2].pk).update(review_after_open=True)
    assert open_demand(council=home_council)["features"] == []
