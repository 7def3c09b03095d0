"""A referrer in a real browser (Chromium), every page checked with axe-core and screenshot:
from the set-up link to a password and an authenticator app, then a referral of a person who
has only a mobile phone, recorded with their consent, and its stage; and signing in again with
a one-time code from their email still asks for the authenticator before any referral page."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core import mail
from django.core.cache import cache

from accounts.models import OfflinePerson, User
from accounts.sessions import SessionStore
from notifications.models import ContactPreference
from partners.models import Referral
from tests.kit import factories as make
from tests.kit import partners as partners_kit
from tests.kit.browser import PASSWORD, sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)


def _submit(page) -> None:
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")


def test_a_referrer_sets_up_refers_a_phone_only_person_and_signs_in_by_code(
    live_server, new_context, pages, home_council
):
    cache.clear()
    make.PostcodeFactory(postcode="LS1 1AA")
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    admin_totp = make.enrol_totp(admin)
    organisation = partners_kit.organisation(council=home_council)
    base = live_server.url

    # The council admin invites the referrer; the set-up link comes by email.
    staff_page = new_context().new_page()
    sign_in(staff_page, base, admin.email, totp=admin_totp)
    staff_page.goto(base + f"/staff/partners/{organisation.pk}/")
    staff_page.get_by_label("Their name", exact=True).fill("Paula Prescriber")
    staff_page.get_by_label("Their work email address").fill("paula@riverside.example")
    staff_page.get_by_role("button", name="Send a set-up link").click()
    staff_page.get_by_text("A set-up link has been sent to paula@riverside.example").wait_for()
    (invitation,) = [m for m in mail.outbox if m.to == ["paula@riverside.example"]]
    link = re.search(r"http\S+/staff/set-up/\S+", invitation.body).group(0)

    # The referrer has no password yet: they sign in with a code sent to their address, as
    # the invitation says, and choose a password.
    page = new_context().new_page()
    page.goto(base + "/accounts/login/code/")
    pages.check(page, "referrer asks for a sign-in code")
    page.get_by_label("Email address").fill("paula@riverside.example")
    page.get_by_role("button", name="Email me a code").click()
    page.get_by_label("Code").wait_for()
    code = CODE.search(mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    pages.check(page, "referrer signed in by code, no authenticator yet")

    page.goto(base + "/accounts/password/set/")
    page.wait_for_load_state("load")
    pages.check(page, "referrer chooses a password")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    _submit(page)
    paula = User.objects.get(email="paula@riverside.example")
    assert paula.has_usable_password()

    # The set-up link, then the authenticator app.
    page.goto(link)
    page.wait_for_load_state("load")
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        _submit(page)
    assert "/2fa/totp/activate/" in page.url
    pages.check(page, "referrer adds an authenticator app")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    secret = SessionStore(session_key=cookie["sessionid"])["mfa.totp.secret"]
    totp = pyotp.TOTP(secret)
    page.locator("input[name=code]").fill(totp.now())
    _submit(page)

    # A referral of a person with only a mobile phone, with their consent.
    page.goto(base + "/refer/new/")
    page.get_by_role("heading", name="Refer someone").wait_for()
    page.get_by_label("Their name", exact=True).fill("Stan Phone")
    page.get_by_label("Home postcode").fill("LS1 1AA")
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number").fill("07700 900 321")
    page.get_by_label("Shopping and errands").check()
    page.get_by_label("In a few words, what do they need?").fill("Shopping on Thursdays")
    page.get_by_label("More about the help they need").fill(
        "Stan has just come home from hospital and cannot carry bags for a few weeks."
    )
    page.get_by_label("The person themselves").check()
    page.get_by_label("In person").check()
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2026")
    pages.check(page, "referral of a phone-only person, filled in")
    page.get_by_role("button", name="Send the referral").click()
    page.get_by_role("heading", name=re.compile(r"Referral number \d+")).wait_for()
    page.get_by_text("Waiting for review").first.wait_for()
    pages.check(page, "phone-only referral recorded, its stage")
    referral = Referral.objects.get()
    person = referral.person
    assert person.email == "" or person.email is None
    offline = OfflinePerson.objects.get(person=person)
    assert offline.preferred_route == OfflinePerson.Route.TEXT
    pref = ContactPreference.objects.get(person=person)
    assert pref.by_sms and not pref.by_email
    page.goto(base + "/refer/")
    page.get_by_text(re.compile("Stan P")).first.wait_for()
    pages.check(page, "your referrals, with the phone-only person")

    # Signing out and in again with a one-time code from email: the authenticator is still
    # asked for before any referral page opens.
    page.goto(base + "/accounts/logout/")
    page.wait_for_load_state("load")
    if page.get_by_role("button", name=re.compile("Sign out")).count():
        page.get_by_role("button", name=re.compile("Sign out")).first.click()
        page.wait_for_load_state("load")
    cache.clear()
    page.goto(base + "/accounts/login/code/")
    page.get_by_label("Email address").fill(paula.email)
    page.get_by_role("button", name="Email me a code").click()
    page.get_by_label("Code").wait_for()
    page.get_by_label("Code").fill(CODE.search(mail.outbox[-1].body).group(1))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    assert "/2fa/authenticate/" in page.url
    pages.check(page, "code accepted, authenticator still asked")
    page.goto(base + "/refer/")
    page.wait_for_load_state("load")
    assert "Stan P" not in page.content()
    # The referral page sent them back to the authenticator: the code from the app lets in.
    assert "/2fa/authenticate/" in page.url
    pages.check(page, "referral pages refused before the authenticator")
    page.locator("input[name=code]").fill(totp.now())
    _submit(page)
    if "/2fa/authenticate/" in page.url:  # typed as its 30-second window closed
        page.wait_for_timeout(1000 * (31 - int(time.time()) % 30))
        page.locator("input[name=code]").fill(totp.now())
        _submit(page)
    page.goto(base + "/refer/")
    page.get_by_role("heading", name="Your referrals").wait_for()
    page.get_by_text(re.compile("Stan P")).first.wait_for()
    pages.check(page, "signed in by code and authenticator")
    cache.clear()
