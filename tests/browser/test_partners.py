"""Partner organisations in a real browser (Chromium), every page checked with axe-core: a
council admin registers a GP practice and invites a referrer; the referrer sets up their
authenticator app from the emailed link, records a referral with the person's consent and
sees its stage."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core import mail

from accounts.models import User
from accounts.sessions import SessionStore
from core.models import AuditEvent
from partners.models import PartnerOrganisation, Referral
from tests.kit import factories as make
from tests.kit.browser import PASSWORD, sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_partner_is_registered_and_its_referrer_refers_someone(
    live_server, new_context, pages, home_council
):
    make.PostcodeFactory(postcode="LS1 1AA")
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp, pages=pages)

    page.goto(base + "/staff/partners/")
    page.get_by_role("heading", name="Partner organisations").wait_for()
    pages.check(page, "partner organisations")
    page.get_by_label("Organisation name").fill("Riverside GP practice")
    page.get_by_label("GP practice").check()
    page.get_by_label("Contact's name").fill("Lin Worker")
    page.get_by_label("Contact's email address").fill("lin@riverside.example")
    page.get_by_label("Shopping and errands").check()
    page.get_by_label("Befriending and check-in chats").check()
    page.get_by_role("button", name="Register the organisation").click()
    page.get_by_text("Riverside GP practice is registered as a partner.").wait_for()
    pages.check(page, "partner registered")
    organisation = PartnerOrganisation.objects.get()

    page.get_by_label("Their name", exact=True).fill("Rita Referrer")
    page.get_by_label("Their work email address").fill("rita@riverside.example")
    page.get_by_role("button", name="Send a set-up link").click()
    page.get_by_text("A set-up link has been sent to rita@riverside.example").wait_for()
    pages.check(page, "referrer invited")
    assert AuditEvent.objects.filter(verb="partner.referrer_invited").exists()
    (email,) = [m for m in mail.outbox if m.to == ["rita@riverside.example"]]
    link = re.search(r"http\S+/staff/set-up/\S+", email.body).group(0)

    # The referrer chose a password (the sign-in page offers a code by email too), then
    # opens the link and adds their authenticator app.
    rita = User.objects.get(email="rita@riverside.example")
    rita.set_password(PASSWORD)
    rita.save()
    referrer_page = new_context().new_page()
    sign_in(referrer_page, base, rita.email)
    referrer_page.goto(base + "/refer/")
    referrer_page.wait_for_load_state("load")
    pages.check(referrer_page, "referrer without an authenticator")
    referrer_page.goto(link)
    referrer_page.wait_for_load_state("load")
    if "/reauthenticate/" in referrer_page.url:
        referrer_page.get_by_label("Password").fill(PASSWORD)
        referrer_page.locator("form button[type=submit]").first.click()
        referrer_page.wait_for_load_state("load")
    assert "/2fa/totp/activate/" in referrer_page.url
    cookie = {c["name"]: c["value"] for c in referrer_page.context.cookies()}
    secret = SessionStore(session_key=cookie["sessionid"])["mfa.totp.secret"]
    referrer_page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    referrer_page.locator("form button[type=submit]").first.click()
    referrer_page.wait_for_load_state("load")

    referrer_page.goto(base + "/refer/")
    referrer_page.get_by_role("heading", name="Your referrals").wait_for()
    pages.check(referrer_page, "your referrals, none yet")
    referrer_page.get_by_role("button", name="Refer someone").click()
    referrer_page.get_by_role("heading", name="Refer someone").wait_for()
    pages.check(referrer_page, "refer someone")
    # Without consent the referral is refused, clearly.
    referrer_page.get_by_label("Their name", exact=True).fill("Edna Smith")
    referrer_page.get_by_label("Home postcode").fill("LS1 1AA")
    referrer_page.get_by_label("Letter").check()
    referrer_page.get_by_label("Postal address").fill("12 Mill Lane\nLeeds\nLS1 1AA")
    referrer_page.get_by_label("Befriending and check-in chats").check()
    referrer_page.get_by_label("In a few words, what do they need?").fill("A weekly chat")
    referrer_page.get_by_label("More about the help they need").fill(
        "Edna is 88 and would like someone to talk to on Tuesdays."
    )
    referrer_page.get_by_role("button", name="Send the referral").click()
    referrer_page.get_by_text("There is a problem").wait_for()
    pages.check(referrer_page, "referral without consent")
    assert not Referral.objects.exists()
    referrer_page.get_by_label("The person themselves").check()
    referrer_page.get_by_label("On the phone").check()
    referrer_page.get_by_label("Day").fill("2")
    referrer_page.get_by_label("Month").fill("3")
    referrer_page.get_by_label("Year").fill("2026")
    referrer_page.get_by_role("button", name="Send the referral").click()
    referrer_page.get_by_role("heading", name=re.compile(r"Referral number \d+")).wait_for()
    referrer_page.get_by_text("Waiting for review").first.wait_for()
    pages.check(referrer_page, "referral recorded")
    referral = Referral.objects.get()
    assert referral.organisation == organisation and referral.need.recorded_by == rita

    # The council admin sees it on the partner's page.
    page.goto(base + f"/staff/partners/{organisation.pk}/")
    page.get_by_text("Edna Smith").first.wait_for()
    pages.check(page, "partner with a referral")
