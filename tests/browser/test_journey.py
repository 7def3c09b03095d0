"""The whole journey in a real browser: a citizen signs up and asks for help, a moderator
approves it in the staff console (signing in with an authenticator app), a helper signs up
and offers help, the citizen accepts, they exchange messages, the help is marked done and
both leave feedback. Every page is checked with axe-core; the key pages are then used again
with JavaScript switched off."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.utils import timezone

from accounts.models import StaffMembership, User
from core.models import AuditEvent
from marketplace.models import Need, Offer
from marketplace.services import moderation_approve
from matching.models import Feedback, Match, Message
from tests.kit import factories as make
from tests.kit.browser import sign_in
from trust.checks import helper_check_record
from trust.models import HelperCheck

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-pass-phrase-for-kith"


@pytest.fixture
def area():
    council = make.CouncilFactory(
        name="Leafield Council", boundary=make.square(-1.55, 53.80, half_deg=0.2)
    )
    make.PostcodeFactory(postcode="LS1 1AA", location=Point(-1.550, 53.800, srid=4326))
    make.PostcodeFactory(postcode="LS2 2BB", location=Point(-1.535, 53.808, srid=4326))
    moderator = make.UserFactory(council=council)
    StaffMembership.objects.create(
        user=moderator, council=council, role=StaffMembership.Role.MODERATOR
    )
    return council, moderator


def sign_up(page, pages, base: str, email: str, who: str) -> None:
    page.goto(base + "/")
    pages.check(page, f"{who} landing page")
    page.get_by_role("button", name="Start now").click()
    pages.check(page, f"{who} create an account")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Type your password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    pages.check(page, f"{who} check your email")
    sent = [m for m in mail.outbox if email in m.to]
    assert sent, f"no verification email for {email}"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", sent[-1].body).group(1)
    page.goto(base + link)
    pages.check(page, f"{who} confirm email")
    page.get_by_role("button", name="Confirm my email address").click()


def onboard(page, pages, *, role: str, postcode: str, name: str, who: str) -> None:
    page.get_by_role("heading", name="What would you like to do?").wait_for()
    pages.check(page, f"{who} what would you like to do")
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    pages.check(page, f"{who} postcode")
    # An address outside every council is refused with a clear message.
    page.get_by_label("What is your postcode?").fill("SW1A 1AA")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(page, f"{who} postcode error")
    assert page.title().startswith("Error: ")
    page.get_by_label("What is your postcode?").fill(postcode)
    page.get_by_role("button", name="Continue").click()
    pages.check(page, f"{who} about you")
    page.get_by_label("What name should other people see?").fill(name)
    page.get_by_role("button", name="Continue").click()


def add_time(page, row: int, day: str, start: str, end: str) -> None:
    fieldset = page.get_by_role("group", name=f"Time {row}")
    fieldset.get_by_label("Day").select_option(label=day)
    fieldset.get_by_label("From").fill(start)
    fieldset.get_by_label("Until").fill(end)


def test_citizen_and_helper_journey(live_server, new_context, pages, area):
    council, moderator = area
    base = live_server.url

    # --- A citizen signs up and asks for help, one question per page -------------------------
    citizen_page = new_context().new_page()
    p = citizen_page
    sign_up(p, pages, base, "margaret@example.org", "citizen")
    onboard(p, pages, role="I need help", postcode="LS1 1AA", name="Margaret", who="citizen")

    p.get_by_role("heading", name="What kind of help do you need?").wait_for()
    pages.check(p, "need category")
    p.get_by_role("button", name="Continue").click()  # nothing chosen: an error
    pages.check(p, "need category error")
    p.locator(".govuk-error-summary a").first.click()  # the summary links to the field
    assert p.evaluate("document.activeElement.name") == "category"
    p.get_by_label("Befriending and check-in chats").check()
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need details")
    p.get_by_label("Sum up what you need in a few words").fill("A chat on Tuesday afternoons")
    p.get_by_label("Tell helpers a bit more").fill(
        "I live alone and would love someone to talk to over a cup of tea."
    )
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need how often")
    p.get_by_label("Every week").check()
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need weekly times")
    add_time(p, 1, "Tuesday", "14:00", "16:00")
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need how soon")
    p.get_by_label("There is no rush").check()
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need where")
    assert p.get_by_label("What is the postcode where you need help?").input_value() == "LS1 1AA"
    p.get_by_role("button", name="Continue").click()
    pages.check(p, "need preferences")
    p.get_by_role("button", name="Continue").click()
    p.get_by_role("heading", name="Check your answers").wait_for()
    pages.check(p, "need check your answers")
    assert "Tuesday 14:00 to 16:00" in p.content()
    p.get_by_role("button", name="Send request").click()
    p.get_by_role("heading", name="A chat on Tuesday afternoons").wait_for()
    pages.check(p, "need page waiting for review")
    need = Need.objects.get(owner__email="margaret@example.org")
    assert need.status == Need.Status.PENDING_REVIEW
    assert [(s.weekday, f"{s.start:%H:%M}") for s in need.slots.all()] == [(1, "14:00")]

    # --- A moderator approves it in the staff console, signing in with an authenticator ----
    staff_page = new_context().new_page()
    s = staff_page
    sign_in(s, base, moderator.email, totp=make.enrol_totp(moderator), pages=pages)
    s.get_by_role("heading", name="Staff console").wait_for()
    pages.check(s, "staff console home")
    s.get_by_role("link", name="Moderation queue").click()
    s.get_by_role("heading", name="Moderation queue").wait_for()
    pages.check(s, "moderation queue")
    s.get_by_role("link", name="A chat on Tuesday afternoons").click()
    pages.check(s, "need to review")
    s.get_by_role("button", name="Approve").click()
    s.get_by_text("Approved: A chat on Tuesday afternoons.").wait_for()
    pages.check(s, "moderation queue after approval")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert AuditEvent.objects.filter(
        verb="need.approved", actor_id=moderator.pk, target_id=need.pk
    ).exists()

    # --- A helper signs up and offers to help -----------------------------------------------
    helper_page = new_context().new_page()
    h = helper_page
    sign_up(h, pages, base, "sam@example.org", "helper")
    onboard(h, pages, role="I can help", postcode="LS2 2BB", name="Sam", who="helper")
    # One question per page, then check your answers (tests/browser/test_offer_flow.py
    # goes through every page's errors and Change links).
    h.get_by_role("heading", name="What kind of help can you offer?").wait_for()
    pages.check(h, "offer category")
    h.get_by_label("Befriending and check-in chats").check()
    h.get_by_role("button", name="Continue").click()
    pages.check(h, "offer about")
    h.get_by_label("Tell people about the help you can give").fill(
        "Retired teacher, happy to chat and listen."
    )
    h.get_by_role("button", name="Continue").click()
    pages.check(h, "offer where from")
    assert h.get_by_label("Where will you help from?").input_value() == "LS2 2BB"
    h.get_by_role("button", name="Continue").click()
    pages.check(h, "offer how far")
    h.get_by_label("Up to 5 km").check()
    h.get_by_role("button", name="Continue").click()
    h.get_by_role("heading", name="When are you free each week?").wait_for()
    pages.check(h, "offer weekly times")
    add_time(h, 1, "Tuesday", "13:00", "17:00")
    h.get_by_role("button", name="Add another time").click()  # works without JavaScript too
    add_time(h, 4, "Thursday", "10:00", "12:00")
    h.get_by_role("button", name="Continue").click()
    pages.check(h, "offer how many people")
    h.get_by_role("button", name="Continue").click()
    pages.check(h, "offer languages")
    h.get_by_role("button", name="Continue").click()
    h.get_by_role("heading", name="Check your answers").wait_for()
    pages.check(h, "offer check your answers")
    assert not Offer.objects.filter(helper__email="sam@example.org").exists()
    h.get_by_role("button", name="Send offer").click()
    h.get_by_role("heading", name="Offer sent").wait_for()
    pages.check(h, "offer sent")
    h.get_by_role("link", name="See your offer").click()
    pages.check(h, "offer page waiting for review")
    helper = User.objects.get(email="sam@example.org")
    offer = Offer.objects.get(helper=helper)
    assert sorted((s.weekday, f"{s.start:%H:%M}") for s in offer.slots.all()) == [
        (1, "13:00"),
        (3, "10:00"),
    ]
    # Befriending needs an ID check: staff record it, then approve the offer.
    helper_check_record(
        actor=moderator,
        helper_id=helper.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)

    h.goto(base + "/helping/needs-near-me/")
    pages.check(h, "needs near me")
    item = h.get_by_role("listitem").filter(has_text="A chat on Tuesday afternoons")
    assert "about 1 to 2 km away" in item.inner_text().lower()
    assert "Tuesday" in item.inner_text()  # the plain-English reason names the shared time
    item.get_by_role("link", name="A chat on Tuesday afternoons").click()
    pages.check(h, "need seen by helper")
    assert "LS1 1AA" not in h.content()  # the helper never sees the citizen's postcode
    h.get_by_role("button", name="Offer to help").click()
    h.get_by_role("heading", name="A chat on Tuesday afternoons").wait_for()
    pages.check(h, "match waiting for citizen")
    match = Match.objects.get(need=need, offer=offer)
    assert match.status == Match.Status.PROPOSED

    # --- The citizen accepts and they exchange messages -------------------------------------
    p.goto(base + "/home/")
    pages.check(p, "citizen home page")
    p.get_by_role("link", name=re.compile("Sam has offered to help")).click()
    pages.check(p, "match offered to citizen")
    p.get_by_role("button", name="Yes, accept").click()
    p.get_by_role("heading", name="Messages").wait_for()
    pages.check(p, "match accepted")
    p.get_by_label("Your message").fill("Hello Sam, Tuesday at 2 would be lovely.")
    p.get_by_role("button", name="Send message").click()
    pages.check(p, "message sent")

    h.reload()
    assert "Tuesday at 2 would be lovely" in h.content()
    pages.check(h, "helper sees the message")
    h.get_by_label("Your message").fill("See you then, Margaret!")
    h.get_by_role("button", name="Send message").click()
    assert Message.objects.filter(match=match).count() == 2

    # --- The help is done and both leave feedback -------------------------------------------
    # A weekly chat is ongoing help: the helper ends the arrangement, saying the help is done.
    h.get_by_role("button", name="End this arrangement").click()
    pages.check(h, "is the help done")
    h.get_by_label("The help is done", exact=True).check()
    h.get_by_role("button", name="End the arrangement").click()
    h.get_by_role("link", name="Tell us how it went").first.click()
    h.get_by_role("heading", name="How did it go?").wait_for()
    pages.check(h, "helper feedback")
    h.get_by_label("Very well", exact=True).check()
    h.get_by_role("button", name="Send feedback").click()
    pages.check(h, "helper feedback sent")

    p.reload()
    p.get_by_role("link", name="Tell us how it went").click()
    pages.check(p, "citizen feedback")
    p.get_by_label("Well", exact=True).check()
    p.get_by_label("Anything else you would like to say? (optional)").fill("Sam was kind.")
    p.get_by_role("button", name="Send feedback").click()
    pages.check(p, "citizen feedback sent")

    match.refresh_from_db()
    assert match.status == Match.Status.COMPLETED
    assert sorted(Feedback.objects.filter(match=match).values_list("rating", flat=True)) == [4, 5]
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED

    # --- The same key pages without JavaScript ----------------------------------------------
    plain = new_context(javascript=False).new_page()
    plain.goto(base + "/")
    pages.check(plain, "no js landing page", javascript=False)
    plain.goto(base + "/accounts/login/")
    pages.check(plain, "no js sign in", javascript=False)
    plain.get_by_label("Email address").fill("margaret@example.org")
    plain.get_by_label("Password").fill(PASSWORD)
    plain.get_by_role("button", name="Sign in").click()
    plain.get_by_role("heading", name="Hello, Margaret").wait_for()
    pages.check(plain, "no js home page", javascript=False)
    plain.get_by_role("link", name="Your needs").first.click()
    pages.check(plain, "no js my needs", javascript=False)
    plain.get_by_role("link", name="A chat on Tuesday afternoons").click()
    pages.check(plain, "no js need page", javascript=False)
    plain.get_by_role("link", name="Sam").click()
    pages.check(plain, "no js match page", javascript=False)
    plain.get_by_label("Your message").fill("Thank you again, Sam.")
    plain.get_by_role("button", name="Send message").click()
    plain.get_by_text("Your message has been sent.").wait_for()
    pages.check(plain, "no js message sent", javascript=False)
    assert Message.objects.filter(match=match).count() == 3

    plain_helper = new_context(javascript=False).new_page()
    plain_helper.goto(base + "/accounts/login/")
    plain_helper.get_by_label("Email address").fill("sam@example.org")
    plain_helper.get_by_label("Password").fill(PASSWORD)
    plain_helper.get_by_role("button", name="Sign in").click()
    plain_helper.goto(base + f"/offers/{offer.pk}/times/")
    pages.check(plain_helper, "no js weekly times", javascript=False)
    plain_helper.get_by_role("button", name="Add another time").click()
    assert plain_helper.get_by_role("group", name="Time 4").count() == 1
    plain_helper.goto(base + "/helping/needs-near-me/")
    pages.check(plain_helper, "no js needs near me", javascript=False)

    assert len(pages.checked) >= 40
    # Nothing the pages asked for was missing (no GOV.UK font files, no broken assets).
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
