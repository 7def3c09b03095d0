"""Other help nearby in a real browser (Chromium), every page checked with axe-core and
screenshot: a council admin uploads the council's Open Referral UK directory on the staff
page, and a person whose need no helper can reach sees the services near them on a phone
(320 px, no sideways scrolling), in English and in Welsh."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.services import web_profile_set_role
from tests.directory.oruk_server import FIXTURE
from tests.kit import factories as make
from tests.kit.browser import PASSWORD, sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_council_admin_uploads_the_directory_and_a_person_sees_other_help(
    live_server, new_context, pages, home_council
):
    cache.clear()
    base = live_server.url
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    admin.set_password(PASSWORD)
    admin.save()
    totp = make.enrol_totp(admin)
    staff_page = new_context().new_page()
    sign_in(staff_page, base, admin.email, totp=totp)
    staff_page.goto(base + "/staff/settings/")
    staff_page.get_by_role("link", name="Other help nearby").click()
    pages.check(staff_page, "other help settings before")
    staff_page.get_by_label("Or upload your directory as a file").set_input_files(str(FIXTURE))
    staff_page.get_by_role("button", name="Upload and read").click()
    staff_page.get_by_text("Directory read: 4 services.").wait_for()
    pages.check(staff_page, "other help settings after upload")
    # A private address is refused, with the reason in the error summary.
    staff_page.get_by_label("Address of your directory’s Open Referral UK API").fill(
        "http://192.168.1.10/api/"
    )
    staff_page.get_by_role("button", name="Save address").click()
    staff_page.locator(".govuk-error-summary").get_by_text("must start with https://").wait_for()
    pages.check(staff_page, "other help address refused")

    need = make.need_row(council=home_council, at=make.point_at(0, 0))
    person = need.owner
    person.set_password(PASSWORD)
    person.save()
    web_profile_set_role(user=person, role="need", onboarded=True)
    phone = new_context(viewport={"width": 320, "height": 640}).new_page()
    sign_in(phone, base, person.email)
    phone.goto(base + f"/needs/{need.pk}/")
    phone.get_by_role("heading", name="Other help nearby").wait_for()
    assert phone.get_by_role("link", name="Chapeltown lunch club").count() == 1
    assert phone.get_by_text("Harrogate walking group").count() == 0
    pages.check(phone, "need with other help nearby 320px")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, width
    phone.goto(base + f"/language/cy/?next=/needs/{need.pk}/")
    phone.get_by_role("heading", name="Help arall gerllaw").wait_for()
    pages.check(phone, "need with other help nearby in Welsh 320px")
    # The only answer over 400 is the refused address (400, on purpose).
    unexpected = [r for r in pages.failed_requests if "/other-help/address/" not in r]
    assert not unexpected, unexpected
