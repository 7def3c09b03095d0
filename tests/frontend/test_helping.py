"""A helper's pages: recording an offer, the weekly availability editor, needs near me (list
and map data), offering to help, pausing and alert preferences."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.models import Need, Offer
from matching.models import AlertPreference, Match
from matching.services import match_request
from tests.kit import factories as make
from tests.kit.web import answer_offer_questions

pytestmark = pytest.mark.django_db


def test_offer_then_weekly_times(client, helper, befriending):
    client.force_login(helper)
    answer_offer_questions(
        client, befriending, distance={"radius_m": "2000"}, capacity={"capacity": "2"}
    )
    response = client.post(reverse("offer_new_check"))
    offer = Offer.objects.get()
    assert response["Location"] == reverse("offer_new_done", args=[offer.pk])
    assert offer.radius_m == 2000 and offer.capacity == 2
    assert offer.status == Offer.Status.PENDING_REVIEW
    assert not offer.slots.exists()  # "any time" until the helper gives times

    rows = {
        "version": offer.version,
        "slots-TOTAL_FORMS": "3",
        "slots-INITIAL_FORMS": "0",
        "slots-0-weekday": "0",
        "slots-0-start": "09:00",
        "slots-0-end": "12:00",
        "slots-1-weekday": "0",
        "slots-1-start": "11:00",
        "slots-1-end": "13:00",
        "slots-2-weekday": "",
        "slots-2-start": "",
        "slots-2-end": "",
    }
    html = client.post(reverse("offer_availability", args=[offer.pk]), rows).content.decode()
    assert "overlap" in html and "govuk-error-summary" in html
    assert not offer.slots.exists()  # nothing half-saved
    rows["slots-1-weekday"] = "4"
    response = client.post(reverse("offer_availability", args=[offer.pk]), rows)
    assert response["Location"] == reverse("offer_detail", args=[offer.pk])
    assert sorted((s.weekday, f"{s.start:%H:%M}") for s in offer.slots.all()) == [
        (0, "09:00"),
        (4, "11:00"),
    ]


def test_needs_near_me_ranks_needs_and_shows_only_approximate_places(
    client, citizen, helper, befriending, moderator, settings
):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("needs_near")).content.decode()
    assert "A weekly chat" in html and "about 1 to 2 km away" in html.lower()
    assert "LS1 1AA" not in html and citizen.email not in html
    points = json.loads(
        re.search(r'<script id="map-points"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    assert len(points) == 1
    assert (points[0]["lng"], points[0]["lat"]) == pytest.approx(
        (need.approx_location.x, need.approx_location.y)
    )
    assert (points[0]["lng"], points[0]["lat"]) != pytest.approx(
        (need.location.x, need.location.y), abs=1e-6
    )
    assert "vendor/leaflet/leaflet.js" in html


def test_no_map_without_a_tile_url(client, citizen, helper, befriending, moderator, settings):
    settings.MAP_TILE_URL = ""
    make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("needs_near")).content.decode()
    assert "A weekly chat" in html
    assert "leaflet" not in html and "map-points" not in html


def test_list_pages_make_a_constant_number_of_queries(
    client, place, helper, befriending, moderator, django_assert_num_queries
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    people = [make.resident(postcode="LS1 1AA", name=f"Person {i}") for i in range(7)]
    make.resident_need(owner=people[0], category=befriending, moderator=moderator, title="Need 0")
    client.force_login(helper)
    client.get(reverse("needs_near"))
    counts = {}
    for name in ("needs_near", "helping", "dashboard"):
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse(name))
        counts[name] = len(ctx.captured_queries)
    for i, person in enumerate(people[1:], start=1):
        need = make.resident_need(
            owner=person, category=befriending, moderator=moderator, title=f"Need {i}"
        )
        if i <= 3:  # asked for this helper: shown on the helping and home pages
            match_request(citizen=person, need_id=need.pk, offer_id=offer.pk)
    for name, expected in counts.items():
        with django_assert_num_queries(expected):
            html = client.get(reverse(name)).content.decode()
        if name == "needs_near":
            assert html.count("Need ") >= 4  # the unmatched ones, ranked
        else:
            assert html.count("Person ") >= 3


def test_helper_offers_to_help(client, citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("need_for_helper", args=[need.pk])).content.decode()
    assert "Offer to help" in html and "LS1 1AA" not in html
    response = client.post(reverse("need_for_helper", args=[need.pk]), {"offer": offer.pk})
    match = Match.objects.get()
    assert response["Location"] == reverse("match_detail", args=[match.pk])
    assert match.offer == offer and match.helper_agreed_at is not None


def test_pause_while_away_and_start_again(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    assert (
        "Pause your offer" in client.get(reverse("offer_pause", args=[offer.pk])).content.decode()
    )
    client.post(reverse("offer_pause", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED
    client.post(reverse("offer_pause", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


def test_another_helpers_offer_is_not_found(client, citizen, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(citizen)
    for name in ("offer_detail", "offer_availability", "offer_pause"):
        assert client.get(reverse(name, args=[offer.pk])).status_code == 404


def test_alert_preferences(client, helper):
    client.force_login(helper)
    html = client.post(
        reverse("alerts"), {"opted_in": "yes", "quiet_start": "21:00", "daily_cap": "3"}
    ).content.decode()
    assert "Give both times, or neither." in html
    response = client.post(
        reverse("alerts"),
        {
            "opted_in": "yes",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
            "daily_cap": "2",
            "idle_asks": "no",
        },
    )
    assert response["Location"] == reverse("helping")
    pref = AlertPreference.objects.get(user=helper)
    assert pref.opted_in and pref.daily_cap == 2 and f"{pref.quiet_start:%H:%M}" == "21:00"
    assert pref.idle_asks is False


def test_without_an_open_offer_needs_near_me_lists_the_nearest_with_a_distance_band(
    client, citizen, helper, befriending, moderator
):
    make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("needs_near")).content.decode()
    assert "These are the nearest open requests" in html
    assert "A weekly chat" in html and "about 1 to 2 km away" in html
    assert "LS1 1AA" not in html
    # In Welsh, the band is said in Welsh, on the list and on the need's own page.
    client.cookies["kith_language"] = "cy"
    assert "tua 1 i 2 km i ffwrdd" in client.get(reverse("needs_near")).content.decode()
    need = Need.objects.get(owner=citizen)
    page = client.get(reverse("need_for_helper", args=[need.pk])).content.decode()
    assert "Tua 1 i 2 km i ffwrdd" in page and "km away" not in page


def test_the_offer_browsed_with_is_the_one_chosen_to_offer_help(
    client, citizen, helper, befriending, moderator
):
    """Needs near me links a need with the offer it was ranked for (?offer=): the page starts
    on that offer, not on the helper's first of the same kind."""
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    first = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    second = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    url = reverse("need_for_helper", args=[need.pk])
    for browsed in (first, second):
        html = client.get(f"{url}?offer={browsed.pk}").content.decode()
        checked = html.split('name="offer" type="radio" value="')
        chosen = [c.split('"')[0] for c in checked[1:] if c.split(">")[0].endswith(" checked")]
        assert chosen == [str(browsed.pk)]
    html = client.get(url).content.decode()
    assert f'value="{first.pk}" checked' in html or f'value="{second.pk}" checked' in html
