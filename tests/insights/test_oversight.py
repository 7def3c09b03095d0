"""The oversight dashboard: figures that match the data, and small counts suppressed on the
demand map."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.oversight import oversight_for
from marketplace import services as marketplace_services
from matching import services as matching_services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db
A = (-1.55, 53.80)
B = (-1.50, 53.85)  # about 6.5 km from A


@pytest.fixture
def scene(home_council, moderator, helper):
    needs = []
    for i in range(6):
        owner = make.person(council=home_council, display_name=f"Asker A{i}")
        needs.append(
            make.need(owner=owner, lon=A[0], lat=A[1], urgency="urgent" if i < 2 else "routine")
        )
    for i in range(2):
        owner = make.person(council=home_council, display_name=f"Asker B{i}")
        needs.append(make.need(owner=owner, lon=B[0], lat=B[1]))
    for need in needs:
        marketplace_services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    offer = make.offer(helper=helper, lon=A[0], lat=A[1], radius_m=3000)
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    match = matching_services.match_offer_help(
        helper=helper, need_id=needs[5].pk, offer_id=offer.pk
    )
    matching_services.match_accept(user=needs[5].owner, match_id=match.pk)
    return {"needs": needs, "offer": offer}


def test_figures_match_the_data(home_council, scene):
    today = timezone.localdate()
    data = oversight_for(
        council=home_council, date_from=today - dt.timedelta(days=7), date_to=today
    )
    assert (data.created, data.matched, data.fulfilled) == (8, 1, 0)
    assert data.open_total == 7
    assert data.active_helpers == 1
    assert data.unreached == 2  # the two needs at B are beyond the helper's 3 km
    assert data.median_hours_to_match is not None and 0 <= data.median_hours_to_match < 1
    assert data.fulfilment_rate == 0
    [row] = data.categories
    assert row.name == "Dog walking" and row.total == 7
    assert row.by_urgency["urgent"] == 2 and row.by_urgency["routine"] == 5


def test_small_counts_are_suppressed_on_the_demand_map(home_council, scene):
    today = timezone.localdate()
    data = oversight_for(council=home_council, date_from=today, date_to=today)
    counts = [h.count for h in data.demand.hexagons]
    assert counts == [5, None]  # 5 open needs at A; the 2 at B are shown as "fewer than 5"
    assert [h.label for h in data.demand.hexagons] == ["5 needs", "fewer than 5 needs"]
    assert data.demand.hexagons[1].band == 0


def test_date_range_limits_the_figures(home_council, scene):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    data = oversight_for(council=home_council, date_from=tomorrow, date_to=tomorrow)
    assert (data.created, data.matched) == (0, 0)
    assert data.demand.hexagons == []
    assert data.open_total == 7  # a snapshot, not limited by the range


def test_oversight_page(client, council_admin, scene):
    client.force_login(council_admin)
    response = client.get(reverse("staff:oversight"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fewer than 5" in body and ": 5 needs</title>" in body  # named "LS1: 5 needs"
    assert "2 needs</title>" not in body
    assert 'style="' not in body
    bad = client.get(
        reverse("staff:oversight"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert bad.status_code == 400
    assert "The end date must be on or after the start date." in bad.content.decode()


# --- Maps people can read (issue 19, point 6) ------------------------------------------------
def _postcodes():
    """A few postcodes: a live one by each place, a closed one nearer B, one far away."""
    from django.contrib.gis.geos import Point

    from places.models import Postcode

    Postcode.objects.update_or_create(
        postcode="LS1 4AP", defaults={"location": Point(A[0] + 0.002, A[1], srid=4326)}
    )
    Postcode.objects.update_or_create(
        postcode="LS7 3AA", defaults={"location": Point(B[0] + 0.004, B[1], srid=4326)}
    )
    Postcode.objects.update_or_create(
        postcode="LS8 1ZZ",
        defaults={"location": Point(B[0], B[1], srid=4326), "terminated": True},
    )
    Postcode.objects.update_or_create(
        postcode="YO1 7HH", defaults={"location": Point(-1.08, 53.96, srid=4326)}
    )


def test_hexagons_are_named_after_the_nearest_postcode_district(home_council, scene):
    _postcodes()
    today = timezone.localdate()
    data = oversight_for(council=home_council, date_from=today, date_to=today)
    # Most first: A's cell (5 needs) is nearest LS1 4AP; B's is nearest LS7 3AA, since the
    # closer LS8 postcode has been closed.
    assert [h.place for h in data.demand.hexagons] == ["LS1", "LS7"]
    assert [h.anchor for h in data.demand.hexagons] == ["demand-cell-1", "demand-cell-2"]
    assert data.demand.hexagons[0].title == "LS1: 5 needs"
    legend = [e.label for e in data.demand.legend]
    assert legend == [
        "Palest grey: fewer than 5 needs (the number is not shown)",
        "Pale blue: 5 needs",
    ]


def test_the_table_names_the_places_and_links_to_the_map(client, council_admin, scene):
    _postcodes()
    client.force_login(council_admin)
    html = client.get(reverse("staff:oversight")).content.decode()
    assert "Hexagon 1" not in html
    assert 'id="demand-cell-1"' in html and 'href="#demand-cell-1"' in html
    assert 'data-map-cell="demand-cell-2">LS7' in html
    assert "Key to the map" in html
    assert "Places asked for (helpers the needs want)" in html


def test_needs_and_places_are_counted_separately(home_council, scene):
    need = scene["needs"][0]
    type(need).objects.filter(pk=need.pk).update(helpers_wanted=3)
    today = timezone.localdate()
    data = oversight_for(council=home_council, date_from=today, date_to=today)
    assert (data.created, data.places_asked) == (8, 10)  # 8 needs, one wanting 3 helpers
    assert (data.matched, data.places_filled) == (1, 1)


def test_needs_by_month(home_council, scene):
    from insights import measures

    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    old = scene["needs"][1]
    type(old).objects.filter(pk=old.pk).update(
        created_at=timezone.make_aware(dt.datetime.combine(last_month, dt.time(12)))
    )
    months = measures.needs_by_month(
        council_id=home_council.pk, first=last_month.replace(day=1) - dt.timedelta(days=1),
        last=today,
    )  # fmt: skip
    assert [m.month for m in months][-2:] == [last_month.replace(day=1), today.replace(day=1)]
    assert len(months) == 3 and (months[0].asked, months[0].matched) == (0, 0)
    assert [(m.asked, m.matched) for m in months[1:]] == [(1, 0), (7, 1)]
    data = oversight_for(council=home_council, date_from=last_month, date_to=today)
    assert sum(m.asked for m in data.by_month) == data.created
    assert sum(m.matched for m in data.by_month) == data.matched


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (None, None),
        (20 * 60, "less than an hour"),
        (3600, "1 hour"),
        (5.5 * 3600, "5 hours"),
        (86400, "1 day"),
        (3 * 86400 + 7 * 3600, "3 days"),
        (2.6 * 86400, "3 days"),
    ],
)
def test_durations_in_days_and_hours_only_under_a_day(seconds, words):
    from insights import measures

    assert measures.duration_words(seconds) == words


def test_time_to_match_in_days_on_the_page(client, council_admin, home_council, scene):
    from matching.models import Match

    match = Match.objects.get(need=scene["needs"][5])
    Match.objects.filter(pk=match.pk).update(
        accepted_at=match.need.created_at + dt.timedelta(days=3, hours=2)
    )
    client.force_login(council_admin)
    html = client.get(reverse("staff:oversight")).content.decode()
    assert "3 days" in html and "74" not in html.split("Median time to a match")[1][:200]
    client.cookies["kith_language"] = "cy"
    html = client.get(reverse("staff:oversight")).content.decode()
    assert "3 diwrnod" in html and "Allwedd i’r map" in html
