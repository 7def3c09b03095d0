"""The visit pages of ongoing help, from both sides: "did the visit happen?" (with the time
spent, no and no, a worried helper), skipping a visit with a reason only staff see, moving one
and the other person agreeing, withdrawing and declining a move. A visit to come cannot be
answered yet; each person sees their own answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements.models import ScheduleChange, WelfareCheck
from tests.frontend.arrangement_kit import page, people, to_the_past

pytestmark = pytest.mark.django_db


# --- "Did the visit happen?" -----------------------------------------------------------------
def test_helper_confirms_a_visit_with_the_time_spent(client, arr):
    citizen, helper = people(arr)
    visit = to_the_past(arr.visits.first())
    client.force_login(helper)
    _, html = page(client, "arrangement_detail", arr.pk)
    assert reverse("visit_check_in", args=[arr.pk, visit.pk]) in html
    response, html = page(client, "visit_check_in", arr.pk, visit.pk)
    assert response.status_code == 200
    assert "Did the visit on" in html and "happen?" in html
    assert "Time spent" in html and "only council staff will read this" in html.lower()
    assert "I am worried about them" in html

    # Nothing chosen, or minutes that are not a number: an error, and nothing saved.
    response, html = page(client, "visit_check_in", arr.pk, visit.pk, minutes="45")
    assert "Choose yes if the visit happened" in html
    assert "<title>Error:" in html
    _, html = page(client, "visit_check_in", arr.pk, visit.pk, happened="yes", minutes="lots")
    assert "Enter the time spent as a number of minutes" in html
    _, html = page(client, "visit_check_in", arr.pk, visit.pk, happened="yes", minutes="9999")
    assert "between 1 and 720" in html
    visit.refresh_from_db()
    assert (visit.status, visit.helper_answer, visit.minutes_spent) == ("planned", "", None)

    response, _ = page(
        client,
        "visit_check_in",
        arr.pk,
        visit.pk,
        happened="yes",
        minutes="45",
        note="Her cupboard was bare",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("arrangement_detail", args=[arr.pk])
    visit.refresh_from_db()
    assert (visit.status, visit.helper_answer, visit.minutes_spent) == ("done", "yes", 45)
    assert visit.note == "Her cupboard was bare"
    html = client.get(response["Location"]).content.decode()
    assert "The visit is recorded as done (45 minutes)" in html
    # Answered: the page says so, with no second form.
    _, html = page(client, "visit_check_in", arr.pk, visit.pk)
    assert "You have already told us that it happened" in html and 'name="happened"' not in html

    # The citizen never sees the helper's note.
    client.force_login(citizen)
    for name, args in (("arrangement_detail", [arr.pk]), ("match_detail", [arr.match_id])):
        assert "cupboard" not in client.get(reverse(name, args=args)).content.decode()


def test_minutes_default_to_the_planned_length(client, arr):
    _, helper = people(arr)
    visit = to_the_past(arr.visits.first())
    client.force_login(helper)
    page(client, "visit_check_in", arr.pk, visit.pk, happened="yes", minutes="")
    visit.refresh_from_db()
    assert visit.minutes_spent == 60


def test_helper_says_no_then_the_citizen_says_no_and_a_welfare_check_opens(client, arr):
    citizen, helper = people(arr)
    visit = to_the_past(arr.visits.first())
    client.force_login(helper)
    response, _ = page(client, "visit_check_in", arr.pk, visit.pk, happened="no")
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.checkin) == ("missed", "asked_citizen")

    client.force_login(citizen)
    _, html = page(client, "arrangement_detail", arr.pk)
    assert reverse("visit_check_in", args=[arr.pk, visit.pk]) in html
    _, html = page(client, "visit_check_in", arr.pk, visit.pk)
    assert 'name="happened"' in html
    assert "Time spent" not in html and "worried" not in html  # the helper's questions only
    response, _ = page(client, "visit_check_in", arr.pk, visit.pk, happened="no")
    assert response.status_code == 302
    assert (
        "get in touch to check you are all right"
        in client.get(response["Location"]).content.decode()
    )
    check = WelfareCheck.objects.get()
    assert (check.person, check.reason, check.status) == (citizen, "citizen_said_no", "open")


def test_a_worried_helper_opens_a_welfare_check_at_once(client, arr):
    citizen, helper = people(arr)
    visit = to_the_past(arr.visits.first())
    client.force_login(helper)
    page(client, "visit_check_in", arr.pk, visit.pk, happened="yes", worried="on")
    check = WelfareCheck.objects.get()
    assert (check.person, check.reason) == (citizen, "helper_concern")


def test_a_visit_to_come_cannot_be_answered_yet(client, arr):
    _, helper = people(arr)
    visit = arr.visits.first()
    client.force_login(helper)
    _, html = page(client, "visit_check_in", arr.pk, visit.pk)
    assert "has not happened yet" in html and 'name="happened"' not in html
    page(client, "visit_check_in", arr.pk, visit.pk, happened="yes")
    visit.refresh_from_db()
    assert visit.helper_answer == ""


# --- Skipping and moving one visit ------------------------------------------------------------
def test_skip_a_visit_needs_a_reason_only_staff_see(client, arr):
    citizen, helper = people(arr)
    visit = arr.visits.first()
    client.force_login(citizen)
    _, html = page(client, "visit_skip", arr.pk, visit.pk)
    assert "Only council staff will see the reason" in html
    _, html = page(client, "visit_skip", arr.pk, visit.pk, reason="   ")
    assert "Say why this visit cannot happen" in html
    visit.refresh_from_db()
    assert visit.status == "planned"
    response, _ = page(client, "visit_skip", arr.pk, visit.pk, reason="Hospital appointment")
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.skip_reason) == ("skipped", "Hospital appointment")
    client.force_login(helper)
    _, html = page(client, "arrangement_detail", arr.pk)
    assert "Hospital" not in html
    # A skipped visit cannot be skipped again (an old tab): back to the arrangement, told
    # it was skipped, not that it is in the past.
    client.force_login(citizen)
    response, _ = page(client, "visit_skip", arr.pk, visit.pk, reason="Away")
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "This visit was skipped." in html and "still to come" not in html


def test_move_a_visit_then_the_other_person_agrees(client, arr):
    citizen, helper = people(arr)
    visit = arr.visits.first()
    client.force_login(helper)
    _, html = page(client, "visit_move", arr.pk, visit.pk)
    assert "New date" in html and "New start time" in html
    # A date that does not exist, a time that cannot be read, a date in the past.
    _, html = page(
        client, "visit_move", arr.pk, visit.pk, day="31", month="2", year="2030", start="14:00"
    )
    assert "Enter a real date" in html
    new_day = (visit.starts_at + dt.timedelta(days=1)).astimezone(timezone.get_default_timezone())
    _, html = page(
        client,
        "visit_move",
        arr.pk,
        visit.pk,
        day=str(new_day.day),
        month=str(new_day.month),
        year=str(new_day.year),
        start="teatime",
    )
    assert "Enter the new start time" in html
    _, html = page(
        client, "visit_move", arr.pk, visit.pk, day="1", month="1", year="2020", start="14:00"
    )
    assert "Choose a new time in the future" in html
    assert not ScheduleChange.objects.exists()

    response, _ = page(
        client,
        "visit_move",
        arr.pk,
        visit.pk,
        day=str(new_day.day),
        month=str(new_day.month),
        year=str(new_day.year),
        start="14:30",
    )
    assert response.status_code == 302
    change = ScheduleChange.objects.get()
    local = change.new_starts_at.astimezone(timezone.get_default_timezone())
    assert (local.date(), local.time()) == (new_day.date(), dt.time(14, 30))
    _, html = page(client, "arrangement_detail", arr.pk)
    assert "Withdraw my change" in html and ">Agree<" not in html

    client.force_login(citizen)
    _, html = page(client, "arrangement_detail", arr.pk)
    assert ">Agree<" in html and "Do not agree" in html and "Withdraw" not in html
    # The citizen cannot withdraw the helper's change.
    page(client, "arrangement_change_decide", arr.pk, change.pk, decision="withdraw")
    change.refresh_from_db()
    assert change.status == "pending"
    response, _ = page(client, "arrangement_change_decide", arr.pk, change.pk, decision="agree")
    assert response.status_code == 302
    change.refresh_from_db()
    visit.refresh_from_db()
    assert change.status == "confirmed"
    assert visit.starts_at == change.new_starts_at


def test_the_asker_withdraws_and_the_other_declines(client, arr):
    citizen, helper = people(arr)
    visit = arr.visits.first()
    client.force_login(citizen)
    later = (visit.starts_at + dt.timedelta(days=1)).astimezone(timezone.get_default_timezone())
    fields = {
        "day": str(later.day),
        "month": str(later.month),
        "year": str(later.year),
        "start": "15:00",
    }
    page(client, "visit_move", arr.pk, visit.pk, **fields)
    change = ScheduleChange.objects.get()
    # The asker cannot agree to their own change.
    page(client, "arrangement_change_decide", arr.pk, change.pk, decision="agree")
    change.refresh_from_db()
    assert change.status == "pending"
    page(client, "arrangement_change_decide", arr.pk, change.pk, decision="withdraw")
    change.refresh_from_db()
    assert change.status == "withdrawn"

    page(client, "visit_move", arr.pk, visit.pk, **fields)
    second = ScheduleChange.objects.get(status="pending")
    client.force_login(helper)
    page(client, "arrangement_change_decide", arr.pk, second.pk, decision="decline")
    second.refresh_from_db()
    visit.refresh_from_db()
    assert second.status == "declined" and visit.starts_at != second.new_starts_at


def test_skipping_a_visit_withdraws_a_request_to_move_it(client, arr):
    from arrangements import services

    citizen, helper = people(arr)
    visit = arr.visits.order_by("starts_at").first()
    change = services.change_ask(
        user=citizen,
        arrangement_id=arr.pk,
        kind="move_visit",
        visit_id=visit.pk,
        new_starts_at=visit.starts_at + dt.timedelta(days=1),
    )
    services.visit_skip(user=helper, arrangement_id=arr.pk, visit_id=visit.pk, reason="Away")
    assert ScheduleChange.objects.get(pk=change.pk).status == "withdrawn"
    # Nothing blocks the next change.
    services.change_ask(
        user=citizen,
        arrangement_id=arr.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )


def test_the_helper_sees_their_own_answer_not_the_citizens(client, arr):
    from arrangements import services

    citizen, helper = people(arr)
    visit = to_the_past(arr.visits.order_by("starts_at").first())
    services.visit_check_in(user=helper, arrangement_id=arr.pk, visit_id=visit.pk, happened=True)
    services.visit_check_in(user=citizen, arrangement_id=arr.pk, visit_id=visit.pk, happened=False)
    client.force_login(helper)
    body = client.get(reverse("arrangement_detail", args=[arr.pk])).content.decode()
    assert "You said it happened" in body and "Missed" not in body
