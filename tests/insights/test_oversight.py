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
    assert "Fewer than 5" in body and "<title>5 needs</title>" in body
    assert "<title>2 needs</title>" not in body
    assert 'style="' not in body
    bad = client.get(
        reverse("staff:oversight"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert bad.status_code == 400
    assert "The end date must be on or after the start date." in bad.content.decode()
