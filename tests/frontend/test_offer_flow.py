"""Recording an offer one question per page: each page and its bad input, "Check your
answers" with its Change links, the one service call at the end and its refusals, the
confirmation, and who may use the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.services import person_update_profile
from marketplace.models import Category, CouncilCategory, Offer
from tests.kit import factories as make
from tests.kit.web import NO_TIMES, answer_offer_questions, offer_step

pytestmark = pytest.mark.django_db


def step_url(step, *, change=False):
    return reverse("offer_new_step", args=[step]) + ("?change=1" if change else "")


CHECK = "/offers/new/check/"


def test_start_url_and_page_order(client, helper, befriending):
    client.force_login(helper)
    assert client.get(reverse("offer_new"))["Location"] == step_url("category")
    assert reverse("offer_new_check") == CHECK
    order = [
        ("category", {"category": befriending.pk}, "about"),
        ("about", {"description": "Happy to chat."}, "place"),
        ("place", {"postcode": "LS2 2BB"}, "distance"),
        ("distance", {"radius_m": "2000"}, "times"),
        ("times", NO_TIMES, "capacity"),
        ("capacity", {"capacity": "2"}, "languages"),
    ]
    for step, data, following in order:
        html = client.get(step_url(step)).content.decode()
        assert 'class="govuk-back-link"' in html and "Offer help" in html
        assert offer_step(client, step, data) == step_url(following)
    # Befriending is not a meal: no question about food.
    assert offer_step(client, "languages", {"languages": ""}) == CHECK
    assert client.get(step_url("food"))["Location"] == CHECK


def test_offer_is_recorded_only_after_check_your_answers(client, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(
        client,
        befriending,
        about={"title": "Tea and a chat", "description": "Retired teacher, happy to listen."},
        distance={"radius_m": "5000"},
        times={
            "slots-TOTAL_FORMS": "2",
            "slots-INITIAL_FORMS": "0",
            "slots-0-weekday": "1",
            "slots-0-start": "13:00",
            "slots-0-end": "17:00",
        },
        capacity={"capacity": "2"},
        languages={"languages": "English, Polish"},
    )
    assert not Offer.objects.exists()  # nothing is saved until the helper sends it
    html = client.get(CHECK).content.decode()
    assert "<title>Check your answers – Kith</title>" in html
    for shown in (
        "Befriending and check-in chats",
        "Tea and a chat",
        "Retired teacher, happy to listen.",
        "LS2 2BB",
        "Up to 5 km",
        "Tuesday 13:00 to 17:00",
        "English, Polish",
    ):
        assert shown in html, shown
    for step in ("category", "about", "place", "distance", "times", "capacity", "languages"):
        assert f'href="{step_url(step, change=True)}"' in html, step
    assert step_url("food", change=True) not in html
    # Befriending needs an ID check this helper does not have yet: the page says so.
    assert "the council needs to check your ID" in html

    response = client.post(CHECK)
    offer = Offer.objects.get()
    assert response["Location"] == reverse("offer_new_done", args=[offer.pk])
    assert (offer.helper, offer.category, offer.title) == (helper, befriending, "Tea and a chat")
    assert offer.description == "Retired teacher, happy to listen."
    assert (offer.postcode, offer.radius_m, offer.capacity) == ("LS2 2BB", 5000, 2)
    assert offer.languages == ["English", "Polish"] and offer.dietary_capabilities == []
    assert [(s.weekday, s.start, s.end) for s in offer.slots.all()] == [
        (1, dt.time(13), dt.time(17))
    ]
    assert offer.status == Offer.Status.PENDING_REVIEW
    assert "offer_draft" not in client.session

    html = client.get(response["Location"]).content.decode()
    assert "govuk-panel--confirmation" in html and "Offer sent" in html
    assert "Council staff will check your offer" in html
    assert "the council needs to check your ID" in html
    assert f'href="{reverse("offer_detail", args=[offer.pk])}"' in html
    # Sending again does not record a second offer: the answers are gone.
    assert client.post(CHECK)["Location"] == step_url("category")
    assert Offer.objects.count() == 1


def test_no_times_means_any_time(client, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    assert "Any time" in client.get(CHECK).content.decode()
    client.post(CHECK)
    assert not Offer.objects.get().slots.exists()


def test_answers_start_from_the_helpers_own_details(client, helper, befriending):
    person_update_profile(user=helper, display_name="Sam", preferred_languages=["Welsh"], gender="")
    client.force_login(helper)
    client.get(reverse("offer_new"))
    place = client.get(step_url("place")).content.decode()
    assert 'value="LS2 2BB"' in place  # their home postcode, to keep or change
    assert "Where will you help from?" in place
    assert 'value="Welsh"' in client.get(step_url("languages")).content.decode()
    assert 'value="1"' in client.get(step_url("capacity")).content.decode()
    # A postcode typed in wins, and is shown again when the page is visited again.
    offer_step(client, "place", {"postcode": "ls3 3dd"})
    assert 'value="LS3 3DD"' in client.get(step_url("place")).content.decode()


def test_kinds_of_help_say_which_checks_they_need(client, helper, moderator):
    client.force_login(helper)
    client.get(reverse("offer_new"))
    html = client.get(step_url("category")).content.decode()
    lifts = Category.objects.get(slug="lifts")
    walking = Category.objects.get(slug="dog-walking")
    assert (
        "A lift to the doctor, hospital or another appointment. Regulated activity: needs an "
        "ID check and an enhanced DBS check." in html
    )
    assert "A regular chat, in person or on the phone. Needs an ID check." in html
    # Dog walking needs no checks: its hint is its description alone.
    assert walking.required_level == 0 and "Walking a dog when its owner cannot.</div>" in html
    # Each hint is tied to its radio for screen readers.
    position = list(Category.objects.filter(is_active=True)).index(lifts)
    assert f'aria-describedby="id_category_{position}-item-hint"' in html
    assert f'id="id_category_{position}-item-hint"' in html

    # A helper whose ID has been checked is no longer told they need an ID check.
    make.record_check(helper=helper, actor=moderator)
    html = client.get(step_url("category")).content.decode()
    assert "Needs an ID check." not in html
    assert "Regulated activity: needs an ID check and an enhanced DBS check." in html


def test_regulated_activity_is_explained_before_sending(client, helper):
    lifts = Category.objects.get(slug="lifts")
    client.force_login(helper)
    answer_offer_questions(client, lifts)
    html = client.get(CHECK).content.decode()
    assert "Lifts to appointments is regulated activity" in html
    assert "enhanced DBS check" in html and "barred from working with adults" in html
    client.post(CHECK)
    offer = Offer.objects.get()
    html = client.get(reverse("offer_new_done", args=[offer.pk])).content.decode()
    assert "Lifts to appointments is regulated activity" in html


def test_food_is_asked_only_for_meals(client, helper):
    meals = Category.objects.get(slug="hot-meals")
    client.force_login(helper)
    client.get(reverse("offer_new"))
    offer_step(client, "category", {"category": meals.pk})
    for step, data in [
        ("about", {"description": "A spare portion of stew most evenings."}),
        ("place", {"postcode": "LS2 2BB"}),
        ("distance", {"radius_m": "1000"}),
        ("times", NO_TIMES),
        ("capacity", {"capacity": "1"}),
    ]:
        offer_step(client, step, data)
    assert offer_step(client, "languages", {"languages": ""}) == step_url("food")
    html = client.get(step_url("food")).content.decode()
    assert "Which of these can you cook? (optional)" in html and "Vegetarian" in html
    assert offer_step(client, "food", {"dietary_capabilities": ["vegetarian", "halal"]}) == CHECK
    html = client.get(CHECK).content.decode()
    assert "Food you can cook" in html and "Vegetarian, Halal" in html
    assert f'href="{step_url("food", change=True)}"' in html
    client.post(CHECK)
    assert Offer.objects.get().dietary_capabilities == ["vegetarian", "halal"]


def test_change_links_come_back_to_check_your_answers(client, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    html = client.get(step_url("capacity", change=True)).content.decode()
    assert f'<a href="{CHECK}" class="govuk-back-link">' in html
    assert offer_step(client, "capacity", {"capacity": "4"}, change=True) == CHECK
    assert offer_step(client, "place", {"postcode": "LS3 3DD"}, change=True) == CHECK
    html = client.get(CHECK).content.decode()
    assert "LS3 3DD" in html
    client.post(CHECK)
    offer = Offer.objects.get()
    assert (offer.capacity, offer.postcode) == (4, "LS3 3DD")


def test_changing_to_a_meal_asks_about_food_then_comes_back(client, helper, befriending):
    meals = Category.objects.get(slug="hot-meals")
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    following = offer_step(client, "category", {"category": meals.pk}, change=True)
    assert following == step_url("food", change=True)
    assert client.get(CHECK)["Location"] == step_url("food")  # cannot skip it
    assert offer_step(client, "food", {"dietary_capabilities": ["vegan"]}, change=True) == CHECK
    assert "Vegan" in client.get(CHECK).content.decode()
    # And back to a kind of help that is not a meal: the food answer is not sent.
    assert offer_step(client, "category", {"category": befriending.pk}, change=True) == CHECK
    html = client.get(CHECK).content.decode()
    assert "Food you can cook" not in html
    client.post(CHECK)
    offer = Offer.objects.get()
    assert offer.category == befriending and offer.dietary_capabilities == []


BAD_INPUT = [
    ("category", {}, "Choose what you can help with.", "id_category_0"),
    ("category", {"category": "999999"}, "Select a valid choice.", "id_category_0"),
    (
        "about",
        {"title": "Tea", "description": ""},
        "Tell people about the help you can give.",
        "id_description",
    ),
    (
        "about",
        {"title": "x" * 81, "description": "Tea."},
        "Keep it to 80 characters or fewer.",
        "id_title",
    ),
    (
        "about",
        {"description": "x" * 2001},
        "Keep it to 2,000 characters or fewer.",
        "id_description",
    ),
    ("place", {"postcode": ""}, "Enter the postcode you will help from.", "id_postcode"),
    (
        "place",
        {"postcode": "not a postcode"},
        "Enter a real postcode.",
        "id_postcode",
    ),
    # Real in form but not one Kith knows: said on its page, not only at "Send offer".
    ("place", {"postcode": "SW1A 1AA"}, "could not find the postcode SW1A 1AA", "id_postcode"),
    ("distance", {}, "Choose how far you can travel.", "id_radius_m_0"),
    ("distance", {"radius_m": "900000"}, "Select a valid choice.", "id_radius_m_0"),
    (
        "times",
        {**NO_TIMES, "slots-0-weekday": "2", "slots-0-start": "15:00", "slots-0-end": "14:00"},
        "The end time must be after the start time.",
        "id_slots-0-end",
    ),
    (
        "times",
        {**NO_TIMES, "slots-0-start": "09:00", "slots-0-end": "10:00"},
        "Choose a day for this time.",
        "id_slots-0-weekday",
    ),
    (
        "capacity",
        {"capacity": ""},
        "Enter how many people you could help at the same time.",
        "id_capacity",
    ),
    ("capacity", {"capacity": "lots"}, "Enter a number, like 1 or 2.", "id_capacity"),
    ("capacity", {"capacity": "0"}, "Enter a number from 1 to 20.", "id_capacity"),
    ("capacity", {"capacity": "21"}, "Enter a number from 1 to 20.", "id_capacity"),
    ("languages", {"languages": "x" * 201}, "Keep it to 200 characters or fewer.", "id_languages"),
]


@pytest.mark.parametrize(("step", "data", "message", "anchor"), BAD_INPUT)
def test_bad_input_shows_the_error_summary_and_saves_nothing(
    client, helper, befriending, step, data, message, anchor
):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    before = dict(client.session["offer_draft"])
    response = client.post(step_url(step, change=True), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert message in html
    assert f'href="#{anchor}"' in html  # the summary links to the field
    assert f'id="{anchor}"' in html
    assert "govuk-error-message" in html  # and the message is shown by the field too
    assert client.session["offer_draft"] == before
    assert not Offer.objects.exists()


def test_bad_food_choice_for_a_meal(client, helper):
    meals = Category.objects.get(slug="hot-meals")
    client.force_login(helper)
    answer_offer_questions(client, meals)
    html = client.post(step_url("food"), {"dietary_capabilities": ["caviar"]}).content.decode()
    assert "govuk-error-summary" in html and 'href="#id_dietary_capabilities_0"' in html
    assert client.session["offer_draft"]["dietary_capabilities"] == []


def test_more_times_rows_without_javascript(client, helper, befriending):
    client.force_login(helper)
    client.get(reverse("offer_new"))
    data = {
        **NO_TIMES,
        "slots-0-weekday": "3",
        "slots-0-start": "10:00",
        "slots-0-end": "12:00",
        "add_row": "1",
    }
    html = client.post(step_url("times"), data).content.decode()
    assert 'name="slots-TOTAL_FORMS" value="2"' in html and "Time 2" in html
    assert "When are you free each week?" in html
    assert "slots" not in client.session["offer_draft"]  # not an answer yet


def test_check_page_asks_the_first_unanswered_question(client, helper, befriending):
    client.force_login(helper)
    client.get(reverse("offer_new"))
    assert client.get(CHECK)["Location"] == step_url("category")
    offer_step(client, "category", {"category": befriending.pk})
    offer_step(client, "about", {"description": "Tea."})
    assert client.get(CHECK)["Location"] == step_url("place")
    assert client.post(CHECK)["Location"] == step_url("place")
    assert not Offer.objects.exists()


def test_starting_again_forgets_half_finished_answers(client, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    # The answers kept are offered back first; "Start again" forgets them.
    assert "Carry on where you left off?" in client.get(reverse("offer_new")).content.decode()
    client.get(reverse("offer_new") + "?fresh=1")
    assert client.session["offer_draft"] == {}
    assert client.get(CHECK)["Location"] == step_url("category")


def test_the_old_one_page_form_saves_nothing(client, helper, befriending):
    """A form posted to the old one-page address starts the questions instead."""
    client.force_login(helper)
    response = client.post(
        reverse("offer_new"),
        {
            "category": befriending.pk,
            "description": "Happy to chat.",
            "radius_m": "2000",
            "capacity": "2",
            "postcode": "LS2 2BB",
        },
    )
    assert response["Location"] == step_url("category")
    assert not Offer.objects.exists()


def test_unknown_page_is_not_found(client, helper):
    client.force_login(helper)
    assert client.get(step_url("no-such-step")).status_code == 404


# --- Refusals of the service, shown on "Check your answers" --------------------------------------
def _refused(client, step):
    response = client.post(CHECK)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Check your answers – Kith</title>" in html
    assert f'<a href="{step_url(step, change=True)}">' in html
    assert not Offer.objects.exists()
    assert "offer_draft" in client.session  # the answers are kept to change
    return html


def test_contact_details_are_refused_on_the_page_they_are_typed_on(client, helper, befriending):
    """A phone number in the words is refused on the "about" page itself, linked to the words,
    not only when the answers are sent; the words typed again go through."""
    client.force_login(helper)
    client.get(reverse("offer_new"))
    offer_step(client, "category", {"category": befriending.pk})
    response = client.post(
        reverse("offer_new_step", args=["about"]),
        {"title": "", "description": "Ring me on 07700 900123 any time"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'href="#id_description"' in html
    assert "Please take out phone numbers and email addresses." in html
    answer_offer_questions(client, befriending, about={"description": "Happy to chat."})
    assert client.post(CHECK).status_code == 302
    assert Offer.objects.get().description == "Happy to chat."


def test_postcode_outside_every_council_is_refused_on_its_page(client, helper, befriending):
    """Said where the postcode is asked (the check recording the offer makes), not only at
    "Send offer"; the answer is not kept."""
    client.force_login(helper)
    client.get(reverse("offer_new"))
    response = client.post(step_url("place"), {"postcode": "BT1 1AA"})
    html = response.content.decode()
    assert response.status_code == 200 and "Kith is not available in your area yet." in html
    assert 'href="#id_postcode"' in html
    assert client.session.get("offer_draft", {}).get("postcode") != "BT1 1AA"


def test_distance_beyond_the_councils_limit_is_refused(client, place, helper, befriending):
    place.max_travel_radius_m = 1000
    place.save(update_fields=["max_travel_radius_m"])
    client.force_login(helper)
    answer_offer_questions(client, befriending, distance={"radius_m": "5000"})
    assert "no further than 1 km" in _refused(client, "distance")


def test_a_kind_of_help_switched_off_meanwhile_is_refused(client, place, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    CouncilCategory.objects.create(council=place, category=befriending, enabled=False)
    html = _refused(client, "category")
    assert "not offered at the moment" in html
    assert "Befriending and check-in chats" not in client.get(step_url("category")).content.decode()


def test_verified_helper_in_a_council_that_publishes_at_once(
    client, place, helper, befriending, moderator
):
    place.auto_approve_verified_helpers = True
    place.save(update_fields=["auto_approve_verified_helpers"])
    make.record_check(helper=helper, actor=moderator)
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    assert "needs to check your ID" not in client.get(CHECK).content.decode()
    client.post(CHECK)
    offer = Offer.objects.get()
    assert offer.status == Offer.Status.OPEN
    html = client.get(reverse("offer_new_done", args=[offer.pk])).content.decode()
    assert "<title>Your offer is open – Kith</title>" in html
    assert "can now be matched with you" in html and "Council staff will check" not in html


# --- Who may use the pages ----------------------------------------------------------------------
FLOW_URLS = [reverse("offer_new"), step_url("category"), step_url("times"), CHECK]


@pytest.mark.parametrize("url", FLOW_URLS)
def test_anonymous_people_are_sent_to_sign_in(client, url):
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not Offer.objects.exists()


@pytest.mark.parametrize("url", FLOW_URLS)
def test_staff_without_a_home_are_asked_to_set_one_up_first(client, moderator, url):
    """As with recording a need: the pages are for people with a home postcode."""
    client.force_login(moderator)
    for method in (client.get, client.post):
        assert method(url)["Location"] == reverse("start_role")
    assert not Offer.objects.exists()


def test_someone_elses_confirmation_is_not_found(client, place, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(client, befriending)
    client.post(CHECK)
    offer = Offer.objects.get()
    other = make.resident(postcode="LS1 1AA", name="Olive")
    client.force_login(other)
    assert client.get(reverse("offer_new_done", args=[offer.pk])).status_code == 404
    assert client.get(CHECK)["Location"] == step_url("category")  # answers are per person
