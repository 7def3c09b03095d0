"""An offer's languages and the food its helper can cook, shown on the offer's page and changed
from its "Change" links with the questions asked when recording it; and the names that tell a
helper's offers apart wherever they pick or see them (issue 14, point 15)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from frontend.forms import LanguagesField
from marketplace.models import Category, Offer
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

MONDAY_AND_WEDNESDAY = [(0, dt.time(17), dt.time(19)), (2, dt.time(17), dt.time(19))]
FRIDAY = [(4, dt.time(12), dt.time(13))]


@pytest.fixture
def meals(db):
    return Category.objects.get(slug="hot-meals")


def change_url(offer, part):
    return reverse("offer_change", args=[offer.pk, part])


def detail(client, offer) -> str:
    return client.get(reverse("offer_detail", args=[offer.pk])).content.decode()


def summary_row(html: str, key: str) -> str:
    """The value of the summary list's row `key`, without its markup."""
    match = re.search(
        rf'<dt class="govuk-summary-list__key">{key}</dt>'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        re.S,
    )
    assert match, f"no row {key!r}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_offer_page_shows_languages_and_food_with_change_links(
    client, helper, meals, moderator
):
    offer = make.resident_offer(
        helper=helper,
        category=meals,
        moderator=moderator,
        languages=["English", "pl"],
        dietary_capabilities=["halal", "gluten_free"],
    )
    client.force_login(helper)
    html = detail(client, offer)
    assert summary_row(html, "Languages") == "English, Polish"  # names, not codes
    assert summary_row(html, "Food you can cook") == "Halal, Gluten-free"  # labels, not codes
    for part in ("languages", "food", "title"):
        assert f'href="{change_url(offer, part)}"' in html


def test_food_is_asked_only_for_meals(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = detail(client, offer)
    assert summary_row(html, "Languages") == "None given"
    assert "Food you can cook" not in html and change_url(offer, "food") not in html
    assert client.get(change_url(offer, "food")).status_code == 404


def test_changing_languages_and_food_saves_both_and_every_ticked_box(
    client, helper, meals, moderator
):
    offer = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, languages=["English"]
    )
    client.force_login(helper)
    html = client.get(change_url(offer, "languages")).content.decode()
    assert "<title>Which languages can you help in? – " in html
    assert 'value="English"' in html  # the current answer, ready to change
    response = client.post(
        change_url(offer, "languages"), {"languages": "English, Urdu", "version": offer.version}
    )
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    offer.refresh_from_db()

    html = client.get(change_url(offer, "food")).content.decode()
    assert html.count('type="checkbox"') == 9 and 'type="radio"' not in html
    response = client.post(
        change_url(offer, "food"),
        {"dietary_capabilities": ["vegetarian", "halal"], "version": offer.version},
    )
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.languages == ["English", "Urdu"]
    assert offer.dietary_capabilities == ["vegetarian", "halal"]
    assert offer.status == Offer.Status.OPEN  # neither is public text: no review again
    html = detail(client, offer)
    assert summary_row(html, "Food you can cook") == "Vegetarian, Halal"
    assert summary_row(html, "Languages") == "English, Urdu"

    # The boxes saved come back ticked, and ticking none saves none.
    html = client.get(change_url(offer, "food")).content.decode()
    assert len(re.findall(r'type="checkbox" value="(?:vegetarian|halal)"[^>]* checked', html)) == 2
    client.post(change_url(offer, "food"), {"version": offer.version})
    offer.refresh_from_db()
    assert offer.dietary_capabilities == []


def test_bad_answers_give_a_clear_error_and_save_nothing(client, helper, meals, moderator):
    offer = make.resident_offer(
        helper=helper,
        category=meals,
        moderator=moderator,
        languages=["English"],
        dietary_capabilities=["vegan"],
    )
    client.force_login(helper)
    html = client.post(
        change_url(offer, "food"),
        {"dietary_capabilities": ["halal", "deep_fried"], "version": offer.version},
    ).content.decode()
    assert "<title>Error: " in html and "Choose only from the kinds of food listed." in html
    assert 'href="#id_dietary_capabilities_0"' in html

    # Eleven languages: the service's own rule, shown on the field.
    eleven = ", ".join(f"Language {n}" for n in range(11))
    html = client.post(
        change_url(offer, "languages"), {"languages": eleven, "version": offer.version}
    ).content.decode()
    assert "<title>Error: " in html and "Give at most 10 languages." in html
    assert 'href="#id_languages"' in html and 'id="id_languages-error"' in html

    offer.refresh_from_db()
    assert offer.languages == ["English"] and offer.dietary_capabilities == ["vegan"]
    assert offer.version == 1


