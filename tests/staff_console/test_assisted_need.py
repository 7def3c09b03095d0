"""Recording a need for someone who is not online (assisted digital) asks what the person
would be asked on their own form: every week or once, the weekly times or the date and
times, how soon, a helper's gender, food for meals and languages. Everything goes to the
same service as the citizen's own form, so its rules and messages are the same, and a wrong
answer saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.availability import validate_slots
from marketplace.models import Category, Need
from tests.kit import factories as make
from tests.kit.factories import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(home_council):
    make.PostcodeFactory(postcode="LS1 4AP")
    return make.person(
        council=home_council,
        display_name="Edna Offline",
        home_postcode="LS1 4AP",
        preferred_languages=["English"],
    )


def url_for(person) -> str:
    return reverse("staff:assisted_need", args=[person.pk])


def slot_data(*rows: tuple[str, str, str], total: int = 3) -> dict:
    """The weekly-times rows as a browser posts them: (day number, from, until), then empty
    rows up to `total`."""
    data = {
        "slots-TOTAL_FORMS": str(total),
        "slots-INITIAL_FORMS": str(total),
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "21",
    }
    for i in range(total):
        weekday, start, end = rows[i] if i < len(rows) else ("", "", "")
        data |= {f"slots-{i}-weekday": weekday, f"slots-{i}-start": start, f"slots-{i}-end": end}
    return data


def answers(category: Category, **extra) -> dict:
    return {
        "category": category.pk,
        "title": "A hot dinner",
        "description": "Would like a hot meal brought round in the week.",
        "urgency": "soon",
        "consent": "on",
        "consent_note": "By phone, 3 March",
        **slot_data(),
        **extra,
    }


def nothing_saved() -> bool:
    return (
        not Need.objects.exists()
        and not AuditEvent.objects.filter(verb="need.recorded_on_behalf").exists()
    )


# --- The page asks the same questions ----------------------------------------------------------
def test_the_page_asks_what_the_person_would_be_asked(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    page = client.get(url_for(person)).content.decode()
    for question in (
        "How often do they need help?",
        "When do they need help each week?",
        "When do they need help?",
        "How soon do they need help?",
        "Would they prefer a helper of a particular gender?",
        "Does their food need to be any of these?",
        "Which languages do they speak?",
    ):
        assert question in page
    # Choose all that apply: checkboxes, each one its own box, with a hint about meals.
    assert page.count('type="checkbox" value="') >= 9
    assert 'name="dietary_requirements" type="radio"' not in page
    assert "Only for help with meals (Hot meals" in page
    # Three empty rows of weekly times, and the date of a one-off need.
    assert 'name="slots-2-weekday"' in page and 'name="once-day"' in page
    assert 'data-aria-controls="conditional-timing-weekly"' in page
    # Their languages as they gave them.
    assert 'value="English"' in page


# --- Weekly -------------------------------------------------------------------------------------
def test_weekly_need_with_two_times_food_and_a_helper_preference(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    hot_meals = Category.objects.get(slug="hot-meals")
    response = client.post(
        url_for(person),
        {
            **answers(hot_meals, timing="weekly"),
            **slot_data(("1", "17:00", "18:30"), ("3", "12:00", "13:00")),
            "dietary_requirements": ["halal", "soft_food"],
            "helper_gender_preference": "woman",
            "languages": "English, Urdu",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    need = Need.objects.get()
    assert need.owner == person and need.recorded_by == safeguarding_lead
    assert need.category == hot_meals and need.timing == Need.Timing.WEEKLY
    assert [(s.weekday, s.start, s.end) for s in need.slots.order_by("weekday")] == [
        (1, dt.time(17, 0), dt.time(18, 30)),
        (3, dt.time(12, 0), dt.time(13, 0)),
    ]
    assert sorted(need.dietary_requirements) == ["halal", "soft_food"]
    assert need.helper_gender_preference == "woman"
    assert need.languages == ["English", "Urdu"]
    assert need.urgency == "soon"
    assert need.starts_at is None and need.ends_at is None

    # Staff see what they recorded on the need's page.
    detail = client.get(reverse("staff:assisted_need_detail", args=[need.pk])).content.decode()
    assert "Tuesday, 17:00 to 18:30" in detail and "Thursday, 12:00 to 13:00" in detail
    assert "Halal, Soft food" in detail and "A woman" in detail and "English, Urdu" in detail


def test_food_is_left_out_for_help_that_is_not_a_meal(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    befriending = Category.objects.get(slug="befriending")
    response = client.post(
        url_for(person),
        {
            **answers(befriending, timing="weekly", title="A weekly chat"),
            "dietary_requirements": ["vegan"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    need = Need.objects.get()
    assert need.dietary_requirements == [] and need.slots.count() == 0  # any time


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ((("1", "10:00", "12:00"), ("1", "11:00", "13:00")), None),  # overlap
        ((("2", "14:00", "13:00"),), "slots-0-end"),  # ends before it starts
    ],
)
def test_wrong_weekly_times_show_the_citizens_error_and_save_nothing(
    client, safeguarding_lead, person, rows, field
):
    client.force_login(safeguarding_lead)
    response = client.post(
        url_for(person),
        {
            **answers(Category.objects.get(slug="hot-meals"), timing="weekly"),
            **slot_data(*rows),
            "dietary_requirements": ["halal", "vegan"],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    if field is None:
        # The marketplace's own words, as the citizen's form shows them.
        with pytest.raises(ApplicationError) as refused:
            validate_slots([(1, dt.time(10), dt.time(12)), (1, dt.time(11), dt.time(13))])
        message = refused.value.message
        assert message == (
            "Tuesday 10:00–12:00 and Tuesday 11:00–13:00 overlap. Join them into one time or "
            "change one of them."
        )
        assert 'id="slots-error"' in page
        assert '<a href="#id_slots-0-weekday">' in page
    else:
        message = "The end time must be after the start time."  # frontend.forms.SlotRowForm
        assert f'<a href="#id_{field}">{message}</a>' in page
        assert f'id="id_{field}-error"' in page
    assert message in page
    assert "There is a problem" in page
    # What was typed stays on the page, boxes ticked included.
    assert 'value="halal" checked' in page and 'value="vegan" checked' in page
    assert nothing_saved()


def test_add_another_time_keeps_what_was_typed_and_saves_nothing(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    response = client.post(
        url_for(person),
        {
            **answers(Category.objects.get(slug="hot-meals"), timing="weekly"),
            **slot_data(("0", "09:00", "10:00"), ("4", "09:00", "10:00"), ("5", "9am", "10am")),
            "add_row": "1",
            "consent": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="slots-3-weekday"' in page and 'name="slots-4-weekday"' not in page
    assert 'value="A hot dinner"' in page
    assert "There is a problem" not in page  # consent is asked for only on recording
    assert nothing_saved()


# --- Once ---------------------------------------------------------------------------------------
def when(days: int = 10) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def date_data(day: dt.date, start: str, end: str) -> dict:
    return {
        "once-day": str(day.day),
        "once-month": str(day.month),
        "once-year": str(day.year),
        "once-start": start,
        "once-end": end,
    }


def test_one_off_need_with_a_date_and_times(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    day = when()
    response = client.post(
        url_for(person),
        {
            **answers(Category.objects.get(slug="befriending"), timing="one_off"),
            # Rows typed before choosing "just once" are not saved.
            **slot_data(("1", "10:00", "12:00")),
            **date_data(day, "14:00", "16:30"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    need = Need.objects.get()
    assert need.timing == Need.Timing.ONE_OFF
    assert timezone.localtime(need.starts_at) == timezone.make_aware(
        dt.datetime.combine(day, dt.time(14, 0))
    )
    assert timezone.localtime(need.ends_at) == timezone.make_aware(
        dt.datetime.combine(day, dt.time(16, 30))
    )
    assert need.slots.count() == 0


@pytest.mark.parametrize(
    ("days", "start", "end", "field", "message"),
    [
        (10, "14:00", "13:00", "once-end", "The end time must be after the start time."),
        (-3, "14:00", "15:00", "once-day", "The time needed has already passed."),
    ],
)
def test_wrong_one_off_times_show_a_clear_error_and_save_nothing(
    client, safeguarding_lead, person, days, start, end, field, message
):
    client.force_login(safeguarding_lead)
    response = client.post(
        url_for(person),
        {
            **answers(Category.objects.get(slug="befriending"), timing="one_off"),
            **date_data(when(days), start, end),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<a href="#id_{field}">{message}</a>' in page
    assert f'id="id_{field}-error"' in page
    assert nothing_saved()


def test_how_often_must_be_answered(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    response = client.post(url_for(person), answers(Category.objects.get(slug="befriending")))
    assert response.status_code == 400
    assert '<a href="#id_timing_0">Choose every week or just once.</a>' in (
        response.content.decode()
    )
    assert nothing_saved()


# --- Who may ------------------------------------------------------------------------------------
def test_only_staff_who_may_record_needs_for_people_can(client, home_council, person):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, lives_here=True)
    client.force_login(moderator)
    data = {
        **answers(Category.objects.get(slug="hot-meals"), timing="weekly"),
        **slot_data(("1", "17:00", "18:30")),
        "dietary_requirements": ["halal"],
    }
    assert client.get(url_for(person)).status_code == 403
    assert client.post(url_for(person), data).status_code == 403
    assert nothing_saved()

    client.force_login(person)
    assert client.post(url_for(person), data).status_code == 403
    assert nothing_saved()


def test_an_answer_not_on_the_list_is_refused_on_its_question(client, safeguarding_lead, person):
    client.force_login(safeguarding_lead)
    response = client.post(
        url_for(person),
        {
            **answers(Category.objects.get(slug="hot-meals"), timing="weekly", urgency="someday"),
            "dietary_requirements": ["halal", "raw_fish"],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_urgency_0">' in page
    assert (
        '<a href="#id_dietary_requirements_0">Choose only from the kinds of food listed.</a>'
        in (page)
    )
    assert nothing_saved()
