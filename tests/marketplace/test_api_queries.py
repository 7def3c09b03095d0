"""List endpoints make the same number of queries for 2 rows as for 20 (no N+1)."""

import pytest
from django.contrib.gis.db.models.fields import get_srid_info
from django.db import connection
from rest_framework.test import APIClient

from accounts.models import User
from accounts.second_factor import mark_second_factor, second_factor_used
from marketplace import services
from safeguarding import blocks as safeguarding_blocks
from safeguarding import reports as safeguarding_reports
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _fresh_client(user) -> APIClient:
    # A fresh instance each time, so no relation cached by an earlier request hides a query.
    # It is marked as the first was: staff signed in with their second factor stay so.
    fresh = User.objects.get(pk=user.pk)
    mark_second_factor(fresh, used=second_factor_used(user))
    client = APIClient()
    client.force_authenticate(fresh)
    return client


def _populate(n, *, citizen, helper, moderator, reporter):
    for i in range(n):
        lon, lat = -1.55 + i * 0.001, 53.80 + i * 0.001
        need = make.need(owner=citizen, lon=lon, lat=lat)
        offer = make.offer(helper=helper, lon=lon, lat=lat)
        if i % 2:
            services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
            services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
            safeguarding_reports.report_create(
                reporter=reporter, target_type="need", target_id=need.pk, reason=f"Report {i}"
            )
        else:
            neighbour = make.person(council=citizen.council, lon=lon, lat=lat)
            make.open_offer(helper=neighbour, moderator=moderator, lon=lon, lat=lat)
            safeguarding_blocks.block_create(blocker=citizen, blocked_id=neighbour.pk)


# (url, who asks, queries) — pinned; the same figure must hold for 2 and for 20 rows.
LISTS = [
    ("/api/v1/needs/", "citizen", 3),
    ("/api/v1/offers/", "helper", 3),
    ("/api/v1/needs/near/", "helper", 4),
    ("/api/v1/offers/near/", "citizen", 4),
    # Staff lists: the selectors ask for two-factor authentication again (one query).
    ("/api/v1/staff/review/needs/", "moderator", 7),
    ("/api/v1/staff/review/offers/", "moderator", 7),
    ("/api/v1/staff/reports/", "moderator", 6),
    ("/api/v1/blocks/", "citizen", 2),
    ("/api/v1/categories/", "citizen", 3),
]


@pytest.mark.parametrize("rows", [2, 20])
def test_list_endpoints_make_a_constant_number_of_queries(
    rows, citizen, helper, moderator, other_citizen, django_assert_num_queries
):
    _populate(rows, citizen=citizen, helper=helper, moderator=moderator, reporter=other_citizen)
    people = {"citizen": citizen, "helper": helper, "moderator": moderator}
    # Asked once per connection or process, never per row: warmed so they are not counted.
    assert connection.ops.spatial_version
    assert get_srid_info(4326, connection)
    for url, who, queries in LISTS:
        client = _fresh_client(people[who])
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200, url
        body = response.json()
        if isinstance(body, dict):  # paginated lists hold the rows made above
            assert body["count"] >= rows // 2, url
