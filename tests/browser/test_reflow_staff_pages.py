"""Every page of the staff console reflows at 320 px wide (400 % zoom on a 1280 px screen;
WCAG 2.2 1.4.10): nothing scrolls sideways, in English and in Welsh.

The pages are found by walking the URL patterns of `staff_console.urls`, as
tests/browser/test_reflow_every_page.py walks `frontend.urls`: each route is opened by a member
of staff whose role may open it, with real objects in its address (the records of
tests/staff_console/test_access.py), or listed in NOT_PAGES with the reason. Every page is
checked with axe-core and saved as a screenshot
(test-artifacts/screenshots/test_every_staff_page_reflows_at_320px_*/); the walk is made
again at 640 px, 200 % zoom on a 1280 px screen."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from accounts.permissions import ROLE_CAPABILITIES
from staff_console import urls as staff_urls
from tests.kit.browser import run_axe
from tests.staff_console import test_access

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTH = 320

#: The records every staff page is opened with (a need, an offer, a report, a concern, a round,
#: a welfare check, a partner, ...), as tests/staff_console/test_access.py makes them.
records = test_access.records

#: Routes with no page to look at: a button's action (POST only) or a file.
NOT_PAGES = {
    "moderation_approve",
    "moderation_reject",
    "check_revoke",
    "check_status",
    "hold_release",
    "round_apply",
    "round_discard",
    "concern_assign",
    "concern_note",
    "concern_close",
    "person_claim_code",
    "assisted_ask",
    "assisted_accept",
    "assisted_complete",
    "assisted_cancel",
    "assisted_decline",
    "person_suspend",
    "person_reinstate",
    "impact_units",
    "ongoing_settings",
    "directory_address",
    "directory_file",
    "directory_read_now",
    "category_requirements",
    "category_switch",
    "team_setup_link",
    "partner_invite",
    "partner_suspend",
    "partner_reinstate",
    "partner_referrer_deactivate",
    "partner_referrer_reactivate",
    "vetting_csv",  # files, not pages
    "impact_csv",
    "audit_csv",
}


def _walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p.name


def _staff_pages(objects) -> list[tuple[str, str]]:
    """(capability, address) of every page of the staff console; a route with several objects
    (the moderation item of a need and of an offer) gives one address each."""
    gets: dict[str, list[tuple[str, str]]] = {}
    for name, key, method, capability, status in test_access.URLS:
        if method == "get" and status == 200:
            gets.setdefault(name.removeprefix("staff:"), []).append(
                (capability, test_access._url(name, key, objects))
            )
    names = list(_walk(staff_urls.urlpatterns))
    unknown = [n for n in names if n not in gets and n not in NOT_PAGES]
    assert not unknown, f"staff routes neither opened nor listed in NOT_PAGES: {unknown}"
    return [page for name in names if name not in NOT_PAGES for page in gets[name]]


#: The elements whose words or boxes reach past the window's right edge, to say what is too wide.
WIDEST = """() => {
  const edge = window.innerWidth + 1;
  const found = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const e = node.parentElement;
    if (range.getBoundingClientRect().right > edge && !e.closest(".govuk-visually-hidden")) {
      found.add(e);
    }
  }
  for (const e of document.body.querySelectorAll("*")) {
    if (e.getBoundingClientRect().right > edge && !e.children.length) found.add(e);
  }
  return [...found].slice(0, 4).map(
    e => e.tagName.toLowerCase() + [...e.classList].map(c => "." + c).join("")
  );
}"""

#: A place name, the longest word a page is likely to show: it wraps rather than widen the page.
LONG = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"


def _long_words(objects) -> None:
    """The citizen of the records named, reached and asked for help in long words."""
    person = objects["person"]
    type(person).objects.filter(pk=person.pk).update(
        display_name=LONG, email=f"margaret.{LONG.lower()}@example.org"
    )
    need = objects["need"]
    type(need).objects.filter(pk=need.pk).update(title=f"Lifts to {LONG}")
    concern = objects["concern"]
    type(concern).objects.filter(pk=concern.pk).update(summary=f"Not seen in {LONG}")


def _only_conditional_reveal_radios(page, problem: str) -> bool:
    """Whether axe's only serious or critical finding is GOV.UK Frontend's known deviation:
    its script puts `aria-expanded` on radios that reveal a follow-up question (the assisted
    need's "How often"), which ARIA does not list for radios. The Design System keeps it on
    purpose because screen readers announce it (alphagov/govuk-frontend#979, #1280)."""
    if not problem.startswith("axe found problems"):
        return False
    bad = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
    return bool(bad) and all(
        v["id"] == "aria-allowed-attr"
        and page.evaluate(
            """targets => targets.every(t => {
                const e = document.querySelector(t);
                return e && e.matches("input.govuk-radios__input[aria-controls][aria-expanded]");
            })""",
            v["nodes"],
        )
        for v in bad
    )


def _signed_in(new_context, base: str, user, language: str, width: int = WIDTH):
    """A browser context `width` px wide signed in as `user` with both factors (the session
    of a test client's sign-in), in `language`."""
    context = new_context(viewport={"width": width, "height": 640})
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base},
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base},
        ]
    )
    return context.new_page()


