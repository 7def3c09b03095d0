"""The pages of ongoing help, from both sides: the arrangement's visits, changing the regular
time, agreeing, ending, "do you still need help?" and closing an offer (a visit's own pages
are in test_visit_pages.py). Strangers are told "not found"; a bad answer is a clear
error and saves nothing; words typed for the council never reach the other person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership
from arrangements.models import ScheduleChange, StillNeeded
from marketplace.models import Category, Offer
from matching.services import match_offer_help
from tests.arrangements.conftest import make_arrangement
from tests.frontend.arrangement_kit import all_urls, page, people, to_the_past
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


# --- Who may see them -------------------------------------------------------------------------
def test_strangers_and_staff_are_told_not_found(client, arr, mcouncil):
    visit = arr.visits.first()
    stranger = make.person(council=mcouncil)
    lead = make.staff(council=mcouncil, role="safeguarding_lead")
    change = ScheduleChange.objects.create(
        arrangement=arr,
        kind="move_visit",
        asked_by=people(arr)[0],
        asked_by_role="citizen",
        visit=visit,
        new_starts_at=visit.starts_at + dt.timedelta(hours=1),
    )
    decide = reverse("arrangement_change_decide", args=[arr.pk, change.pk])
    for someone in (stranger, lead):
        client.force_login(someone)
        for url in all_urls(arr, visit):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"reason": "x", "happened": "yes"}).status_code == 404, url
        assert client.post(decide, {"decision": "agree"}).status_code == 404
    change.refresh_from_db()
    visit.refresh_from_db()
    assert change.status == "pending" and visit.status == "planned"
    arr.refresh_from_db()
    assert arr.status == "running"
    # A visit of another arrangement is not found through this one.
    other = make_arrangement(mcouncil)
    client.force_login(people(arr)[0])
    url = reverse("visit_check_in", args=[arr.pk, other.visits.first().pk])
    assert client.get(url).status_code == 404
    # Deciding is POST only.
    assert client.get(decide).status_code == 405


# --- The arrangement's page ------------------------------------------------------------------
def test_both_people_see_the_upcoming_visits_and_the_way_to_change_them(client, arr):
    citizen, helper = people(arr)
    visits = list(arr.visits.filter(status="planned")[:6])
    for person in (citizen, helper):
        client.force_login(person)
        response, html = page(client, "arrangement_detail", arr.pk)
        assert response.status_code == 200
        assert "Upcoming visits" in html
        assert html.count(f"/arrangements/{arr.pk}/visits/") >= 2 * len(visits)
        assert reverse("visit_skip", args=[arr.pk, visits[0].pk]) in html
        assert reverse("visit_move", args=[arr.pk, visits[0].pk]) in html
        assert "Change the regular time" in html and "End this arrangement" in html
        # Hot meals have no introduction visit.
        assert "First meeting" not in html and "Before your first meeting" not in html
        local = visits[0].starts_at.astimezone(dt.UTC).astimezone(timezone.get_default_timezone())
        assert local.strftime("%H:%M") in html
        assert "Monday" in html
        assert citizen.email not in html and helper.email not in html


def test_a_first_meeting_is_tagged_and_comes_with_the_safety_checklist(client, mcouncil):
    Category.objects.filter(slug="befriending").update(first_meeting=True)  # as migration 0006
    befriending = make_arrangement(mcouncil)  # befriending starts with an introduction
    citizen, helper = people(befriending)
    for person in (citizen, helper):
        client.force_login(person)
        _, html = page(client, "arrangement_detail", befriending.pk)
        assert "First meeting" in html
        assert "Before your first meeting" in html
        assert "Never hand over money, keys, bank cards" in html
        assert "call 999" in html


# --- The regular time -------------------------------------------------------------------------
def test_change_the_regular_time(client, arr):
    citizen, helper = people(arr)
    client.force_login(citizen)
    _, html = page(client, "arrangement_change_time", arr.pk)
    assert "Every two weeks" in html and "Tuesday" in html
    _, html = page(
        client,
        "arrangement_change_time",
        arr.pk,
        weekday="1",
        start="12:00",
        end="",
        frequency="weekly",
    )
    assert "Enter the end time" in html
    _, html = page(
        client,
        "arrangement_change_time",
        arr.pk,
        weekday="1",
        start="13:00",
        end="12:00",
        frequency="weekly",
    )
    assert "The end time must be after the start time" in html
    _, html = page(client, "arrangement_change_time", arr.pk, start="12:00", end="13:00")
    assert "Choose a day" in html and "Choose every week or every two weeks" in html
    assert not ScheduleChange.objects.exists()

    response, _ = page(
        client,
        "arrangement_change_time",
        arr.pk,
        weekday="1",
        start="17:00",
        end="18:00",
        frequency="fortnightly",
        which="all",  # all three regular times become this one
    )
    assert response.status_code == 302
    change = ScheduleChange.objects.get()
    assert (change.new_weekday, change.new_start, change.new_frequency) == (
        1,
        dt.time(17),
        "fortnightly",
    )
    client.force_login(helper)
    _, html = page(client, "arrangement_detail", arr.pk)
    assert "every two weeks on Tuesday, 17:00 to 18:00" in html
    page(client, "arrangement_change_decide", arr.pk, change.pk, decision="agree")
    arr.refresh_from_db()
    assert arr.frequency == "fortnightly"
    assert [(t.weekday, t.start) for t in arr.times.all()] == [(1, dt.time(17))]


def test_a_one_off_has_no_regular_time(client, mcouncil):
    once = make_arrangement(mcouncil, timing="one_off")
    citizen, _ = people(once)
    client.force_login(citizen)
    _, html = page(client, "arrangement_detail", once.pk)
    assert "Change the regular time" not in html
    response, _ = page(client, "arrangement_change_time", once.pk)
    assert response.status_code == 302


# --- Ending ----------------------------------------------------------------------------------
def test_end_offers_each_role_its_reasons_and_keeps_the_note_from_the_other(client, arr):
    citizen, helper = people(arr)
    client.force_login(citizen)
    _, html = page(client, "arrangement_end", arr.pk)
    assert "Help is no longer needed" in html and "Cannot carry on helping" not in html
    assert "the other person will not see it" in html
    client.force_login(helper)
    _, html = page(client, "arrangement_end", arr.pk)
    assert "Cannot carry on helping" in html and "Help is no longer needed" not in html
    _, html = page(client, "arrangement_end", arr.pk, note="Moving away")
    assert "Choose why the arrangement is ending" in html
    # A reason of the other role is refused.
    _, html = page(client, "arrangement_end", arr.pk, reason="no_longer_needed")
    assert "Select a valid choice" in html
    arr.refresh_from_db()
    assert arr.status == "running"

    response, _ = page(
        client, "arrangement_end", arr.pk, reason="cannot_continue", note="Moving to Leeds for work"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("match_detail", args=[arr.match_id])
    arr.refresh_from_db()
    assert (arr.status, arr.end_reason, arr.end_note) == (
        "ended",
        "cannot_continue",
        "Moving to Leeds for work",
    )
    assert not arr.visits.filter(status="planned").exists()
    html = client.get(response["Location"]).content.decode()
    assert "has ended" in html

    client.force_login(citizen)
    for name, args in (("arrangement_detail", [arr.pk]), ("match_detail", [arr.match_id])):
        html = client.get(reverse(name, args=args)).content.decode()
        assert "Leeds" not in html and "Cannot carry on" not in html
    _, html = page(client, "arrangement_detail", arr.pk)
    assert "This arrangement has ended" in html and "End this arrangement" not in html
    response, _ = page(client, "arrangement_end", arr.pk)
    assert response.status_code == 302


def test_ending_after_help_was_given_leads_to_feedback(client, arr):
    citizen, helper = people(arr)
    visit = to_the_past(arr.visits.first())
    client.force_login(helper)
    page(client, "visit_check_in", arr.pk, visit.pk, happened="yes")
    client.force_login(citizen)
    response, _ = page(client, "arrangement_end", arr.pk, reason="done")
    html = client.get(response["Location"]).content.decode()
    assert "Please tell us how it went" in html
    assert reverse("match_feedback", args=[arr.match_id]) in html


# --- The match page --------------------------------------------------------------------------
def test_the_match_page_shows_the_visits_and_ends_a_recurring_arrangement(client, arr, mcouncil):
    citizen, _ = people(arr)
    client.force_login(citizen)
    _, html = page(client, "match_detail", arr.match_id)
    assert "Next visit:" in html and "See all visits and changes" in html
    assert reverse("arrangement_detail", args=[arr.pk]) in html
    assert reverse("arrangement_end", args=[arr.pk]) in html
    assert "The help is done" not in html

    once = make_arrangement(mcouncil, timing="one_off")
    client.force_login(once.match.need.owner)
    _, html = page(client, "match_detail", once.match_id)
    assert "The help is done" in html and "See all visits and changes" in html
    assert reverse("arrangement_end", args=[once.pk]) not in html


def test_a_match_without_an_arrangement_has_no_visits(client, mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, cat=need.category)
    match = match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    client.force_login(need.owner)
    _, html = page(client, "match_detail", match.pk)
    assert "See all visits" not in html


# --- "Do you still need help?" -----------------------------------------------------------------
def test_still_needed_yes_and_no(client, arr, mcouncil):
    citizen, helper = people(arr)
    need = arr.match.need
    client.force_login(citizen)
    _, html = page(client, "still_needed", need.pk)
    assert "There is nothing to answer" in html
    row = StillNeeded.objects.create(
        council=mcouncil, need=need, arrangement=arr, asked_at=timezone.now()
    )
    _, html = page(client, "still_needed", need.pk)
    assert "Do you still need help with hot meals?" in html
    _, html = page(client, "still_needed", need.pk, still="")
    assert "Choose yes if you still need help" in html
    row.refresh_from_db()
    assert row.answered_at is None
    response, _ = page(client, "still_needed", need.pk, still="yes")
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    row.refresh_from_db()
    assert row.answer == "yes"
    arr.refresh_from_db()
    assert arr.still_needed_at is not None and arr.status == "running"
    # "No" sent from a second tab after that "yes": said not to be saved, nothing changes.
    _, html = page(client, "still_needed", need.pk, still="no")
    assert "You had already answered, so this answer was not saved." in html
    arr.refresh_from_db()
    assert arr.status == "running"

    StillNeeded.objects.create(
        council=mcouncil, need=need, arrangement=arr, asked_at=timezone.now()
    )
    page(client, "still_needed", need.pk, still="no")
    arr.refresh_from_db()
    assert (arr.status, arr.end_reason) == ("ended", "no_longer_needed")

    # Only the need's owner reaches the page.
    for someone in (helper, make.person(council=mcouncil)):
        client.force_login(someone)
        assert client.get(reverse("still_needed", args=[need.pk])).status_code == 404


# --- Closing an offer ---------------------------------------------------------------------------
def test_a_helper_closes_an_offer_for_good(client, mcouncil):
    offer = make.offer_row(council=mcouncil)
    stranger = make.person(council=mcouncil)
    client.force_login(stranger)
    assert client.get(reverse("offer_close", args=[offer.pk])).status_code == 404
    assert client.post(reverse("offer_close", args=[offer.pk])).status_code == 404
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN

    client.force_login(offer.helper)
    html = client.get(reverse("offer_detail", args=[offer.pk])).content.decode()
    assert reverse("offer_close", args=[offer.pk]) in html
    _, html = page(client, "offer_close", offer.pk)
    assert "for good?" in html and "Close my offer" in html
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN  # looking is not closing
    response = client.post(reverse("offer_close", args=[offer.pk]))
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.status == Offer.Status.CLOSED
    html = client.get(response["Location"]).content.decode()
    assert "Your offer is closed" in html
    assert reverse("offer_close", args=[offer.pk]) not in html


def test_staff_membership_alone_gives_no_way_in(client, arr, mcouncil):
    """Council staff use the staff console, not the two people's pages."""
    admin = make.person(council=mcouncil)
    StaffMembership.objects.create(user=admin, council=mcouncil, role="council_admin")
    client.force_login(admin)
    assert client.get(reverse("arrangement_detail", args=[arr.pk])).status_code == 404


