"""The map on "needs near you" is an extra: with JavaScript and a tile server it shows
approximate places; without either, the page is the list alone. And pages reflow on a small
phone screen without sideways scrolling (WCAG 2.2 1.4.10)."""

from __future__ import annotations

import base64

import pytest

from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A 1×1 PNG: enough for Leaflet to draw a tile.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


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
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    # Leaflet's own controls are said in the language of the page.
    context.add_cookies([{"name": "kith_language", "value": "cy", "url": base}])
    page.goto(base + "/helping/needs-near-me/")
    page.locator("#needs-map path.leaflet-interactive").first.wait_for()
    zoom_in, zoom_out = (
        page.locator(".leaflet-control-zoom-in"),
        page.locator(".leaflet-control-zoom-out"),
    )
    assert zoom_in.get_attribute("title") == "Chwyddo i mewn"
    assert zoom_out.get_attribute("aria-label") == "Chwyddo allan"
    page.locator("#needs-map path.leaflet-interactive").first.click()
    assert page.locator(".leaflet-popup-close-button").get_attribute("aria-label") == "Cau"

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
