"""The oversight page's map people can read (issue 19, point 6), in Chromium, in English and
Welsh: hexagons named after the nearest postcode district, a key in words, the table linking
each place to its hexagon, needs and places labelled apart, time to match in days and the
trend of needs by month with its table; axe-core finds nothing serious, and nothing scrolls
sideways at 320 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from marketplace.services import moderation_approve
from matching.models import Match
from matching.services import match_accept, match_request
from places.models import Postcode
from tests.kit import factories as make
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _scene(council):
    moderator = make.staff(council=council, role=Role.MODERATOR)
    far = make.point_at(6000, 0)
    needs = [make.need(owner=make.person(council=council)) for _ in range(6)]
    needs += [make.need(owner=make.person(council=council), lon=far.x, lat=far.y) for _ in "ab"]
    for need in needs:
        moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    helper = make.person(council=council, display_name="Hana Helper")
    offer = make.offer(helper=helper, radius_m=3000)
    moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    match = match_request(citizen=needs[0].owner, need_id=needs[0].pk, offer_id=offer.pk)
    match_accept(user=helper, match_id=match.pk)
    Match.objects.filter(pk=match.pk).update(
        accepted_at=needs[0].created_at + dt.timedelta(days=3, hours=1)
    )
    centre = make.point_at(150, 0)
    Postcode.objects.update_or_create(postcode="LS1 4AP", defaults={"location": centre})
    Postcode.objects.update_or_create(
        postcode="LS9 8AA", defaults={"location": Point(far.x + 0.002, far.y, srid=4326)}
    )


def test_oversight_map_and_trend_in_english_and_welsh(
    live_server, new_context, pages, home_council
):
    from tests.kit.browser import sign_in

    _scene(home_council)
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    context = new_context()
    page = context.new_page()
    sign_in(page, base, admin.email, totp=totp)
    page.goto(base + "/staff/oversight/")
    page.get_by_role("heading", name="Key to the map").wait_for()
    body = page.locator("main").inner_text()
    assert "Hexagon 1" not in body
    assert "Pale blue: 5 needs" in body and "Palest grey: fewer than 5 needs" in body
    assert "Places asked for (helpers the needs want)" in body and "3 days" in body
    table = page.get_by_role("table", name="Needs asked for and matched, by month")
    assert "8" in table.inner_text()
    pages.check(page, "oversight map and trend")

    page.get_by_role("link", name="LS9 (show on the map)").click()
    assert page.evaluate("location.hash") == "#demand-cell-2"
    cell = page.locator("#demand-cell-2")
    assert "kith-demand-map__cell--current" in (cell.get_attribute("class") or "")
    assert page.locator("#row-demand-cell-2.kith-demand-row--current").count() == 1
    pages.check(page, "oversight place chosen on the map")

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(base + "/staff/oversight/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, width
    pages.check(page, "oversight at 320 px")

    context.add_cookies([{"name": "kith_language", "value": "cy", "url": base}])
    page.set_viewport_size({"width": 1024, "height": 800})
    page.goto(base + "/staff/oversight/")
    page.get_by_role("heading", name="Allwedd i’r map").wait_for()
    body = page.locator("main").inner_text()
    assert "3 diwrnod" in body and "Glas golau: 5 angen" in body
    assert page.get_by_role("link", name="LS1 (dangos ar y map)").count() == 1
    pages.check(page, "oversight in Welsh")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(base + "/staff/oversight/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pages.check(page, "oversight in Welsh at 320 px")


def test_oversight_table_alone_without_javascript(live_server, new_context, pages, home_council):
    _scene(home_council)
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    from tests.kit.browser import sign_in

    page = new_context(javascript=False).new_page()
    sign_in(page, base, admin.email, totp=totp)
    page.goto(base + "/staff/oversight/#demand-cell-1")
    rows = page.get_by_role("table", name="Places with open needs, most first")
    text = rows.inner_text()
    assert "LS1" in text and "LS9" in text and "Fewer than 5" in text
    pages.check(page, "oversight without javascript", javascript=False)
