"""In a browser: a member of staff adds a person who is not online, is shown that Kith may
already have them (same phone number) and confirms it is a different person; later the person
goes online with a code sent by text, choosing an email address and a password."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from notifications.models import Notification
from notifications.offline_people import claim_code_send, person_create_offline
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
NEW_PASSWORD = "a long and unusual passphrase 42"  # noqa: S105


def test_staff_add_a_phone_only_person_after_a_duplicate_warning(
    live_server, new_context, pages, home_council
):
    make.PostcodeFactory(postcode="LS1 1AA")
    lead = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    existing = make.person(council=home_council, display_name="Edna Smith", phone="07700900123")
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, lead.email, totp=make.enrol_totp(lead))

    page.goto(base + "/staff/assisted/")
    page.get_by_role("link", name="Add a person who is not online").click()
    page.get_by_role("heading", name="Add a person who is not online").wait_for()
    pages.check(page, "add a person who is not online")
    page.get_by_label("Their name").fill("Edna Jones")
    page.get_by_label("Home postcode").fill("LS1 1AA")
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number").fill("+44 7700 900123")
    page.get_by_label("Said yes on the phone").check()
    page.get_by_role("button", name="Add this person").click()
    page.locator("#possible-duplicates").wait_for()
    pages.check(page, "possible duplicate shown")
    table = page.locator("#possible-duplicates").inner_text()
    assert "Edna Smith" in table and "ending 123" in table and "Same phone number" in table
    assert "07700900123" not in page.content()
    assert User.objects.filter(email__isnull=True).count() == 0

    page.get_by_label("I have checked: this is a different person").check()
    page.get_by_role("button", name="Add this person").click()
    page.get_by_role("heading", name="How Kith contacts Edna Jones").wait_for()
    pages.check(page, "new person: confirm their mobile")
    person = User.objects.get(display_name="Edna Jones")
    assert person.email is None and person.pk != existing.pk


def test_a_person_goes_online_with_a_code_sent_by_text(
    live_server, new_context, pages, home_council, safeguarding_lead
):
    make.PostcodeFactory(postcode="LS1 1AA")
    person = person_create_offline(
        actor=safeguarding_lead,
        council=home_council,
        display_name="Edna Phoneonly",
        postcode="LS1 1AA",
        preferred_route="text",
        consent_how="phone",
        phone="07700 900123",
    )
    claim_code_send(actor=safeguarding_lead, person=person, channel="text")
    body = Notification.objects.get(person=person, template="claim_code").body
    code = re.search(r"is (\d{6})", body).group(1)
    base = live_server.url
    page = new_context().new_page()

    page.goto(base + "/go-online/")
    page.get_by_role("heading", name="Go online with your code").wait_for()
    pages.check(page, "go online: enter the code")
    page.get_by_label("Your mobile number").fill("07700 900123")
    page.get_by_label("Your code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("That code is not right").first.wait_for()
    pages.check(page, "go online: wrong code")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Set up your online account").wait_for()
    pages.check(page, "go online: email and password")
    page.get_by_label("Your email address").fill("edna@example.com")
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set up my account").click()
    page.get_by_text("Your online account is ready").wait_for()
    pages.check(page, "go online: done, confirm the email")
    person.refresh_from_db()
    assert person.email == "edna@example.com" and person.check_password(NEW_PASSWORD)