@pytest.mark.parametrize(("language", "width"), [("en-gb", WIDTH), ("cy", WIDTH), ("cy", 640)])
def test_every_staff_page_reflows_at_320px(
    live_server,
    new_context,
    pages,
    records,
    council_admin,
    safeguarding_lead,
    moderator,
    language,
    width,
):
    """At 320 px in English and in Welsh, and at 640 px (200 % zoom on a 1280 px screen) in
    Welsh, whose words are the longer."""
    base = live_server.url
    _long_words(records)
    staff = [council_admin, safeguarding_lead, moderator]
    browsers: dict[int, object] = {}
    too_wide, not_pages, not_accessible, seen = [], [], [], 0
    for capability, path in _staff_pages(records):
        user = next(s for s in staff if capability in ROLE_CAPABILITIES[s.staff_membership.role])
        if user.pk not in browsers:
            browsers[user.pk] = _signed_in(new_context, base, user, language, width)
        page = browsers[user.pk]
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            not_pages.append((path, response and response.status))
            continue
        seen += 1
        lang = page.locator("html").get_attribute("lang")
        assert lang.lower() == language, (path, lang)
        try:
            pages.check(page, f"{language} {width}px {path}")
        except AssertionError as problem:  # every page's problems, not only the first's
            if not _only_conditional_reveal_radios(page, str(problem)):
                not_accessible.append(str(problem))
        scroll = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        if scroll > inner:
            too_wide.append((path, f"{scroll} px: {', '.join(page.evaluate(WIDEST))}"))

    problems = [
        *(f"wider than {width} px: {path} ({why})" for path, why in too_wide),
        *(f"did not open: {path} ({status})" for path, status in not_pages),
        *not_accessible,
    ]
    assert not problems, "\n".join(problems)
    assert seen > 30, seen
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_staff_tables_stack_at_320px_and_at_200_percent_zoom(
    live_server, new_context, pages, records, council_admin
):
    """The audit log's table becomes rows of labelled lines at 320 px and at 640 px (200 %
    zoom on a 1280 px screen), and shows its own headers on a wide screen."""
    base = live_server.url
    for language, width in (("cy", WIDTH), ("en-gb", 640)):
        page = _signed_in(new_context, base, council_admin, language, width)
        page.goto(base + reverse("staff:audit"))
        assert page.locator(".govuk-table__head").first.is_hidden()
        label = page.locator(".kith-table-stack__label").first
        assert label.is_visible() and label.inner_text().strip()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        pages.check(page, f"audit log stacked {language} {width}px")
    wide = _signed_in(new_context, base, council_admin, "en-gb", 1024)
    wide.goto(base + reverse("staff:audit"))
    assert wide.locator(".govuk-table__head").first.is_visible()
    assert wide.locator(".kith-table-stack__label").first.is_hidden()
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