def test_another_helper_gets_not_found(client, helper, meals, moderator):
    offer = make.resident_offer(helper=helper, category=meals, moderator=moderator)
    other = make.resident(postcode="LS3 3DD", name="Other")
    client.force_login(other)
    for part in ("languages", "food"):
        assert client.get(change_url(offer, part)).status_code == 404
    response = client.post(
        change_url(offer, "food"), {"dietary_capabilities": ["halal"], "version": offer.version}
    )
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.dietary_capabilities == []


def test_two_offers_of_one_kind_are_told_apart(client, citizen, helper, meals, moderator):
    evenings = make.resident_offer(
        helper=helper,
        category=meals,
        moderator=moderator,
        radius_m=2000,
        slots=MONDAY_AND_WEDNESDAY,
    )
    lunches = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, radius_m=500, slots=FRIDAY
    )
    named = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, title="Sunday roast"
    )
    evening_label = "Hot meals – Mondays and Wednesdays, within 2 km"
    lunch_label = "Hot meals – Fridays, within 500 metres"
    need = make.resident_need(owner=citizen, category=meals, moderator=moderator)
    client.force_login(helper)

    pages = {
        "Helping": reverse("helping"),
        "Home": reverse("dashboard"),
        "Needs near you": reverse("needs_near"),
        "Offer to help": reverse("need_for_helper", args=[need.pk]),
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        for label in (evening_label, lunch_label, "Sunday roast"):
            assert label in html, (name, label)
    html = client.get(reverse("need_for_helper", args=[need.pk])).content.decode()
    assert f'for="offer-{lunches.pk}">{lunch_label}</label>' in html
    assert evening_label in detail(client, evenings)
    # The one function that makes the label, on the model.
    assert (evenings.label(), lunches.label(), named.label()) == (
        evening_label,
        lunch_label,
        "Sunday roast",
    )


def test_the_helper_renames_an_offer(client, helper, meals, moderator):
    offer = make.resident_offer(helper=helper, category=meals, moderator=moderator)
    client.force_login(helper)
    client.post(change_url(offer, "title"), {"title": "Curry nights", "version": offer.version})
    offer.refresh_from_db()
    assert offer.title == "Curry nights"
    html = client.get(reverse("helping")).content.decode()
    assert "Curry nights" in html


def test_a_one_off_time_written_as_people_write_it_is_read():
    from frontend.forms import OneOffForm

    # A year ahead: the form also refuses a time already past.
    year = str(dt.datetime.now(tz=dt.UTC).year + 1)
    form = OneOffForm({"day": "7", "month": "12", "year": year, "start": "2pm", "end": "4.30pm"})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["start_time"], form.cleaned_data["end_time"]) == (
        dt.time(14),
        dt.time(16, 30),
    )


def test_a_language_typed_twice_is_kept_once():
    field = LanguagesField(required=False)
    assert field.clean("English, ENGLISH, english , Pwyleg, pl") == ["English", "Polish"]


def test_offers_alike_but_for_their_place_are_told_apart_where_the_helper_picks(
    client, citizen, helper, meals, moderator
):
    """Two offers of one kind, days and distance, from two postcodes (and a third just like
    the second): where the helper picks one, each is named with where it is offered from,
    and a number where even that is the same."""
    at_home = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, slots=FRIDAY, postcode="LS1 1AA"
    )
    at_work = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, slots=FRIDAY, postcode="LS2 2BB"
    )
    again = make.resident_offer(
        helper=helper, category=meals, moderator=moderator, slots=FRIDAY, postcode="LS2 2BB"
    )
    assert at_home.label() == at_work.label() == again.label()
    need = make.resident_need(owner=citizen, category=meals, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("need_for_helper", args=[need.pk])).content.decode()
    label = at_home.label()
    assert f'for="offer-{at_home.pk}">{label}, from LS1 1AA</label>' in html
    # The two from LS2 2BB are numbered in the order the page lists them (newest first).
    assert f'for="offer-{again.pk}">{label}, from LS2 2BB (1)</label>' in html
    assert f'for="offer-{at_work.pk}">{label}, from LS2 2BB (2)</label>' in html
    near = client.get(reverse("needs_near")).content.decode()
    assert f"{label}, from LS1 1AA" in near and f"{label}, from LS2 2BB (2)" in near
