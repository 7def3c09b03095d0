"""Every page of citizens, helpers and referrers reflows at 320 px wide (400 % zoom on a
1280 px screen; WCAG 2.2 1.4.10): nothing scrolls sideways, in English and in Welsh.

The pages are found by walking the URL patterns of `frontend.urls` (and allauth's pages a
visitor uses), as tests/security/test_url_matrix.py does, so a new page is checked as soon as
it exists: each route is opened by the person it is for, with real objects in its address, or
listed in POST_ONLY with the reason. Every page is checked with axe-core and saved as a
screenshot (test-artifacts/screenshots/test_every_page_reflows_at_320px_*/)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from arrangements.models import Visit
from frontend import urls as frontend_urls
from frontend.views.helping import OFFER_PART_TITLES
from frontend.views.need_changes import CHANGE_FIELDS
from frontend.views.needs import STEPS
from frontend.views.new_offer import OFFER_STEPS
from matching.models import StillHelping
from matching.services.conversation import message_send
from tests.arrangements.conftest import make_arrangement
from tests.kit import factories as make
from tests.kit import partners as partners_kit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 320

#: Routes that answer only POST (a button's action): there is no page to look at.
POST_ONLY = {
    "needs/<int:need_id>/ask/",
    "matches/<int:match_id>/accept/",
    "matches/<int:match_id>/start/",
    "matches/<int:match_id>/done/",
    "arrangements/<int:arrangement_id>/changes/<int:change_id>/",
    "whats-new/read/",
    "whats-new/<int:notification_id>/",  # opens the page the item is about
    "account/blocked/<int:person_id>/unblock/",
    "matches/<int:match_id>/messages/<int:message_id>/report/sent/",
    "account/download/",  # a file, not a page
    "account/tokens/<int:token_id>/revoke/",
}
#: allauth's pages that visitors use (the rest need a pending sign-in or a token).
ALLAUTH_PAGES = ["accounts/login/", "accounts/signup/", "accounts/password/reset/"]
#: Which person opens each route: routes under these prefixes; everything else, the citizen.
VISITOR_ROUTES = {"", "privacy/", "accessibility/", "cookies/", "staying-safe/", "go-online/"}
HELPER_PREFIXES = ("helping/", "offers/")
REFERRER_PREFIXES = ("refer/",)


def _walk(patterns, prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def _paths(route: str, values: dict[str, str | list[str]]) -> list[str]:
    """Every address of `route` with `values` in its parameters (a list gives one address
    per value, e.g. every step of the need questions)."""
    paths = ["/" + route]
    for name in _PARAM.findall(route):
        value = values[name]
        options = value if isinstance(value, list) else [value]
        paths = [p.replace(_PARAM.search(p).group(0), o, 1) for p in paths for o in options]
    return paths


@pytest.fixture
def everyone():
    """A citizen with an open need and an arrangement with a helper (visits planned, a
    message sent), and a referrer with a referral."""
    council = make.council()
    arrangement = make_arrangement(council, category="hot-meals")
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    need = make.need_row(council=council, owner=citizen)
    visit = (
        Visit.objects.filter(arrangement=arrangement, starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    message = message_send(
        user=helper, match_id=arrangement.match_id, body="See you on Monday at noon."
    )
    referrer = partners_kit.referrer(organisation=partners_kit.organisation(council=council))
    referral = partners_kit.referral(referrer=referrer, phone="07700900777")
    values = {
        "need_id": str(need.pk),
        "match_id": str(arrangement.match_id),
        "arrangement_id": str(arrangement.pk),
        "visit_id": str(visit.pk),
        "message_id": str(message.pk),
        "offer_id": str(arrangement.match.offer_id),
        "referral_id": str(referral.pk),
        "step": list(STEPS),
        # The date is a one-off need's (this one is weekly): the same question as the
        # "date" step of a new need, opened above.
        "part": [part for part in CHANGE_FIELDS if part != "date"],
    }
    helper_values = {
        **values,
        "need_id": str(need.pk),
        "step": list(OFFER_STEPS),
        "part": list(OFFER_PART_TITLES),
        # "Do you still want to help?", waiting for the helper's answer.
        "question_id": str(
            StillHelping.objects.create(council=council, helper=helper, asked_at=timezone.now()).pk
        ),
    }
    return {
        "citizen": (citizen, values),
        "helper": (helper, helper_values),
        "referrer": (referrer, values),
        "still_needed": str(arrangement.match.need_id),
    }


def _signed_in(new_context, base: str, user, language: str):
    """A 320 px browser context signed in as `user` (the session of a test client's
    sign-in, with both factors), in `language`."""
    context = new_context(viewport={"width": WIDTH, "height": 640})
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base})
    context.add_cookies(cookies)
    return context.new_page()


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_every_page_reflows_at_320px(live_server, new_context, pages, everyone, language):
    base = live_server.url
    routes = sorted(set(_walk(frontend_urls.urlpatterns)) - POST_ONLY)
    by_person: dict[str, list[str]] = {"visitor": [], "citizen": [], "helper": [], "referrer": []}
    for route in routes:
        if route in VISITOR_ROUTES or route.startswith("go-online/"):
            by_person["visitor"].append(route)
        elif route.startswith(HELPER_PREFIXES):
            by_person["helper"].append(route)
        elif route.startswith(REFERRER_PREFIXES):
            by_person["referrer"].append(route)
        else:
            by_person["citizen"].append(route)
    by_person["visitor"] += ALLAUTH_PAGES

    too_wide, not_pages, seen = [], [], 0
    for person, person_routes in by_person.items():
        user, values = everyone[person] if person != "visitor" else (None, {})
        page = _signed_in(new_context, base, user, language)
        for route in person_routes:
            route_values = dict(values)
            if route == "needs/<int:need_id>/still-needed/":
                route_values["need_id"] = everyone["still_needed"]
            for path in _paths(route, route_values):
                response = page.goto(base + path)
                if response is None or response.status >= 400:
                    not_pages.append((person, path, response and response.status))
                    continue
                seen += 1
                pages.check(page, f"{language} {person} {path}")
                width = page.evaluate("document.documentElement.scrollWidth")
                inner = page.evaluate("window.innerWidth")
                if width > inner:
                    too_wide.append((path, page.url, width))
        page.context.close()

    assert not too_wide, f"pages wider than {WIDTH} px (path, landed on, width): {too_wide}"
    assert not not_pages, f"pages that did not open: {not_pages}"
    assert seen > 60, seen
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_the_tables_stack_and_the_welsh_pages_are_welsh_at_320px(
    live_server, new_context, pages, everyone
):
    """The tables of "Your needs", "Helping", a referrer's referrals and the visits of an
    arrangement become rows of labelled lines at 320 px, and a Welsh page says Welsh words."""
    base = live_server.url
    citizen, values = everyone["citizen"]
    page = _signed_in(new_context, base, citizen, "cy")
    page.goto(base + "/needs/")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator(".govuk-table__head").is_hidden()
    label = page.locator(".kith-table-stack__label").first
    assert label.is_visible() and label.inner_text().strip()
    pages.check(page, "needs table stacked in Welsh")
    wide = _signed_in(new_context, base, citizen, "en-gb")
    wide.set_viewport_size({"width": 1024, "height": 768})
    wide.goto(base + "/needs/")
    assert wide.locator(".govuk-table__head").is_visible()
    assert wide.locator(".kith-table-stack__label").first.is_hidden()
    pages.check(wide, "needs table at 1024px")
    # 200 % zoom on a 1280 px screen: a viewport 640 px wide.
    tables = {
        "citizen": ["/needs/", f"/arrangements/{values['arrangement_id']}/"],
        "helper": ["/helping/"],
        "referrer": ["/refer/"],
    }
    for person, paths in tables.items():
        for language in ("en-gb", "cy"):
            zoomed = _signed_in(new_context, base, everyone[person][0], language)
            zoomed.set_viewport_size({"width": 640, "height": 400})
            for path in paths:
                zoomed.goto(base + path)
                assert zoomed.locator(".kith-table-stack__label").first.is_visible(), path
                width = zoomed.evaluate("document.documentElement.scrollWidth")
                assert width <= 640, (path, language, width)
            zoomed.context.close()
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
