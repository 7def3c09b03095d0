"""Open data as published: each closed month counted once from moderated needs, then frozen;
small counts withheld and the rest rounded; served as JSON, CSV and GeoJSON with the licence,
CORS and caching headers; and nothing personal in it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from insights import publication
from insights.disclosure import SUPPRESS_BELOW
from insights.models import OpenPublication
from insights.open_formats import LICENCE_URL
from insights.publication import MONTH, WEEK, local_midnight, publish, weeks_of
from insights.tasks import open_data_publish
from marketplace import services as marketplace_services
from marketplace.models import Need
from matching import services as matching_services
from matching.models import Match
from tests.kit import factories as make

pytestmark = pytest.mark.django_db
A = make.CENTRE
STATS = "/api/v1/open/stats/"


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def in_month(month: dt.date, day: int = 3) -> dt.datetime:
    return local_midnight(month.replace(day=day)) + dt.timedelta(hours=10)


def _asked(*, council, moderator, count, category="dog-walking", approve=True, day=3):
    """`count` needs of different people, recorded on `day` of last month (and approved)."""
    needs = []
    for i in range(count):
        owner = make.person(council=council, display_name=f"Asker {category} {i}")
        need = make.need(owner=owner, lon=A[0], lat=A[1], category_slug=category)
        if approve:
            marketplace_services.moderation_approve(
                actor=moderator, kind="need", listing_id=need.pk
            )
        needs.append(need)
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(created_at=in_month(last_month(), day))
    return needs


@pytest.fixture
def month_world(home_council, moderator):
    """Last month: 12 dog-walking needs approved, one waiting for review, one turned down."""
    approved = _asked(council=home_council, moderator=moderator, count=12)
    [pending] = _asked(council=home_council, moderator=moderator, count=1, approve=False)
    [rejected] = _asked(council=home_council, moderator=moderator, count=1, approve=False)
    marketplace_services.moderation_reject(
        actor=moderator, kind="need", listing_id=rejected.pk, reason="Not a kind of help we offer."
    )
    return {"approved": approved, "pending": pending}


def _rows(client, **params) -> dict:
    body = client.get(STATS, params).json()
    return {(r["council_code"], r["month"], r["category"]): r for r in body["results"]}


# --- Published, not live ------------------------------------------------------------------
def test_a_closed_month_is_published_from_moderated_needs_then_frozen(
    api_client, home_council, moderator, month_world
):
    month = last_month().strftime("%Y-%m")
    assert _rows(api_client) == {}  # nothing is counted live
    done = open_data_publish()
    assert done["failed"] == 0 and done["published"] >= 1
    rows = _rows(api_client, council=home_council.code)
    walking = rows[(home_council.code, month, "dog-walking")]
    # 12 moderated needs (the one waiting and the one turned down are not counted): shown as
    # 10; matched and fulfilled (none) withheld.
    assert walking["needs_asked"] == 10
    assert walking["needs_matched"] is None and walking["needs_fulfilled"] is None
    assert walking["status"] == "final" and walking["version"] == 1
    assert rows[(home_council.code, month, "all")]["needs_asked"] == 10
    assert rows[(home_council.code, month, "befriending")]["needs_asked"] is None
    first = api_client.get(STATS, {"council": home_council.code})

    # After publication: a late approval, a take-down, an erasure. The month does not move,
    # whether the job runs again or not.
    marketplace_services.moderation_approve(
        actor=moderator, kind="need", listing_id=month_world["pending"].pk
    )
    for need in month_world["approved"][:3]:
        marketplace_services.moderation_reject(
            actor=moderator, kind="need", listing_id=need.pk, reason="Taken down after a report."
        )
    _asked(council=home_council, moderator=moderator, count=5)
    assert publication.month_figures(council=home_council, month=last_month()) != (
        OpenPublication.objects.get(
            council=home_council, kind=MONTH, period_start=last_month()
        ).figures
    )
    assert open_data_publish()["published"] == 0
    again = api_client.get(STATS, {"council": home_council.code})
    assert again.content == first.content and again["ETag"] == first["ETag"]
    published = OpenPublication.objects.filter(
        council=home_council, kind=MONTH, period_start=last_month()
    )
    assert published.count() == 1


def test_the_month_still_open_is_not_published(home_council, moderator):
    make.open_need(owner=make.person(council=home_council), moderator=moderator)
    open_data_publish()
    this_month = timezone.localdate().replace(day=1)
    assert not OpenPublication.objects.filter(kind=MONTH, period_start=this_month).exists()
    with pytest.raises(ValueError, match="not closed"):
        publish(council=home_council, kind=MONTH, period_start=this_month)


def test_a_correction_is_a_new_version_and_the_old_one_stays(
    api_client, home_council, moderator, month_world
):
    open_data_publish()
    month = last_month()
    _asked(council=home_council, moderator=moderator, count=4)  # 16 now: shown as 15
    # Without a reason nothing is published again; with one, a new version.
    assert not publish(council=home_council, kind=MONTH, period_start=month).created
    result = publish(
        council=home_council, kind=MONTH, period_start=month, reason="Needs approved late."
    )
    assert result.created and result.publication.version == 2
    # The same figures again: no third version.
    assert not publish(council=home_council, kind=MONTH, period_start=month, reason="x").created
    key = (home_council.code, month.strftime("%Y-%m"), "dog-walking")
    current = _rows(api_client, council=home_council.code)[key]
    assert (current["needs_asked"], current["version"]) == (15, 2)
    assert current["correction_note"] == "Needs approved late."
    params = {"council": home_council.code, "from": key[1], "to": key[1], "version": 1}
    assert _rows(api_client, **params)[key]["needs_asked"] == 10
    assert api_client.get(STATS, {"version": 1}).status_code == 400
    audited = AuditEvent.objects.filter(verb="open_data.published", council_id=home_council.pk)
    assert {e.data["version"] for e in audited if e.data["kind"] == MONTH} == {1, 2}


def test_weeks_are_provisional_until_their_month_is_final(api_client, home_council, moderator):
    month = last_month()
    _asked(council=home_council, moderator=moderator, count=11, day=2)
    now = timezone.now()
    # The weeks of last month closed before its end: published first, provisional.
    for start, _end in weeks_of(month):
        publish(council=home_council, kind=WEEK, period_start=start, now=now)
    params = {"council": home_council.code, "from": month.strftime("%Y-%m")}
    params["to"] = params["from"]
    rows = api_client.get("/api/v1/open/stats/weekly/", params).json()["results"]
    assert [r["status"] for r in rows] == ["provisional"] * len(weeks_of(month))
    assert rows[0]["week_start"] == month.isoformat()
    assert rows[0]["week_end"] == (month + dt.timedelta(days=6)).isoformat()
    assert rows[0]["needs_asked"] == 10 and rows[1]["needs_asked"] is None
    publish(council=home_council, kind=MONTH, period_start=month, now=now)
    final = api_client.get("/api/v1/open/stats/weekly/", params).json()["results"]
    assert [r["status"] for r in final] == ["final"] * len(weeks_of(month))
    assert [r["needs_asked"] for r in final] == [r["needs_asked"] for r in rows]


# --- Formats ---------------------------------------------------------------------------------
def test_csv_has_a_header_row_and_the_same_figures(api_client, home_council, month_world):
    open_data_publish()
    json_rows = api_client.get(STATS, {"council": home_council.code}).json()["results"]
    for response in (
        api_client.get(STATS, {"council": home_council.code, "format": "csv"}),
        api_client.get(STATS, {"council": home_council.code}, HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        lines = response.content.decode().splitlines()
        assert lines[0].split(",")[:7] == [
            "council_code",
            "council_name",
            "month",
            "category",
            "needs_asked",
            "needs_matched",
            "needs_fulfilled",
        ]
        assert len(lines) == 1 + len(json_rows)
        month = last_month().strftime("%Y-%m")
        walking = next(line for line in lines if f",{month},dog-walking," in line)
        assert walking.startswith(f"{home_council.code},{home_council.name},")
        assert ",dog-walking,10,,," in walking  # withheld figures are empty


def test_cells_are_geojson_with_stable_ids_and_a_month(api_client, home_council, month_world):
    open_data_publish()
    month = last_month().strftime("%Y-%m")
    response = api_client.get("/api/v1/open/cells/", {"council": home_council.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    cell = feature["properties"]["cell"]
    assert feature["id"] == f"{cell}/{month}"
    assert feature["properties"]["month"] == month and feature["properties"]["needs_asked"] == 10
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"][0]) == 7
    # The id is the grid's: the hexagon holding the needs' published point, from its
    # column and row in British National Grid, whatever the rows of the database.
    need = month_world["approved"][0]
    need.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Contains(ST_Hexagon(1000, %s, %s, ST_SetSRID(ST_MakePoint(0, 0), 27700)),"
            " ST_Transform(%s::geometry, 27700))",
            [*map(int, cell.split("-")[1:]), need.approx_location.ewkt],
        )
        assert cursor.fetchone()[0]
    csv_text = api_client.get(
        "/api/v1/open/cells/", {"council": home_council.slug, "format": "csv"}
    ).content.decode()
    assert csv_text.splitlines() == [
        "cell,month,council_code,needs_asked,status,version",
        f"{cell},{month},{home_council.code},10,final,1",
    ]
    assert api_client.get("/api/v1/open/cells/").status_code == 400


def test_categories_and_councils_are_public_with_definitions_and_ons_codes(
    api_client, home_council
):
    categories = api_client.get("/api/v1/open/categories/").json()
    walking = next(c for c in categories["results"] if c["category"] == "dog-walking")
    assert walking["name"] and walking["definition"]
    councils = api_client.get("/api/v1/open/councils/", {"format": "csv"}).content.decode()
    assert f"{home_council.code},{home_council.name}," in councils


# --- Licence and headers ------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/open/stats/",
        "/api/v1/open/stats/weekly/",
        "/api/v1/open/categories/",
        "/api/v1/open/councils/",
        "/api/v1/open/cells/?council={code}",
        "/api/v1/open/demand/?council={code}",
    ],
)
def test_every_open_answer_has_the_licence_cors_and_caching(
    api_client, home_council, month_world, path
):
    open_data_publish()
    url = path.format(code=home_council.code)
    response = api_client.get(url, HTTP_ORIGIN="https://data.example.org")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'
    licence = response.json()["metadata"]["licence"]
    assert licence["name"] == "Open Government Licence v3.0" and licence["url"] == LICENCE_URL
    assert "Open Government Licence v3.0" in licence["attribution"]
    assert response.json()["metadata"]["time_zone"] == "Europe/London"
    again = api_client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["Access-Control-Allow-Origin"] == "*"
    if "Last-Modified" in response:
        since = api_client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
        assert since.status_code == 304


def test_only_open_data_is_open_to_every_origin(api_client):
    response = api_client.get("/api/v1/me/", HTTP_ORIGIN="https://data.example.org")
    assert "Access-Control-Allow-Origin" not in response


def test_the_schema_names_the_licence_and_the_open_endpoints(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["info"]["license"] == {"name": "Open Government Licence v3.0", "url": LICENCE_URL}
    for path in ("stats/", "stats/weekly/", "cells/", "demand/", "categories/", "councils/"):
        assert f"/api/v1/open/{path}" in schema["paths"]


def test_refusals(api_client, home_council):
    assert api_client.get(STATS, {"council": "nowhere"}).status_code == 404
    bad = api_client.get(STATS, {"from": "January"})
    assert bad.status_code == 400 and "like 2026-01" in bad.json()["detail"]
    assert api_client.get(STATS, {"from": "2020-01", "to": "2026-01"}).status_code == 400
    assert api_client.get(STATS, HTTP_ACCEPT="text/html").status_code == 406


def test_nothing_personal_is_published(api_client, home_council, month_world):
    open_data_publish()
    text = "".join(
        api_client.get(path, {"council": home_council.code}).content.decode()
        for path in (STATS, "/api/v1/open/cells/", "/api/v1/open/stats/weekly/")
    )
    assert "Asker" not in text and "@" not in text.replace(home_council.contact_email, "").replace(
        "opendata@kith.example", ""
    )
    for need in month_world["approved"]:
        need.refresh_from_db()
        assert f"{need.location.x:.5f}" not in text and need.title not in text


def test_matched_needs_are_those_matched_by_the_months_end(home_council, moderator, helper):
    needs = _asked(council=home_council, moderator=moderator, count=12)
    offer = make.open_offer(helper=helper, moderator=moderator, capacity=20)
    for need in needs:
        match = matching_services.match_offer_help(
            helper=helper, need_id=need.pk, offer_id=offer.pk
        )
        matching_services.match_accept(user=need.owner, match_id=match.pk)
        Match.objects.filter(pk=match.pk).update(accepted_at=in_month(last_month(), 20))
        if need is needs[-1]:
            # Accepted after the month ended: not matched in its figures.
            Match.objects.filter(pk=match.pk).update(accepted_at=timezone.now())
    counts = publication.month_counts(council=home_council, month=last_month())
    assert counts.asked["dog-walking"] == 12 and counts.matched["dog-walking"] == 11
    assert sum(counts.weeks.values()) == sum(counts.cells.values()) == 12
    assert SUPPRESS_BELOW == 10
