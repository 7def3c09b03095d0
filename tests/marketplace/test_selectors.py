"""Visibility rules and browsing near me."""

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.errors import ApplicationError, NotFound
from marketplace import selectors, services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_owner_sees_own_listing_in_any_status(citizen, other_citizen, moderator, away_moderator):
    draft = make.need(owner=citizen, submit=False)
    assert selectors.access_need(user=citizen, need_id=draft.pk) == draft
    # A draft is its owner's alone until sent: staff of the council do not read it either.
    for outsider in (other_citizen, away_moderator, moderator):
        with pytest.raises(NotFound) as hidden:
            selectors.access_need(user=outsider, need_id=draft.pk)
        with pytest.raises(NotFound) as missing:
            selectors.access_need(user=outsider, need_id=draft.pk + 1000)
        assert hidden.value.message == missing.value.message


@pytest.mark.parametrize("bad_id", [0, -1, 2**70, "abc"])
def test_nonsense_ids_are_not_found(citizen, bad_id):
    with pytest.raises(NotFound):
        selectors.access_need(user=citizen, need_id=bad_id)


def test_open_listing_visible_to_signed_in_people(citizen, other_citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    assert selectors.access_need(user=other_citizen, need_id=need.pk) == need
    services.need_withdraw(actor=citizen, need=need)
    with pytest.raises(NotFound):
        selectors.access_need(user=other_citizen, need_id=need.pk)


def test_suspended_owner_listings_are_hidden(citizen, other_citizen, moderator):
    need = make.open_need(owner=citizen, moderator=moderator)
    citizen.suspended_at = timezone.now()
    citizen.save()
    with pytest.raises(NotFound):
        selectors.access_need(user=other_citizen, need_id=need.pk)
    assert selectors.access_need(user=moderator, need_id=need.pk) == need


def test_listings_near_orders_by_distance_from_the_viewers_home(helper, moderator, home_council):
    far_owner = make.person(council=home_council)
    near_owner = make.person(council=home_council)
    far = make.open_need(owner=far_owner, moderator=moderator, lon=-1.62, lat=53.85)
    near = make.open_need(owner=near_owner, moderator=moderator, lon=-1.565, lat=53.812)
    rows = list(selectors.listings_near(viewer=helper, kind="need"))
    assert rows == [near, far]
    assert rows[0].distance_m.m < rows[1].distance_m.m
    within = list(selectors.listings_near(viewer=helper, kind="need", max_distance_m=2000))
    assert within == [near]
    # Moving the viewer's stored home is the only way to change the origin.
    helper.home_location = Point(-1.62, 53.85, srid=4326)
    helper.save()
    assert list(selectors.listings_near(viewer=helper, kind="need")) == [far, near]


def test_listings_near_measures_to_the_approximate_location(helper, moderator, citizen):
    need = make.open_need(owner=citizen, moderator=moderator, lon=-1.5512, lat=53.8013)
    row = selectors.listings_near(viewer=helper, kind="need").get(pk=need.pk)
    home = helper.home_location
    expected = need.approx_location.transform(27700, clone=True).distance(
        Point(home.x, home.y, srid=4326).transform(27700, clone=True)
    )
    assert abs(row.distance_m.m - expected) < 25  # geography vs grid: close, same point


def test_listings_near_excludes_own_and_filters_category(citizen, helper, moderator):
    mine = make.open_offer(helper=helper, moderator=moderator)
    other_helper = make.person(council=citizen.council)
    walks = make.open_offer(helper=other_helper, moderator=moderator)
    make.record_checks_for(
        helper=other_helper, category=make.category("befriending"), moderator=moderator
    )
    chats = make.open_offer(helper=other_helper, moderator=moderator, category_slug="befriending")
    assert mine not in selectors.listings_near(viewer=helper, kind="offer")
    assert list(
        selectors.listings_near(viewer=citizen, kind="offer", category=make.category("befriending"))
    ) == [chats]
    assert set(selectors.listings_near(viewer=citizen, kind="offer")) == {mine, walks, chats}


def test_viewer_without_home_gets_newest_first_and_no_distance_filter(moderator, citizen):
    homeless = make.UserFactory()
    first = make.open_need(owner=citizen, moderator=moderator)
    second = make.open_need(owner=citizen, moderator=moderator)
    assert list(selectors.listings_near(viewer=homeless, kind="need")) == [second, first]
    with pytest.raises(ApplicationError, match="Add your home postcode"):
        selectors.listings_near(viewer=homeless, kind="need", max_distance_m=1000)


def test_listings_far_away_are_not_near(helper, moderator, away_council):
    far_owner = make.person(council=away_council, lon=-0.12, lat=51.5)
    away_staff = make.staff(council=away_council)
    london = make.open_need(owner=far_owner, moderator=away_staff, lon=-0.12, lat=51.5)
    assert london not in selectors.listings_near(viewer=helper, kind="need")
    neighbour = make.person(council=away_council, lon=-0.13, lat=51.51)
    assert london in selectors.listings_near(viewer=neighbour, kind="need")


def test_near_me_uses_the_spatial_index_on_approximate_locations():
    """The browse query is bounded and sargable: PostgreSQL can answer it from the partial
    GiST index on open listings' approximate locations rather than by reading every row."""
    from django.db import connection

    from accounts.models import User
    from demo import listings as demo
    from demo import people as accounts_demo

    council = accounts_demo.seed_council()
    demo.seed_postcodes(council=council)
    accounts_demo.seed_accounts(council=council)
    demo.seed_listings(council=council)
    viewer = User.objects.get(email="helper@kith.example")
    for kind, index in (("need", "need_open_approx_gist"), ("offer", "offer_open_approx_gist")):
        qs = selectors.listings_near(viewer=viewer, kind=kind, max_distance_m=2000)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE marketplace_{kind}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            plan = qs.explain()
            cursor.execute("SET LOCAL enable_seqscan = on")
        # A GiST index on approximate locations serves it: the partial one on open listings
        # (marketplace's, or matching's composite (council, category, approx_location) one,
        # migration 0005), or, when the planner's estimates tip that way in a long run, the
        # full one combined with the status index in a bitmap. Never every row read.
        gist = (index, f"matching_{kind}_open_council_cat_approx_gist", "_approx_location_")
        assert any(name in plan for name in gist), plan
        assert "Index Cond: (approx_location && " in plan, plan
        assert f"Seq Scan on marketplace_{kind}" not in plan, plan
