"""No dead ends in the need journey, in Chromium with axe-core on every page: a moderator turns
a need down, its owner reads the reason, changes it (its words and its postcode) and sends it
again, and the moderator finds it in the queue once more; and recording a need, each wrong
answer — contact details, a date already past, a postcode outside the council's area — is
caught on the page that asks for it, the postcode also with JavaScript switched off."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from core.models import AuditEvent
from marketplace.models import Category, Need
from marketplace.services import need_create
from places.geo import NOT_AVAILABLE_MESSAGE
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "Please tell helpers which afternoons suit you."


@pytest.fixture
def leafield():
    council = make.CouncilFactory(
        name="Leafield Council", boundary=make.square(-1.55, 53.80, half_deg=0.2)
    )
    for code, lon, lat in (
        ("LS1 1AA", -1.550, 53.800),
        ("LS3 3DD", -1.560, 53.795),
        ("SW1A 1AA", -0.141, 51.501),  # outside every council
    ):
        make.PostcodeFactory(postcode=code, location=Point(lon, lat, srid=4326))
    margaret = make.resident(postcode="LS1 1AA", name="Margaret", email="margaret@example.org")
    moderator = make.staff(
        council=council, role=Role.MODERATOR, mfa=False, lives_here=True, display_name="Mo"
    )
    return margaret, moderator


def test_a_rejected_need_is_changed_and_sent_again(live_server, new_context, pages, leafield):
    margaret, moderator = leafield
    need = need_create(
        owner=margaret,
        category=Category.objects.get(slug="befriending"),
        title="A chat now and then",
        description="Someone to talk to.",
    )
    base = live_server.url

    # --- The moderator turns it down, saying what to change ---------------------------------
    totp = make.enrol_totp(moderator)
    staff = new_context().new_page()
    sign_in(staff, base, moderator.email, totp=totp)
    staff.goto(base + f"/staff/moderation/need/{need.pk}/")
    staff.get_by_label("Reason").fill(REASON)
    staff.get_by_role("button", name="Reject").click()
    staff.get_by_text("Rejected: A chat now and then.").wait_for()
    need.refresh_from_db()
    assert need.closed_reason == Need.ClosedReason.REJECTED

    # --- Margaret reads why, changes it and sends it again ----------------------------------
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + "/needs/")
    p.get_by_role("link", name="A chat now and then").click()
    p.get_by_text(REASON).wait_for()
    pages.check(p, "rejected need page")
    p.get_by_role("button", name="Change and send again").click()
    p.get_by_role("heading", name="Change and send your request again").wait_for()
    pages.check(p, "change and send again")

    p.get_by_role("link", name="Change what you told helpers about it").click()
    p.get_by_role("heading", name="What do you need?").wait_for()
    p.get_by_label("Tell helpers a bit more").fill(
        "Someone to talk to on Tuesday or Thursday afternoons."
    )
    p.get_by_role("button", name="Save changes").click()
    p.get_by_text("Your changes have been saved.").wait_for()
    pages.check(p, "change and send again after a change")

    # A new postcode is checked on its own page, as when the need was recorded.
    p.get_by_role("link", name="Change the postcode where you need help").click()
    p.get_by_label("What is the postcode where you need help?").fill("SW1A 1AA")
    p.get_by_role("button", name="Save changes").click()
    p.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(p, "change postcode outside the area")
    assert NOT_AVAILABLE_MESSAGE in p.content() and "pin on the map" not in p.content()
    p.get_by_label("What is the postcode where you need help?").fill("LS3 3DD")
    p.get_by_role("button", name="Save changes").click()
    p.get_by_text("Your changes have been saved.").wait_for()
    assert "LS3 3DD" in p.content()

    p.get_by_role("button", name="Send it again").click()
    p.get_by_text("You have sent your request again.").wait_for()
    pages.check(p, "need page after sending it again")
    assert REASON not in p.content()
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING_REVIEW and need.rejection_reason == ""
    assert need.postcode == "LS3 3DD"
    assert AuditEvent.objects.filter(verb="need.sent_again", actor_id=margaret.pk).exists()

    # --- The moderator finds it in the queue again ------------------------------------------
    staff.goto(base + "/staff/moderation/")
    staff.get_by_role("link", name="A chat now and then").click()
    staff.get_by_text("Tuesday or Thursday afternoons").wait_for()
    assert REASON not in staff.content()
    assert not pages.failed_requests, "\n".join(pages.failed_requests)


def test_wrong_answers_are_caught_on_the_page_that_asks(live_server, new_context, pages, leafield):
    base = live_server.url
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + "/needs/new/")
    p.get_by_label("Befriending and check-in chats").check()
    p.get_by_role("button", name="Continue").click()

    p.get_by_label("Sum up what you need in a few words").fill("A visit after my operation")
    p.get_by_label("Tell helpers a bit more").fill("Ring me on 0113 496 0000 to arrange it.")
    p.get_by_role("button", name="Continue").click()
    p.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(p, "need details with a phone number")
    p.get_by_label("Tell helpers a bit more").fill("Someone to sit with me for an hour.")
    p.get_by_role("button", name="Continue").click()

    p.get_by_label("Just once").check()
    p.get_by_role("button", name="Continue").click()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    p.get_by_label("Day").fill(str(yesterday.day))
    p.get_by_label("Month").fill(str(yesterday.month))
    p.get_by_label("Year").fill(str(yesterday.year))
    p.get_by_label("From").fill("10:00")
    p.get_by_label("Until").fill("11:00")
    p.get_by_role("button", name="Continue").click()
    p.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(p, "need date already past")
    soon = timezone.localdate() + dt.timedelta(days=3)
    p.get_by_label("Day").fill(str(soon.day))
    p.get_by_label("Month").fill(str(soon.month))
    p.get_by_label("Year").fill(str(soon.year))
    p.get_by_role("button", name="Continue").click()

    p.get_by_label("In the next few days").check()
    p.get_by_role("button", name="Continue").click()
    place = p.url

    # The postcode page, without JavaScript: a place outside the area is refused there.
    plain = new_context(javascript=False).new_page()
    plain.context.add_cookies(p.context.cookies())  # the same session: the answers so far
    plain.goto(place)
    plain.get_by_label("What is the postcode where you need help?").fill("SW1A 1AA")
    plain.get_by_role("button", name="Continue").click()
    plain.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(plain, "no js need postcode outside the area", javascript=False)
    assert NOT_AVAILABLE_MESSAGE in plain.content()
    plain.get_by_label("What is the postcode where you need help?").fill("LS9 9ZZ")
    plain.get_by_role("button", name="Continue").click()
    plain.get_by_text(
        "We could not find the postcode LS9 9ZZ. Check it and try again."
    ).first.wait_for()
    assert "pin on the map" not in plain.content()
    plain.get_by_label("What is the postcode where you need help?").fill("LS3 3DD")
    plain.get_by_role("button", name="Continue").click()
    plain.get_by_role("button", name="Continue").click()  # no preference
    plain.get_by_role("heading", name="Check your answers").wait_for()
    pages.check(plain, "no js need check your answers", javascript=False)
    plain.get_by_role("button", name="Send request").click()
    plain.get_by_role("heading", name="A visit after my operation").wait_for()
    need = Need.objects.get(owner__email="margaret@example.org")
    assert need.postcode == "LS3 3DD" and need.status == Need.Status.PENDING_REVIEW
    assert not pages.failed_requests, "\n".join(pages.failed_requests)
