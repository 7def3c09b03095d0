"""The staff console in a real browser (Chromium), every page checked with axe-core:
a moderator sets up an authenticator app from a set-up link (code computed here with pyotp)
and approves a need;
a moderator records a DBS check; a safeguarding lead raises a concern, suspends the person and
closes the concern; a council admin runs a matching round, reviews it beside greedy matching
and sends it; a safeguarding lead asks a helper and messages them for someone not online, and
sees the waves of alerts for an urgent need they recorded."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.utils import timezone

from accounts.second_factor import invitation_send
from accounts.sessions import SessionStore
from core.models import AuditEvent
from marketplace import services as marketplace_services
from marketplace.models import Need, Offer
from matching.models import Match, Round
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role
from trust.models import HelperCheck, SafeguardingConcern

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "correct-horse-battery"


def test_moderator_enrols_an_authenticator_then_approves_a_need(
    live_server, new_context, pages, home_council, citizen
):
    need = make.need(owner=citizen, title="A hot meal on Sundays")
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, moderator.email)

    page.goto(base + "/staff/")
    page.wait_for_load_state("load")
    # Without a set-up link, staff are told to ask their council admin for one.
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    pages.check(page, "set-up link needed")
    link = invitation_send(actor=None, member=moderator, base_url=base)
    page.goto(link)
    page.wait_for_load_state("load")
    if "/reauthenticate/" in page.url:
        pages.check(page, "confirm password")
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state("load")
    assert "/2fa/totp/activate/" in page.url
    pages.check(page, "set up an authenticator app")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    session = SessionStore(session_key=cookie["sessionid"])
    secret = session["mfa.totp.secret"]
    page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("load")

    page.goto(base + "/staff/")
    page.get_by_role("heading", name="Staff console").wait_for()
    pages.check(page, "staff console home")
    page.get_by_role("link", name="Moderation queue").click()
    page.get_by_role("heading", name="Moderation queue").wait_for()
    pages.check(page, "moderation queue")
    page.get_by_role("link", name="A hot meal on Sundays").click()
    pages.check(page, "need to review")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: A hot meal on Sundays.").wait_for()
    pages.check(page, "moderation queue after approval")
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert AuditEvent.objects.filter(verb="need.approved", actor_id=moderator.pk).exists()


def test_moderator_records_a_dbs_check(live_server, new_context, pages, home_council, helper):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    totp = make.enrol_totp(moderator)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, moderator.email, totp=totp, pages=pages)
    page.goto(base + "/staff/checks/")
    page.get_by_role("heading", name="Helper checks").wait_for()
    pages.check(page, "helper checks")
    page.get_by_label("Helper's email address").fill(helper.email)
    page.get_by_label("Enhanced DBS with adults' barred list").check()
    page.get_by_label("Issue date").fill("2026-01-05")
    page.get_by_label("Expiry or renewal date").fill("2029-01-05")
    page.get_by_label("Last 4 characters of the DBS certificate number").fill("001234567890")
    page.get_by_role("button", name="Record check").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(page, "helper checks error")
    assert page.title().startswith("Error: ")
    assert not HelperCheck.objects.exists()
    page.get_by_label("Last 4 characters of the DBS certificate number").fill("7890")
    page.get_by_role("button", name="Record check").click()
    page.get_by_text("recorded for").wait_for()
    pages.check(page, "helper checks after recording")
    check = HelperCheck.objects.get()
    assert check.certificate_last4 == "7890" and check.user_id == helper.pk


def test_safeguarding_lead_raises_a_concern_suspends_and_closes_it(
    live_server, new_context, pages, home_council, helper, citizen
):
    offer = make.offer(helper=helper)
    lead = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    totp = make.enrol_totp(lead)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, lead.email, totp=totp, pages=pages)

    page.goto(base + "/staff/people/")
    pages.check(page, "people search")
    page.get_by_label("Name, email address or phone number").fill("Harry")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Harry Helper").click()
    page.get_by_role("heading", name="Harry Helper").wait_for()
    pages.check(page, "person record")
    page.get_by_role("link", name="Raise a safeguarding concern about this person").click()
    pages.check(page, "raise a concern")
    page.get_by_label("Summary").fill("Asked a citizen for bank details")
    page.get_by_label("Urgent").check()
    page.get_by_label("What happened (optional)").fill("Reported by phone on Monday.")
    page.get_by_role("button", name="Raise concern").click()
    page.get_by_role("heading", name="Asked a citizen for bank details").wait_for()
    pages.check(page, "concern")

    page.get_by_label("Reason for suspending").fill("Asked for bank details")
    page.get_by_role("button", name="Suspend now").click()
    page.get_by_text("is suspended").wait_for()
    pages.check(page, "concern after suspension")
    page.get_by_label("Person suspended").check()
    page.get_by_label("What was done").fill("Suspended; referred to adult social care.")
    page.get_by_role("button", name="Close concern").click()
    page.get_by_text("Concern closed.").wait_for()
    pages.check(page, "closed concern")
    page.goto(base + "/staff/concerns/")
    pages.check(page, "concerns queue")

    concern = SafeguardingConcern.objects.get()
    helper.refresh_from_db()
    offer.refresh_from_db()
    assert concern.status == "closed" and concern.outcome == "person_suspended"
    assert helper.is_suspended and offer.status == Offer.Status.CLOSED


def test_council_admin_pages_pass_axe(
    live_server, new_context, pages, home_council, citizen, helper, moderator
):
    from marketplace import services as marketplace_services

    for _ in range(6):
        need = make.need(owner=citizen)
        marketplace_services.moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp, pages=pages)
    for path, heading in [
        ("/staff/oversight/", "Oversight"),
        ("/staff/settings/", "Settings for Home Borough Council"),
        ("/staff/audit/", "Audit log"),
        ("/staff/moderation/", "Moderation queue"),
    ]:
        page.goto(base + path)
        page.get_by_role("heading", name=heading).wait_for()
        pages.check(page, heading)
    page.goto(base + "/staff/oversight/")
    assert page.locator("svg[role=img] polygon title", has_text="6 needs").count() == 1

    # The team: a new colleague without an authenticator app gets a set-up link.
    newcomer = make.staff(council=home_council, mfa=False, lives_here=True, display_name="Nell New")
    page.goto(base + "/staff/team/")
    page.get_by_role("heading", name="Staff of Home Borough Council").wait_for()
    pages.check(page, "team")
    page.get_by_role("button", name=f"Send a set-up link to {newcomer.email}").click()
    page.get_by_text(f"A set-up link has been sent to {newcomer.email}").wait_for()
    pages.check(page, "team after sending a link")
    assert AuditEvent.objects.filter(verb="staff.setup_link_sent", target_id=newcomer.pk).exists()


def test_council_admin_runs_a_round_reviews_it_and_sends_it(
    live_server, new_context, pages, home_council, moderator, citizen, helper
):

    neighbour = make.person(council=home_council, display_name="Nora Neighbour")
    needs = [
        make.need(owner=citizen, title="Walk Biscuit on Mondays"),
        make.need(owner=neighbour, title="Walk Rolo on Mondays"),
    ]
    offers = [
        make.offer(helper=helper),
        make.offer(
            helper=make.person(council=home_council, display_name="Hannah Helper"),
            title="Morning dog walks",
        ),
    ]
    for kind, listing in [*(("need", n) for n in needs), *(("offer", o) for o in offers)]:
        marketplace_services.moderation_approve(actor=moderator, kind=kind, listing_id=listing.pk)
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp, pages=pages)

    page.goto(base + "/staff/")
    page.get_by_role("link", name="Rounds").first.click()
    page.get_by_role("heading", name="Matching rounds").wait_for()
    pages.check(page, "matching rounds")
    page.get_by_role("button", name="Run a round now").click()
    page.get_by_text("Review the proposals below before sending.").wait_for()
    rnd = Round.objects.get()
    assert page.url.endswith(f"/staff/rounds/{rnd.pk}/")
    pages.check(page, "round to review")
    comparison = page.get_by_role("table", name="This round beside matching one need at a time")
    assert comparison.get_by_role("columnheader", name="One at a time (greedy)").count() == 1
    assert comparison.get_by_role("row", name="Places filled").inner_text().split() == [
        "Places",
        "filled",
        "2",
        "2",
    ]
    proposed = page.get_by_role("table", name="Proposed matches, best fit first")
    assert proposed.get_by_role("row").count() == 3  # header and one row per proposal
    for title in ("Walk Biscuit on Mondays", "Walk Rolo on Mondays"):
        assert proposed.get_by_text(title).count() == 1
    assert not Match.objects.exists()  # nobody is told before staff send the round

    page.get_by_role("button", name="Send selected").click()
    page.get_by_text("Sent 2 proposed matches to the people in them.").wait_for()
    pages.check(page, "round sent")
    assert page.get_by_role("button", name="Send selected").count() == 0
    assert proposed.get_by_role("cell", name="Sent", exact=True).count() == 2
    page.get_by_role("link", name="Back to rounds").click()
    page.get_by_role("heading", name="Matching rounds").wait_for()
    pages.check(page, "rounds after sending")

    rnd.refresh_from_db()
    assert rnd.status == Round.Status.APPLIED
    matches = Match.objects.order_by("need_id")
    assert {(m.need_id, m.status, m.proposed_by) for m in matches} == {
        (needs[0].pk, Match.Status.PROPOSED, Match.ProposedBy.ROUND),
        (needs[1].pk, Match.Status.PROPOSED, Match.ProposedBy.ROUND),
    }
    assert {m.offer_id for m in matches} == {o.pk for o in offers}
    assert AuditEvent.objects.filter(verb="round.applied", actor_id=admin.pk).exists()


def test_safeguarding_lead_manages_matches_and_messages_for_someone_not_online(
    live_server, new_context, pages, home_council, moderator, citizen, helper
):
    from matching import services as matching_services

    lead = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    totp = make.enrol_totp(lead)
    need = make.need(
        owner=citizen, title="Walk Biscuit on Mondays", recorded_by=lead, consent_given=True
    )
    offer = make.offer(helper=helper)
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, lead.email, totp=totp, pages=pages)

    page.goto(base + "/staff/")
    page.get_by_role("link", name="Assisted digital").first.click()
    page.get_by_role("heading", name="Assisted digital").wait_for()
    pages.check(page, "needs recorded for people")
    page.get_by_role("link", name="Walk Biscuit on Mondays").click()
    page.get_by_role("heading", name="Walk Biscuit on Mondays").wait_for()
    pages.check(page, "need managed for the person")
    page.get_by_role("button", name="Ask Harry H. to help").click()
    page.get_by_text("Asked Harry Helper to help.").wait_for()
    pages.check(page, "match waiting for the helper")
    match = Match.objects.get()
    assert (match.need_id, match.offer_id, match.status) == (need.pk, offer.pk, "proposed")

    matching_services.match_accept(user=helper, match_id=match.pk)
    page.reload()
    page.get_by_label("Message").fill("Biscuit is ready at ten.")
    page.get_by_role("button", name="Send message for Margaret Citizen").click()
    page.get_by_text("Message sent for Margaret Citizen.").wait_for()
    pages.check(page, "conversation for the person")
    assert page.locator(".kith-message__sent-for").all_inner_texts() == [
        "Sent for Margaret Citizen by the council"
    ]
    message = match.messages.get()
    assert (message.sender_id, message.sent_for_by_id, message.body) == (
        citizen.pk,
        lead.pk,
        "Biscuit is ready at ten.",
    )
    assert AuditEvent.objects.filter(verb="assisted.message_sent", actor_id=lead.pk).exists()


def test_staff_see_the_waves_of_an_urgent_need_they_recorded(
    live_server, new_context, pages, home_council, citizen
):
    from matching.models import AlertPreference, AlertRequest

    home_council.settings = {"alerts": {"kind": "rotated", "reply_chance": 0.5,
                                        "target_reply_chance": 0.8, "idle_asks": 0}}  # fmt: skip
    home_council.save(update_fields=["settings"])
    for k in range(5):
        helper = make.person(council=home_council, home=make.point_at(300 * (k + 1), 0))
        AlertPreference.objects.create(user=helper, opted_in=True)
        make.offer_row(
            council=home_council,
            helper=helper,
            at=make.point_at(300 * (k + 1), 0),
            cat=make.category("dog-walking"),
            radius_m=8000,
        )
    lead = make.staff(council=home_council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    totp = make.enrol_totp(lead)
    need = make.need(
        owner=citizen,
        title="Shopping before the weekend",
        recorded_by=lead,
        consent_given=True,
        urgency="urgent",
        slots=[],
        timing=Need.Timing.ONE_OFF,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(hours=6),
    )
    assert need.status == Need.Status.OPEN
    owed = AlertRequest.objects.get(need=need)
    assert owed.waves == 1 and owed.next_wave_at is not None

    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, lead.email, totp=totp, pages=pages)
    page.goto(base + f"/staff/assisted/needs/{need.pk}/")
    row = page.locator("#urgent-alerts")
    assert "helpers told, 3" in row.inner_text()
    assert "more helpers will be told" in row.inner_text()
    pages.check(page, "urgent need with its first wave of alerts")