def test_agreeing_to_a_change_withdrawn_meanwhile_says_so(client, arr):
    from arrangements import services

    citizen, helper = people(arr)
    change = services.change_ask(
        user=citizen,
        arrangement_id=arr.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )
    client.force_login(helper)
    detail = client.get(reverse("arrangement_detail", args=[arr.pk]))  # the helper's open tab
    assert detail.status_code == 200
    services.change_decide(user=citizen, arrangement_id=arr.pk, change_id=change.pk, agree=False)
    response = client.post(
        reverse("arrangement_change_decide", args=[arr.pk, change.pk]),
        {"decision": "agree"},
        follow=True,
    )
    assert response.status_code == 200
    assert "already been answered or withdrawn" in response.content.decode()
    assert ScheduleChange.objects.get(pk=change.pk).status == "withdrawn"


def test_with_several_regular_times_the_page_asks_which_one_changes(client, arr):
    citizen, _ = people(arr)
    client.force_login(citizen)
    url = reverse("arrangement_change_time", args=[arr.pk])
    page_ = client.get(url).content.decode()
    assert "Which regular time do you want to change?" in page_
    data = {"weekday": "3", "start": "15:00", "end": "16:00", "frequency": "weekly"}
    missing = client.post(url, data)
    assert missing.status_code == 200 and "Choose which time to change" in missing.content.decode()
    assert not ScheduleChange.objects.exists()
    times = list(arr.times.all())
    client.post(url, {**data, "which": f"{times[1].weekday}-{times[1].start:%H:%M}"})
    change = ScheduleChange.objects.get()
    assert (change.replaces_weekday, change.replaces_start) == (times[1].weekday, times[1].start)


def test_a_change_already_waiting_is_said_before_another_is_asked(client, arr):
    """One change waits at a time: the pages that ask for another say so before anything is
    typed, and lead back to the arrangement, where the waiting change can be withdrawn."""
    from arrangements import services

    citizen, helper = people(arr)
    services.change_ask(
        user=citizen,
        arrangement_id=arr.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )
    visit = arr.visits.order_by("starts_at").first()
    # The person who asked may withdraw it; the other is asked to answer it.
    told = {
        citizen: "A change is already waiting for an answer. Wait for it, or withdraw it first.",
        helper: "A change is waiting for your answer. Answer it first.",
    }
    for who, words in told.items():
        client.force_login(who)
        for name, args in (
            ("arrangement_change_time", [arr.pk]),
            ("visit_move", [arr.pk, visit.pk]),
        ):
            response = client.get(reverse(name, args=args), follow=True)
            assert response.redirect_chain[-1][0] == reverse("arrangement_detail", args=[arr.pk])
            assert words in response.content.decode()
