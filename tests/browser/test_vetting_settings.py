"""A council admin sets the vetting settings and adds a check to a kind of help, in Chromium;
the oversight page shows the helper checks evidence."""

from __future__ import annotations

import pytest

from accounts.models import StaffMembership
from tests.kit import factories as make
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_council_admin_sets_vetting(live_server, new_context, pages, home_council):
    admin = make.staff(
        council=home_council, role=StaffMembership.Role.COUNCIL_ADMIN, mfa=False, lives_here=True
    )
    totp = make.enrol_totp(admin)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp)
    page.goto(base + "/staff/settings/")
    page.get_by_role("link", name="Helper checks: warnings before they expire").click()
    page.get_by_role("heading", name="Vetting settings").wait_for()
    pages.check(page, "vetting settings")
    page.get_by_label("Warn before a check expires (days before)").fill("thirty")
    page.get_by_role("button", name="Save vetting settings").click()
    pages.check(page, "vetting settings error")
    page.get_by_label("Warn before a check expires (days before)").fill("30, 7")
    page.get_by_role("button", name="Save vetting settings").click()
    page.get_by_text("Vetting settings saved.").wait_for()
    gardening = page.locator(
        "form", has=page.get_by_role("button", name="Save checks for gardening")
    )
    gardening.get_by_label("Induction").check()
    gardening.get_by_label("Safeguarding training").check()
    gardening.get_by_role("button", name="Save checks for gardening").click()
    page.get_by_text("Your council adds: Induction, Safeguarding training").wait_for()
    pages.check(page, "gardening needs more")
    page.goto(base + "/staff/oversight/")
    page.get_by_role("heading", name="Helper checks and training").wait_for()
    pages.check(page, "oversight with helper checks")
