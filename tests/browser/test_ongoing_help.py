"""Ongoing help in Chromium with JavaScript switched off: a weekly hot meal for three weeks.

Time moves by moving the arrangement back a week at a time (its visits, its start and how far
its visits are written) and by running the real beat jobs with a `now`
(`arrangements.tasks.checkins`, `arrangements.tasks.visits_ahead`). Week 1: the helper says on
the web that the visit happened and took 45 minutes; the citizen sees the visits to come.
Week 2: the helper says nothing, so a day later the citizen is asked and says yes. Week 3: the
helper says it did not happen, the citizen is asked and says no, and a welfare check opens; the
council's safeguarding lead (with two-factor) phones and logs "reached, and fine"; the impact
report shows the hours given from the visit log (45 + 60 minutes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from arrangements import tasks
from arrangements.models import Arrangement, StillNeeded, Visit, WelfareCheck
from arrangements.schedule import local_zone
from marketplace.models import Category, Need
from matching.services import match_accept, match_offer_help
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LS1, LS2 = Point(-1.550, 53.800, srid=4326), Point(-1.535, 53.808, srid=4326)


def snap(pages, page, name: str, *, check: bool = False) -> None:
    """A screenshot in /tmp/ongoing-*.png (and, with `check`, the usual checks with axe-core,
    which save their own screenshot in test-artifacts/)."""
    page.wait_for_load_state("load")
    if check:
        pages.check(page, name, javascript=False)
    pages.ongoing = getattr(pages, "ongoing", 0) + 1
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    path = f"/tmp/ongoing-{pages.ongoing:02d}-{slug}.png"  # noqa: S108 - for a person to look at
    page.screenshot(path=path, full_page=True)


def week_passes(arrangement: Arrangement) -> None:
    """Everything of the arrangement happens a week earlier: to the people using it, a week has
    passed. Visits move one at a time, earliest first, so no two share a planned time."""
    week = dt.timedelta(days=7)
    for visit in Visit.objects.filter(arrangement=arrangement).order_by("planned_for"):
        Visit.objects.filter(pk=visit.pk).update(
            planned_for=visit.planned_for - week,
            starts_at=visit.starts_at - week,
            ends_at=visit.ends_at - week,
        )
    arrangement.refresh_from_db()
    Arrangement.objects.filter(pk=arrangement.pk).update(
        starts_on=arrangement.starts_on - week, generated_until=arrangement.generated_until - week
    )
    arrangement.refresh_from_db()


def nth_visit(arrangement: Arrangement, n: int) -> Visit:
    return Visit.objects.filter(arrangement=arrangement).order_by("planned_for")[n - 1]


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def said(visit: Visit) -> str:
    local = visit.starts_at.astimezone(local_zone())
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


@pytest.fixture
def weekly_hot_meal():
    """Margaret needs a hot meal every week at noon, on the weekday of tomorrow; Sam, checked,
    offers hot meals every day; Sam offers, Margaret accepts: the arrangement starts."""
    council = make.CouncilFactory(
        name="Leafield Council", boundary=make.square(-1.55, 53.80, half_deg=0.2)
    )
    make.PostcodeFactory(postcode="LS1 1AA", location=LS1)
    make.PostcodeFactory(postcode="LS2 2BB", location=LS2)
    margaret = make.resident(postcode="LS1 1AA", name="Margaret", email="margaret@example.org")
    sam = make.resident(postcode="LS2 2BB", name="Sam", email="sam@example.org")
    meals = Category.objects.get(slug="hot-meals")
    tomorrow = (dt.datetime.now(local_zone()) + dt.timedelta(days=1)).weekday()
    need = make.need_row(
        council=council, owner=margaret, at=LS1, cat=meals, slots=[(tomorrow, (12, 0), (13, 0))]
    )
    Need.objects.filter(pk=need.pk).update(title="A hot meal at lunchtime")
    offer = make.offer_row(
        council=council,
        helper=sam,
        at=LS2,
        cat=meals,
        radius_m=5000,
        slots=[(d, (9, 0), (17, 0)) for d in range(7)],
    )
    match = match_offer_help(helper=sam, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=margaret, match_id=match.pk)
    arrangement = Arrangement.objects.get(match=match)
    assert arrangement.frequency == "weekly"
    assert Visit.objects.filter(arrangement=arrangement).count() >= 4
    return council, arrangement, margaret, sam


def test_a_weekly_hot_meal_for_three_weeks(live_server, new_context, pages, weekly_hot_meal):
    council, arrangement, margaret, sam = weekly_hot_meal
    base = live_server.url
    match_url = f"{base}/matches/{arrangement.match_id}/"
    visits_url = f"{base}/arrangements/{arrangement.pk}/"

    helper = new_context(javascript=False).new_page()
    sign_in(helper, base, "sam@example.org")
    citizen = new_context(javascript=False).new_page()
    sign_in(citizen, base, "margaret@example.org")

    # --- Week 1: the helper confirms the visit, with the time it took ------------------------
    week_passes(arrangement)
    first = nth_visit(arrangement, 1)
    assert tasks.checkins(now=iso(first.ends_at + dt.timedelta(hours=1)))["asked_helper"] == 1
    tasks.visits_ahead(now=iso(first.ends_at + dt.timedelta(hours=1)))

    helper.goto(match_url)
    helper.get_by_role("heading", name="Visits").wait_for()
    # A recurring arrangement ends; it is not "done".
    assert helper.get_by_role("button", name="End this arrangement").count() == 1
    assert helper.get_by_text("The help is done").count() == 0
    snap(pages, helper, "helper match page with visits", check=True)
    helper.get_by_role("link", name="See all visits and changes").click()
    helper.get_by_role("heading", name="Tell us how it went").wait_for()
    snap(pages, helper, "helper arrangement page week 1", check=True)
    helper.get_by_role("link", name=f"Did the visit on {said(first)}").click()
    helper.get_by_role("heading", name=f"Did the visit on {said(first)} happen?").wait_for()
    snap(pages, helper, "helper check-in form", check=True)
    # Sending nothing: a clear error, nothing saved.
    helper.get_by_role("button", name="Send").click()
    helper.get_by_text("Choose yes if the visit happened").first.wait_for()
    snap(pages, helper, "helper check-in error", check=True)
    helper.get_by_label("Yes").check()
    helper.get_by_label("Time spent, in minutes (optional)").fill("45")
    helper.get_by_role("button", name="Send").click()
    helper.get_by_text("The visit is recorded as done (45 minutes).").wait_for()
    snap(pages, helper, "helper after confirming week 1")
    first.refresh_from_db()
    assert (first.status, first.minutes_spent) == ("done", 45)

    citizen.goto(visits_url)
    citizen.get_by_role("heading", name="Upcoming visits").wait_for()
    rows = citizen.locator("table.govuk-table tbody tr")
    assert rows.count() >= 2
    second = nth_visit(arrangement, 2)
    local = second.starts_at.astimezone(local_zone())
    assert f"{local:%A} {local.day} {local:%B}" in rows.first.inner_text()
    assert "12:00 to 13:00" in rows.first.inner_text()
    assert citizen.locator("li").filter(has_text="Done").count() == 1  # recent visits
    assert citizen.get_by_text("Tell us how it went").count() == 0
    snap(pages, citizen, "citizen sees upcoming visits", check=True)

    # --- Week 2: the helper is silent; a day later the citizen is asked and says yes ---------
    week_passes(arrangement)
    tasks.visits_ahead(now=iso(dt.datetime.now(dt.UTC)))
    second.refresh_from_db()
    asked = second.ends_at + dt.timedelta(hours=1)
    assert tasks.checkins(now=iso(asked))["asked_helper"] == 1
    assert tasks.checkins(now=iso(asked + dt.timedelta(hours=25)))["asked_citizen"] == 1
    citizen.goto(visits_url)
    citizen.get_by_role("heading", name="Tell us how it went").wait_for()
    snap(pages, citizen, "citizen asked about week 2")
    citizen.get_by_role("link", name=f"Did the visit on {said(second)} happen?").click()
    assert citizen.get_by_text("Time spent").count() == 0  # the helper's question only
    snap(pages, citizen, "citizen check-in form", check=True)
    citizen.get_by_label("Yes").check()
    citizen.get_by_role("button", name="Send").click()
    citizen.get_by_text("Thank you. The visit is recorded as done.").wait_for()
    second.refresh_from_db()
    assert (second.status, second.minutes_spent) == ("done", 60)

    # --- Week 3: the helper says no, the citizen says no: a welfare check opens -------------
    week_passes(arrangement)
    third = nth_visit(arrangement, 3)
    assert tasks.checkins(now=iso(third.ends_at + dt.timedelta(hours=1)))["asked_helper"] == 1
    helper.goto(visits_url)
    helper.get_by_role("link", name=f"Did the visit on {said(third)} happen?").click()
    helper.get_by_label("No", exact=True).check()
    helper.get_by_role("button", name="Send").click()
    helper.get_by_text("We will ask Margaret about it.").wait_for()
    snap(pages, helper, "helper said no in week 3")
    third.refresh_from_db()
    assert third.checkin == "asked_citizen"

    citizen.goto(visits_url)
    citizen.get_by_role("link", name=f"Did the visit on {said(third)} happen?").click()
    citizen.get_by_label("No", exact=True).check()
    citizen.get_by_role("button", name="Send").click()
    citizen.get_by_text("Someone from the council will get in touch").wait_for()
    snap(pages, citizen, "citizen said no in week 3", check=True)
    check = WelfareCheck.objects.get(person=margaret)
    assert (check.status, check.reason) == ("open", "citizen_said_no")

    # --- The safeguarding lead phones Margaret and logs the call -----------------------------
    lead = make.staff(council=council, role=Role.SAFEGUARDING_LEAD, mfa=False, lives_here=True)
    totp = make.enrol_totp(lead)
    staff_page = new_context().new_page()
    sign_in(staff_page, base, lead.email, totp=totp)
    staff_page.goto(base + "/staff/welfare/")
    staff_page.get_by_role("heading", name="Welfare checks").wait_for()
    snap(pages, staff_page, "staff welfare checks")
    staff_page.get_by_role("link", name="Margaret").click()
    staff_page.get_by_role("heading", name="Log a call").wait_for()
    snap(pages, staff_page, "staff welfare check")
    staff_page.locator("input[name=result][value=reached_fine]").check()
    staff_page.locator("textarea[name=note]").fill("Spoke to Margaret: Sam's car broke down.")
    staff_page.get_by_role("button", name="Log the call").click()
    staff_page.wait_for_load_state("load")
    snap(pages, staff_page, "staff logged the call")
    check.refresh_from_db()
    assert (check.status, check.outcome) == ("closed", "reached_fine")

    # --- The impact report counts the hours given: 45 + 60 minutes ---------------------------
    admin = make.staff(council=council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    admin_totp = make.enrol_totp(admin)
    report = new_context().new_page()
    sign_in(report, base, admin.email, totp=admin_totp)
    report.goto(base + "/staff/impact/")
    report.get_by_role("heading", name="Impact report").wait_for()
    snap(pages, report, "impact report")
    row = report.locator("table").first.locator("tr").filter(has_text="Hot meals")
    assert row.count() == 1
    assert "1.75" in row.inner_text()

    # --- The helper ends the arrangement ----------------------------------------------------
    helper.goto(match_url)
    helper.get_by_role("button", name="End this arrangement").click()
    helper.get_by_role("heading", name="End this arrangement").wait_for()
    snap(pages, helper, "helper ends the arrangement", check=True)
    helper.get_by_label("Cannot carry on helping").check()
    helper.get_by_label("Anything else the council should know? (optional)").fill(
        "I am moving away."
    )
    helper.get_by_role("button", name="End the arrangement").click()
    helper.get_by_text("The arrangement with Margaret has ended.").wait_for()
    snap(pages, helper, "helper after ending")
    arrangement.refresh_from_db()
    assert arrangement.status == "ended"
    citizen.goto(visits_url)
    citizen.get_by_text("This arrangement has ended.").wait_for()
    assert citizen.get_by_text("moving away").count() == 0
    snap(pages, citizen, "citizen sees the arrangement ended")
    assert not pages.failed_requests, pages.failed_requests


def test_first_meeting_changes_still_needed_and_closing_an_offer(
    live_server, new_context, pages, need_and_helper
):
    """Befriending starts with a first meeting and its safety checklist; the citizen moves it
    and the helper agrees; the helper skips a visit and asks for a new regular time, which the
    citizen does not agree to; the citizen still needs help; the helper closes their offer."""
    need, people = need_and_helper
    margaret, sam = people["Margaret"], people["Sam"]
    # As migration 0006 sets it (tests/conftest.py puts back only 0003's categories after a
    # transactional test).
    Category.objects.filter(slug="befriending").update(first_meeting=True)
    offer = sam.offers.get()
    match = match_offer_help(helper=sam, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=margaret, match_id=match.pk)
    arrangement = Arrangement.objects.get(match=match)
    first, second = list(Visit.objects.filter(arrangement=arrangement).order_by("starts_at")[:2])
    assert first.is_introduction
    base = live_server.url
    visits_url = f"{base}/arrangements/{arrangement.pk}/"

    citizen = new_context(javascript=False).new_page()
    sign_in(citizen, base, "margaret@example.org")
    helper = new_context(javascript=False).new_page()
    sign_in(helper, base, "sam@example.org")

    # --- The first meeting, and moving it by agreement ----------------------------------------
    citizen.goto(visits_url)
    citizen.get_by_role("heading", name="Before your first meeting").wait_for()
    assert citizen.get_by_text("First meeting", exact=True).count() == 1
    snap(pages, citizen, "citizen before the first meeting", check=True)
    citizen.get_by_role("link", name=f"Move the visit on {said(first).split(' at')[0]}").click()
    citizen.get_by_role("heading", name=f"Move the visit on {said(first)}").wait_for()
    later = first.starts_at.astimezone(local_zone()) + dt.timedelta(days=1)
    citizen.get_by_label("Day").fill("31")
    citizen.get_by_label("Month").fill("2")
    citizen.get_by_label("Year").fill(str(later.year + 1))
    citizen.get_by_label("New start time").fill("14:30")
    citizen.get_by_role("button", name="Ask to move it").click()
    citizen.get_by_text("Enter a real date").first.wait_for()
    snap(pages, citizen, "citizen move error", check=True)
    citizen.get_by_label("Day").fill(str(later.day))
    citizen.get_by_label("Month").fill(str(later.month))
    citizen.get_by_label("Year").fill(str(later.year))
    citizen.get_by_role("button", name="Ask to move it").click()
    citizen.get_by_text("We have asked Sam to agree").wait_for()
    assert citizen.get_by_role("button", name="Withdraw my change").count() == 1
    snap(pages, citizen, "citizen asked to move the first meeting", check=True)

    helper.goto(visits_url)
    helper.get_by_role("heading", name="A change waiting for an answer").wait_for()
    snap(pages, helper, "helper is asked to agree", check=True)
    helper.get_by_role("button", name="Agree", exact=True).click()
    helper.get_by_text("The change is made").wait_for()
    first.refresh_from_db()
    moved = first.starts_at.astimezone(local_zone())
    assert (moved.date(), f"{moved:%H:%M}") == (later.date(), "14:30")

    # --- Skipping one visit, and a new regular time the citizen does not agree to ------------
    helper.get_by_role("link", name=f"Skip the visit on {said(second).split(' at')[0]}").click()
    helper.get_by_role("button", name="Skip this visit").click()
    helper.get_by_text("Say why this visit cannot happen.").first.wait_for()
    snap(pages, helper, "helper skip error", check=True)
    helper.get_by_label("Why can this visit not happen?").fill("At a funeral")
    helper.get_by_role("button", name="Skip this visit").click()
    helper.get_by_text("will not happen. We have told Margaret.").wait_for()
    second.refresh_from_db()
    assert second.status == "skipped"

    helper.get_by_role("link", name="Change the regular time").click()
    snap(pages, helper, "helper change the regular time", check=True)
    helper.get_by_label("Tuesday").check()
    helper.get_by_label("From").fill("15:00")
    helper.get_by_label("Until").fill("16:00")
    helper.get_by_label("Every two weeks").check()
    helper.get_by_role("button", name="Ask to change it").click()
    helper.get_by_text("We have asked Margaret to agree to the new time.").wait_for()

    citizen.goto(visits_url)
    citizen.get_by_text("every two weeks on Tuesday, 15:00 to 16:00").wait_for()
    assert citizen.get_by_text("funeral").count() == 0
    citizen.get_by_role("button", name="Do not agree").click()
    citizen.get_by_text("You have not agreed to the change.").wait_for()
    snap(pages, citizen, "citizen did not agree")
    arrangement.refresh_from_db()
    assert arrangement.frequency == "weekly"

    # --- "Do you still need help?" -------------------------------------------------------------
    citizen.goto(f"{base}/needs/{need.pk}/still-needed/")
    citizen.get_by_role("heading", name="There is nothing to answer").wait_for()
    snap(pages, citizen, "still needed with nothing to answer", check=True)
    StillNeeded.objects.create(
        council=need.council, need=need, arrangement=arrangement, asked_at=timezone.now()
    )
    citizen.reload()
    citizen.get_by_role(
        "heading", name="Do you still need help with befriending and check-in chats?"
    ).wait_for()
    snap(pages, citizen, "still needed question", check=True)
    citizen.get_by_label("Yes").check()
    citizen.get_by_role("button", name="Send").click()
    citizen.get_by_text("Thank you. Your help carries on as before.").wait_for()
    assert StillNeeded.objects.get().answer == "yes"

    # --- The helper closes their offer for good -----------------------------------------------
    helper.goto(f"{base}/offers/{offer.pk}/")
    helper.get_by_role("link", name="Close this offer for good").click()
    helper.get_by_role(
        "heading", name="Close your offer of befriending and check-in chats for good?"
    ).wait_for()
    snap(pages, helper, "helper close offer", check=True)
    helper.get_by_role("button", name="Close my offer").click()
    helper.get_by_text("Your offer is closed.").wait_for()
    snap(pages, helper, "helper offer closed")
    offer.refresh_from_db()
    assert offer.status == "closed"
    assert not pages.failed_requests, pages.failed_requests
