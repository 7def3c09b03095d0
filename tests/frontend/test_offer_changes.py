"""Changing an offer after recording it: what it says, how far the helper travels and how many
people at once, each from a "Change" link on the offer's page."""

import pytest
from django.urls import reverse

from marketplace.models import Offer
from marketplace.services import offer_close, offer_pause
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

REVIEW_AGAIN = "Your offer will be checked again by the council before people see it."


def change_url(offer, part):
    return reverse("offer_change", args=[offer.pk, part])


def test_offer_page_links_to_each_change(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("offer_detail", args=[offer.pk])).content.decode()
    for part in ("about", "distance", "capacity"):
        assert f'href="{change_url(offer, part)}"' in html


def test_changing_what_an_open_offer_says_warns_then_sends_it_to_review(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(change_url(offer, "about")).content.decode()
    assert "<title>Tell people about the help you can give – " in html
    assert 'class="govuk-back-link"' in html and REVIEW_AGAIN in html
    response = client.post(
        change_url(offer, "about"), {"description": "Tea and cake.", "version": offer.version}
    )
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.description == "Tea and cake." and offer.status == Offer.Status.PENDING_REVIEW


def test_a_paused_offer_is_checked_when_started_again(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    offer_pause(actor=helper, offer=offer)
    offer.refresh_from_db()
    client.force_login(helper)
    html = client.get(change_url(offer, "about")).content.decode()
    assert "When you start your offer again, the council will check it" in html


def test_distance_and_capacity_change_without_review(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    assert REVIEW_AGAIN not in client.get(change_url(offer, "distance")).content.decode()
    client.post(change_url(offer, "distance"), {"radius_m": "1000", "version": offer.version})
    offer.refresh_from_db()
    client.post(change_url(offer, "capacity"), {"capacity": "3", "version": offer.version})
    offer.refresh_from_db()
    assert (offer.radius_m, offer.capacity, offer.status) == (1000, 3, Offer.Status.OPEN)


def test_bad_answers_show_the_error_summary_and_save_nothing(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.post(
        change_url(offer, "capacity"), {"capacity": "40", "version": offer.version}
    ).content.decode()
    assert "<title>Error: " in html and "Enter a number from 1 to 20." in html
    html = client.post(
        change_url(offer, "about"),
        {"description": "Email me at sam@example.com", "version": offer.version},
    ).content.decode()
    assert "govuk-error-summary" in html and 'href="#id_description"' in html
    offer.refresh_from_db()
    assert offer.capacity == 1 and offer.description == "Happy to chat over a cup of tea."
    assert offer.status == Offer.Status.OPEN


def test_other_people_get_not_found_and_closed_offers_cannot_change(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    assert client.get(change_url(offer, "about")).status_code == 302  # sign in first
    other = make.resident(postcode="LS3 3DD", name="Other")
    client.force_login(other)
    assert client.get(change_url(offer, "about")).status_code == 404
    assert (
        client.post(change_url(offer, "capacity"), {"capacity": "5", "version": offer.version})
    ).status_code == 404
    client.force_login(helper)
    assert client.get(change_url(offer, "colour")).status_code == 404
    offer_close(actor=helper, offer=offer)
    response = client.post(change_url(offer, "capacity"), {"capacity": "5", "version": 9})
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.capacity == 1


def test_a_distance_the_list_does_not_have_is_shown_chosen_and_can_be_kept(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    Offer.objects.filter(pk=offer.pk).update(radius_m=3000)  # recorded through the API
    offer.refresh_from_db()
    client.force_login(helper)
    html = client.get(change_url(offer, "distance")).content.decode()
    assert "Up to 3 km" in html
    radio = html.split('value="3000"', 1)[1].split(">", 1)[0]
    assert "checked" in radio
    kept = client.post(
        change_url(offer, "distance"), {"radius_m": "3000", "version": offer.version}
    )
    assert kept.status_code == 302
    offer.refresh_from_db()
    assert offer.radius_m == 3000
