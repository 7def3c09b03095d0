"""List pages of the console run a fixed number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.kit import factories as make
from trust.concerns import concern_raise

pytestmark = pytest.mark.django_db


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_rows(*, council, admin, n: int, start: int):
    for i in range(start, start + n):
        citizen = make.person(council=council, display_name=f"Margaret {i}")
        helper = make.person(council=council, display_name=f"Margaret helper {i}")
        make.need(owner=citizen, title=f"Need number {i}")
        make.need(owner=citizen, title=f"Recorded {i}", recorded_by=admin, consent_given=True)
        make.offer(helper=helper, title=f"Offer number {i}")
        make.record_check(actor=admin, helper=helper, days_left=10)
        concern_raise(actor=admin, about_id=citizen.pk, summary=f"Concern {i}", priority="low")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("staff:moderation", None),
        ("staff:checks", None),
        ("staff:concerns", None),
        ("staff:people", {"q": "margaret"}),
        ("staff:audit", None),
        ("staff:home", None),
        ("staff:assisted", None),
    ],
)
def test_list_pages_do_not_grow_with_rows(client, council_admin, home_council, name, params):
    client.force_login(council_admin)
    add_rows(council=home_council, admin=council_admin, n=1, start=0)
    few = queries(client, reverse(name), params)
    add_rows(council=home_council, admin=council_admin, n=4, start=1)
    many = queries(client, reverse(name), params)
    assert many == few, f"{name}: {few} queries with 1 row each, {many} with 5"
    assert few <= 20
