"""Ongoing help through the notifications room: "did the visit happen?" goes to the helper
and then the citizen, with a link to the check-in page; a text reply answers it through the
same service as the web; a welfare check reaches the staff who handle them; "still need
help?" is asked and answered by text; a skip and a change reach the other person only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements import services
from arrangements.models import StillNeeded, Visit, WelfareCheck
from arrangements.tasks import checkins, still_needed
from notifications.models import Channel, InboundText, Notification
from tests.arrangements.conftest import after, make_arrangement
from tests.kit import factories as make

from .test_replies import text_in, texter

pytestmark = pytest.mark.django_db


def told(person, template):
    return list(Notification.objects.filter(person=person, template=template))


@pytest.fixture
def weekly(mcouncil):
    arrangement = make_arrangement(mcouncil)
    return arrangement, arrangement.match.need.owner, arrangement.match.offer.helper


def first_visit(arrangement) -> Visit:
    return arrangement.visits.order_by("starts_at").first()


def just_over(arrangement) -> Visit:
    """The first visit, moved to have ended an hour ago: a text reply is answered now."""
    visit = first_visit(arrangement)
    now = timezone.now()
    Visit.objects.filter(pk=visit.pk).update(
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1)
    )
    visit.refresh_from_db()
    return visit


def test_the_helper_is_asked_with_a_link_and_answers_yes_by_text(notify, weekly, client):
    arrangement, citizen, helper = weekly
    texter(helper)
    visit = just_over(arrangement)
    checkins.delay(now=after(visit).isoformat()).get()
    link = reverse("visit_check_in", args=[arrangement.pk, visit.pk])
    rows = told(helper, "visit_checkin_helper")
    assert {row.channel for row in rows} >= {Channel.KITH, Channel.SMS}
    assert all(row.link.endswith(link) for row in rows)
    sms = next(row for row in rows if row.channel == Channel.SMS)
    assert (
        "Reply YES" in sms.body and "did your befriending and check-in chats visit on" in sms.body
    )
    assert told(citizen, "visit_checkin_helper") == []
    assert text_in(client, "yes").status_code == 204
    visit.refresh_from_db()
    assert (visit.status, visit.minutes_spent) == ("done", 60)
    assert InboundText.objects.get().outcome == "visit_yes"


def test_a_citizens_no_by_text_opens_a_welfare_check_that_staff_are_told_of(
    notify, weekly, client, mcouncil
):
    arrangement, citizen, helper = weekly
    lead = make.staff(council=mcouncil, role="safeguarding_lead")
    moderator = make.staff(council=mcouncil, role="moderator")
    texter(citizen)
    visit = just_over(arrangement)
    checkins.delay(now=after(visit).isoformat()).get()
    checkins.delay(now=(after(visit) + dt.timedelta(days=1)).isoformat()).get()
    assert told(citizen, "visit_checkin_citizen")
    text_in(client, "NO")
    check = WelfareCheck.objects.get()
    assert check.reason == "citizen_said_no"
    staff_told = told(lead, "welfare_opened")
    assert staff_told and staff_told[0].link.endswith(
        reverse("staff:welfare_check", args=[check.pk])
    )
    assert told(moderator, "welfare_opened") == []  # not their work
    assert told(helper, "welfare_opened") == []


def test_a_skip_is_told_to_the_other_person_without_the_reason(weekly):
    arrangement, citizen, helper = weekly
    visit = first_visit(arrangement)
    services.visit_skip(
        user=citizen, arrangement_id=arrangement.pk, visit_id=visit.pk, reason="Hospital visit"
    )
    rows = told(helper, "visit_skipped")
    assert rows and all("Hospital" not in row.body for row in rows)
    assert told(citizen, "visit_skipped") == []


def test_a_change_is_asked_of_the_other_and_its_answer_told_to_the_asker(weekly):
    arrangement, citizen, helper = weekly
    change = services.change_ask(
        user=helper,
        arrangement_id=arrangement.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )
    asked = told(citizen, "change_asked")
    assert asked and "Tuesdays, 15:00 to 16:00, every week" in asked[0].body
    services.change_decide(
        user=citizen, arrangement_id=arrangement.pk, change_id=change.pk, agree=True
    )
    assert told(helper, "change_confirmed")


def test_still_need_help_is_asked_and_answered_by_text(notify, client, mcouncil):
    need = make.need_row(council=mcouncil, slots=[(0, (10, 0), (11, 0))])
    texter(need.owner)
    still_needed.delay(now=(need.published_at + dt.timedelta(weeks=4)).isoformat()).get()
    rows = told(need.owner, "still_needed")
    assert any(row.channel == Channel.SMS for row in rows)
    assert all(row.link.endswith(reverse("still_needed", args=[need.pk])) for row in rows)
    text_in(client, "yes")
    row = StillNeeded.objects.get()
    assert row.answer == "yes"
    need.refresh_from_db()
    assert need.status == "open"
