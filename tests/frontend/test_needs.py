"""Recording a need one question per page, check-your-answers, my needs, a need's page with
ranked helpers, asking a helper and withdrawing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Category, CouncilCategory, Need
from matching.models import Match
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def step(client, name, data):
    response = client.post(reverse("need_new_step", args=[name]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def fill_weekly_need(client, category, *, description="I would like a chat over tea."):
    client.get(reverse("need_new"))
    assert step(client, "category", {"category": category.pk}).endswith("/details/")
    assert step(client, "details", {"title": "A weekly chat", "description": description}).endswith(
        "/timing/"
    )
    assert step(client, "timing", {"timing": "weekly"}).endswith("/times/")
    slots = {
        "slots-TOTAL_FORMS": "2",
        "slots-INITIAL_FORMS": "0",
        "slots-0-weekday": "1",
        "slots-0-start": "14:00",
        "slots-0-end": "16:00",
        "slots-1-weekday": "",
        "slots-1-start": "",
        "slots-1-end": "",
    }
    assert step(client, "times", slots).endswith("/urgency/")
    assert step(client, "urgency", {"urgency": "routine"}).endswith("/place/")
    assert step(client, "place", {"postcode": "LS1 1AA"}).endswith("/preferences/")
    assert step(client, "preferences", {"helper_gender_preference": ""}).endswith("/check/")


def test_weekly_need_is_recorded_after_check_your_answers(client, citizen, befriending):
    client.force_login(citizen)
    fill_weekly_need(client, befriending)
    assert not Need.objects.exists()  # nothing is saved until the person sends it
    html = client.get(reverse("need_new_check")).content.decode()
    assert "Check your answers" in html
    assert "Tuesday 14:00 to 16:00" in html
    assert f"{reverse('need_new_step', args=['details'])}?change=1" in html
    response = client.post(reverse("need_new_check"))
    need = Need.objects.get()
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    assert need.owner == citizen and need.category == befriending
    assert need.status == Need.Status.PENDING_REVIEW
    assert [(s.weekday, s.start) for s in need.slots.all()] == [(1, dt.time(14, 0))]
    assert "need_draft" not in client.session


def test_one_off_need_with_a_date(client, citizen, befriending):
    client.force_login(citizen)
    client.get(reverse("need_new"))
    step(client, "category", {"category": befriending.pk})
    step(client, "details", {"title": "Help after my operation", "description": "A visit."})
    assert step(client, "timing", {"timing": "one_off"}).endswith("/date/")
    day = timezone.localdate() + dt.timedelta(days=7)
    bad = client.post(
        reverse("need_new_step", args=["date"]),
        {"day": "31", "month": "2", "year": "2027", "start": "10:00", "end": "09:00"},
    )
    assert "Enter a real date" in bad.content.decode()
    # A two-digit year is asked again in full, not read as the year 27 and called past.
    short = client.post(
        reverse("need_new_step", args=["date"]),
        {"day": day.day, "month": day.month, "year": day.year % 100, "start": "10:00"},
    ).content.decode()
    assert "Enter a real date, for example 27 3 2027." in short and "passed" not in short
    assert step(
        client,
        "date",
        {"day": day.day, "month": day.month, "year": day.year, "start": "10:00", "end": "12:30"},
    ).endswith("/urgency/")
    step(client, "urgency", {"urgency": "soon"})
    step(client, "place", {"postcode": "LS1 1AA"})
    step(client, "preferences", {})
    client.post(reverse("need_new_check"))
    need = Need.objects.get()
    assert need.timing == Need.Timing.ONE_OFF
    assert timezone.localtime(need.starts_at).time() == dt.time(10, 0)
    assert timezone.localtime(need.ends_at).date() == day


def test_check_page_sends_back_to_the_first_unanswered_question(client, citizen):
    client.force_login(citizen)
    client.get(reverse("need_new"))
    response = client.get(reverse("need_new_check"))
    assert response["Location"] == reverse("need_new_step", args=["category"])


def test_refusal_on_send_links_to_the_question_and_saves_nothing(
    client, citizen, befriending, place
):
    client.force_login(citizen)
    fill_weekly_need(client, befriending)
    # Each answer is checked on its own page (tests/frontend/test_need_journey_dead_ends.py);
    # what changes after it was given is refused on sending: here the council switched the
    # kind of help off in the meantime.
    CouncilCategory.objects.create(council=place, category=befriending, enabled=False)
    html = client.post(reverse("need_new_check")).content.decode()
    assert "<title>Error: Check your answers – Kith</title>" in html
    assert "Choose the kind of help you need." in html
    assert f'href="{reverse("need_new_step", args=["category"])}?change=1"' in html
    assert not Need.objects.exists()


def test_slot_rows_report_errors_per_row_and_can_grow_without_javascript(
    client, citizen, befriending
):
    client.force_login(citizen)
    client.get(reverse("need_new"))
    data = {
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "0",
        "slots-0-weekday": "2",
        "slots-0-start": "15:00",
        "slots-0-end": "14:00",
    }
    html = client.post(reverse("need_new_step", args=["times"]), data).content.decode()
    assert "The end time must be after the start time." in html
    assert 'href="#id_slots-0-end"' in html
    data["slots-0-end"] = "16:00"
    data["add_row"] = "1"
    html = client.post(reverse("need_new_step", args=["times"]), data).content.decode()
    assert 'name="slots-TOTAL_FORMS" value="2"' in html
    assert "Time 2" in html


def test_my_needs_makes_a_constant_number_of_queries(
    client, citizen, befriending, moderator, django_assert_num_queries
):
    client.force_login(citizen)
    make.resident_need(owner=citizen, category=befriending, moderator=moderator, title="First")
    client.get(reverse("needs_mine"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("needs_mine"))
    for n in range(4):
        make.resident_need(
            owner=citizen, category=befriending, moderator=moderator, title=f"More {n}"
        )
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(reverse("needs_mine")).content.decode()
    assert html.count('href="/needs/') >= 5


def test_need_page_ranks_helpers_with_reasons_and_no_private_details(
    client, citizen, helper, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert "Helpers we suggest" in html
    assert "Sam" in html
    assert "about 1 to 2 km away" in html.lower()
    assert helper.email not in html and "LS2 2BB" not in html


def test_citizen_asks_a_suggested_helper(client, citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(citizen)
    response = client.post(reverse("need_ask_helper", args=[need.pk]), {"offer": offer.pk})
    match = Match.objects.get()
    assert response["Location"] == reverse("match_detail", args=[match.pk])
    assert match.proposed_by == Match.ProposedBy.CITIZEN and match.citizen_agreed_at


def test_someone_elses_need_is_not_found(client, citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(helper)
    assert client.get(reverse("need_detail", args=[need.pk])).status_code == 404
    assert client.post(reverse("need_withdraw", args=[need.pk])).status_code == 404
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_withdraw_after_confirmation(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.get(reverse("need_withdraw", args=[need.pk])).content.decode()
    assert "Are you sure you no longer need" in html
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN  # a GET changes nothing
    response = client.post(reverse("need_withdraw", args=[need.pk]))
    assert response["Location"] == reverse("needs_mine")
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.closed_reason == "withdrawn"


def test_only_categories_switched_on_in_the_council_are_offered(client, citizen, place):
    lifts = Category.objects.get(slug="lifts")
    CouncilCategory.objects.create(council=place, category=lifts, enabled=False)
    client.force_login(citizen)
    client.get(reverse("need_new"))
    html = client.get(reverse("need_new_step", args=["category"])).content.decode()
    assert "Lifts to appointments" not in html
    assert "Befriending and check-in chats" in html


def test_today_or_tomorrow_for_a_day_next_week_is_refused_on_its_page(client, citizen, befriending):
    client.force_login(citizen)
    client.get(reverse("need_new"))
    step(client, "category", {"category": befriending.pk})
    step(client, "details", {"title": "Help after my operation", "description": "A visit."})
    step(client, "timing", {"timing": "one_off"})
    day = timezone.localdate() + dt.timedelta(days=7)
    step(
        client,
        "date",
        {"day": day.day, "month": day.month, "year": day.year, "start": "10:00", "end": "12:30"},
    )
    html = client.post(
        reverse("need_new_step", args=["urgency"]), {"urgency": "urgent"}
    ).content.decode()
    assert "You said help is needed today or tomorrow, but the day it is needed is later" in html
    assert "govuk-error-summary" in html and 'href="#id_urgency' in html
    assert step(client, "urgency", {"urgency": "soon"}).endswith("/place/")


def test_a_day_changed_to_next_week_after_today_or_tomorrow_is_refused_on_its_page(
    client, citizen, befriending
):
    """From "Check your answers", the day moved to next week while "today or tomorrow" is
    the answer of how soon: said on the date's page, with nothing of the draft changed."""
    client.force_login(citizen)
    client.get(reverse("need_new"))
    step(client, "category", {"category": befriending.pk})
    step(client, "details", {"title": "Help after my operation", "description": "A visit."})
    step(client, "timing", {"timing": "one_off"})
    tomorrow = timezone.localdate() + dt.timedelta(days=1)  # urgent, and never past
    step(
        client,
        "date",
        {
            "day": tomorrow.day,
            "month": tomorrow.month,
            "year": tomorrow.year,
            "start": "10:00",
            "end": "11:00",
        },
    )
    step(client, "urgency", {"urgency": "urgent"})
    later = tomorrow + dt.timedelta(days=7)
    html = client.post(
        reverse("need_new_step", args=["date"]) + "?change=1",
        {
            "day": later.day,
            "month": later.month,
            "year": later.year,
            "start": "10:00",
            "end": "11:00",
        },
    ).content.decode()
    assert "You said help is needed today or tomorrow, but the day it is needed is later" in html
    assert "govuk-error-summary" in html
    draft = client.session["need_draft"]
    assert str(draft["date_fields"]["day"]) == str(tomorrow.day)
