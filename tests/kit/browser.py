"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server. Every page visited is checked with axe-core (from node_modules) and saved as a
screenshot in test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import StaffMembership
from marketplace.models import Category
from marketplace.services import moderation_approve, need_create, offer_create
from tests.kit import factories as make
from trust.checks import helper_check_record
from trust.models import HelperCheck

# Playwright's sync API runs an event loop in this thread; Django refuses database access
# from a thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


# One Playwright driver and one Chromium for the whole run. A conftest importing the fixtures
# below makes its own session-scoped `chromium`; a second sync_playwright() in the same thread
# is refused, so every such fixture shares this one.
_SHARED: dict = {"users": 0}


def _shared_chromium():
    from playwright.sync_api import sync_playwright

    if "browser" not in _SHARED:
        if not Path(CHROMIUM).exists():
            pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/kith.sh browser`.")
        if not AXE.exists():
            pytest.fail("node_modules/axe-core is missing: run `bash scripts/kith.sh node`.")
        driver = sync_playwright().start()
        _SHARED["driver"] = driver
        _SHARED["browser"] = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    _SHARED["users"] += 1
    return _SHARED["browser"]


def _release_chromium() -> None:
    _SHARED["users"] -= 1
    if _SHARED["users"] == 0 and "browser" in _SHARED:
        _SHARED.pop("browser").close()
        _SHARED.pop("driver").stop()


@pytest.fixture(scope="session")
def chromium():
    browser = _shared_chromium()
    yield browser
    _release_chromium()


class Pages:
    """Screenshots and accessibility checks for every page a test visits."""

    def __init__(self, test_name: str):
        self.dir = SCREENSHOTS / test_name
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.glob("*.png"):
            old.unlink()
        self.count = 0
        self.checked: list[str] = []
        self.failed_requests: list[str] = []

    def watch(self, context) -> None:
        """Record every answer of 400 or more, every request that failed outright, and every
        error in the browser console."""
        context.on(
            "response",
            lambda r: (
                self.failed_requests.append(
                    f"{r.status} {r.request.method} {r.url} (on {r.frame.url})"
                )
                if r.status >= 400
                else None
            ),
        )
        # Console errors include Content-Security-Policy refusals (an inline script or style
        # attribute slipping into a template) and uncaught JavaScript errors.
        context.on(
            "console",
            lambda m: (
                self.failed_requests.append(f"console {m.type}: {m.text} (on {m.page.url})")
                if m.type == "error" and "Failed to load resource" not in m.text
                else None
            ),
        )
        context.on(
            "weberror",
            lambda e: self.failed_requests.append(f"uncaught error: {e.error}"),
        )
        context.on(
            "requestfailed",
            lambda r: self.failed_requests.append(
                f"failed {r.method} {r.url}: {r.failure} (on {r.frame.url})"
            ),
        )

    def check(self, page, name: str, *, javascript: bool = True) -> list[dict]:
        """Screenshot the page and assert axe finds no serious or critical violation."""
        page.wait_for_load_state("load")
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(self.dir / f"{self.count:02d}-{slug}.png"), full_page=True)
        # Every page: a title naming it (prefixed "Error:" exactly when it shows an error
        # summary), one h1, and the main landmark the skip link points to.
        title = page.title()
        assert title.endswith(" – Kith") and len(title) > len(" – Kith"), title
        has_summary = page.locator(".govuk-error-summary").count() > 0
        assert title.startswith("Error: ") == has_summary, (name, title)
        assert page.locator("h1").count() == 1, f"{name}: expected one h1"
        assert page.locator("main#main-content").count() == 1
        violations = run_axe(page) if javascript else run_axe_on_static_copy(page)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe found problems on {name} ({page.url}):\n" + json.dumps(bad, indent=2)
        self.checked.append(name)
        return violations


def run_axe(page) -> list[dict]:
    return page.evaluate(
        """async (tags) => {
            const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))
            }));
        }""",
        AXE_TAGS,
    )


def run_axe_on_static_copy(page) -> list[dict]:
    """A context with JavaScript switched off cannot run axe itself: check the HTML it was
    served (same stylesheets, no scripts) in a scratch page of a JavaScript-enabled context."""
    html = page.content()
    url = page.url
    browser = page.context.browser
    scratch = browser.new_context()
    scratch.add_init_script(path=str(AXE))
    try:
        checker = scratch.new_page()
        # Same origin, so the stylesheets load; scripts are stripped to match what the
        # JavaScript-less visitor saw.
        checker.route(
            url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                body=re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S),
            ),
        )
        checker.goto(url)
        checker.wait_for_load_state("load")
        return run_axe(checker)
    finally:
        scratch.close()


@pytest.fixture
def pages(request):
    return Pages(re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name))


@pytest.fixture
def new_context(chromium, pages):
    """Browser contexts (one per person) with axe-core injected into every document."""
    contexts = []

    def make(*, javascript: bool = True, viewport: dict | None = None):
        context = chromium.new_context(
            java_script_enabled=javascript, viewport=viewport or {"width": 1024, "height": 768}
        )
        context.set_default_timeout(15_000)
        if javascript:
            # An init script is added by the DevTools protocol, so Kith's
            # Content-Security-Policy (no inline scripts) does not block it.
            context.add_init_script(path=str(AXE))
        pages.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _transactional(transactional_db):
    """The live server reads the database from another thread: every browser test needs real
    transactions. (tests/conftest.py puts back the rows migrations create.)"""


# --- People and listings set up through Kith's own services ----------------------------------
PASSWORD = "correct-horse-battery"


@pytest.fixture
def need_and_helper():
    """An open need (Margaret, LS1 1AA) and an open offer that fits it (Sam, LS2 2BB)."""
    council = make.CouncilFactory(
        name="Leafield Council", boundary=make.square(-1.55, 53.80, half_deg=0.2)
    )
    make.PostcodeFactory(postcode="LS1 1AA", location=Point(-1.550, 53.800, srid=4326))
    make.PostcodeFactory(postcode="LS2 2BB", location=Point(-1.535, 53.808, srid=4326))
    moderator = make.UserFactory(council=council)
    StaffMembership.objects.create(
        user=moderator, council=council, role=StaffMembership.Role.MODERATOR
    )
    people = {
        name: make.resident(postcode=postcode, name=name, email=f"{name.lower()}@example.org")
        for name, postcode in (("Margaret", "LS1 1AA"), ("Sam", "LS2 2BB"))
    }
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


def sign_in(page, base: str, email: str, *, totp=None, pages=None) -> None:
    """Sign in on the sign-in page; with `totp` (a pyotp.TOTP), also enter its code on the
    authenticator page that follows (checked with axe-core first when `pages` is given)."""
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    if totp is not None:
        page.locator("input[name=code]").wait_for()
        if pages is not None:
            pages.check(page, "enter authenticator code")
        page.locator("input[name=code]").fill(totp.now())
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state("load")
        if "/2fa/authenticate/" in page.url and page.locator("input[name=code]").count():
            # The code was typed as its 30-second window closed and the server read it in the
            # next one: enter the next code, as a person would.
            page.wait_for_timeout(1000 * (31 - int(time.time()) % 30))
            page.locator("input[name=code]").fill(totp.now())
            page.locator("form button[type=submit]").first.click()
            page.wait_for_load_state("load")
