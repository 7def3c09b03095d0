"""The map on "needs near you" is an extra: with JavaScript and a tile server it shows
approximate places; without either, the page is the list alone. And pages reflow on a small
phone screen without sideways scrolling (WCAG 2.2 1.4.10)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import HelperCheck, StaffMembership
from accounts.staff import helper_check_record
from frontend.services import person_set_home, person_update_profile
from marketplace.models import Category
from marketplace.services import moderation_approve, need_create, offer_create
from tests.factories import CouncilFactory, PostcodeFactory, UserFactory, square

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"
# A 1×1 PNG: enough for Leaflet to draw a tile.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


@pytest.fixture
def need_and_helper():
    council = CouncilFactory(name="Leafield Council", boundary=square(-1.55, 53.80, half_deg=0.2))
    PostcodeFactory(postcode="LS1 1AA", location=Point(-1.550, 53.800, srid=4326))
    PostcodeFactory(postcode="LS2 2BB", location=Point(-1.535, 53.808, srid=4326))
    moderator = UserFactory(council=council)
    StaffMembership.objects.create(
        user=moderator, council=council, role=StaffMembership.Role.MODERATOR
    )
    people = {}
    for name, postcode in (("Margaret", "LS1 1AA"), ("Sam", "LS2 2BB")):
        person = UserFactory(email=f"{name.lower()}@example.org", display_name="")
        person_set_home(user=person, postcode=postcode)
        person_update_profile(user=person, display_name=name, preferred_languages=[], gender="")
        people[name] = person
    befriending = Category.objects.get(slug="befriending")
    need = need_create(
        owner=people["Margaret"],
        category=befriending,
        title="A chat on Tuesday afternoons",
        description="Someone to talk to.",
    )
    moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    helper_check_record(
        actor=moderator,
        helper_id=people["Sam"].pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    offer = offer_create(
        helper=people["Sam"], category=befriending, description="Happy to chat.", radius_m=5000
    )
    moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    return need, people


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_map_shows_approximate_places_with_javascript_and_is_absent_without(
    live_server, new_context, pages, need_and_helper, settings
):
    need, _ = need_and_helper
    base = live_server.url
    # Tiles from Kith's own origin (allowed by the Content-Security-Policy), answered by the
    # test: no internet here, and a map must never depend on it.
    settings.MAP_TILE_URL = base + "/test-tiles/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Test tiles"

    context = new_context()
    tiles = []

    def answer_tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    context.route("**/test-tiles/**", answer_tile)
    page = context.new_page()
    sign_in(page, base, "sam@example.org")
    page.goto(base + "/helping/needs-near-me/")
    page.locator("#needs-map.leaflet-container").wait_for()
    page.locator("#needs-map path.leaflet-interactive").first.wait_for()
    assert page.locator("#needs-map").is_visible()
    assert page.locator("#needs-map path.leaflet-interactive").count() == 1
    assert tiles, "Leaflet asked for no tiles"
    pages.check(page, "needs near me with map")
    assert "A chat on Tuesday afternoons" in page.locator("main ol").inner_text()

    plain = new_context(javascript=False).new_page()
    sign_in(plain, base, "sam@example.org")
    plain.goto(base + "/helping/needs-near-me/")
    assert not plain.locator("#needs-map").is_visible()  # hidden until a script shows it
    assert plain.get_by_role("link", name="A chat on Tuesday afternoons").is_visible()
    pages.check(plain, "needs near me without javascript", javascript=False)
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


@pytest.mark.parametrize("width", [320])
def test_pages_reflow_on_a_small_screen(live_server, new_context, pages, need_and_helper, width):
    need, _ = need_and_helper
    base = live_server.url
    page = new_context(viewport={"width": width, "height": 640}).new_page()
    visits = [
        ("/", "landing page"),
        ("/accounts/signup/", "create an account"),
    ]
    for path, name in visits:
        page.goto(base + path)
        pages.check(page, f"{name} at {width}px")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    sign_in(page, base, "margaret@example.org")
    for path, name in [
        ("/home/", "home page"),
        ("/needs/new/", "need category"),
        (f"/needs/{need.pk}/", "need page"),
        ("/account/", "account"),
    ]:
        page.goto(base + path)
        pages.check(page, f"{name} at {width}px")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    # The service navigation collapses behind a Menu button that opens it.
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not page.get_by_role("link", name="Your account", exact=True).is_visible()
    menu.click()
    assert page.get_by_role("link", name="Your account", exact=True).is_visible()
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
