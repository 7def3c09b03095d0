"""The citizen's and the helper's lists of suggestions say how they are ordered, and each
suggestion what counted against it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.scoring import ordering_sentence
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_the_need_page_says_how_helpers_are_ordered_and_what_counted_against(
    client, citizen, helper, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    # Sam travels up to 1.2 km, and Margaret is about 1.1 km away: near his limit, far for him.
    make.resident_offer(helper=helper, category=befriending, moderator=moderator, radius_m=1200)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert ordering_sentence("need") in html
    assert (
        "About 1 to 2 km away · times to be arranged · new to Kith · but far for them to travel"
        in html
    )


def test_needs_near_me_says_how_needs_are_ordered(client, citizen, helper, befriending, moderator):
    make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("needs_near")).content.decode()
    assert ordering_sentence("offer") in html
    assert "but waiting less than a day" in html


def test_the_nearest_requests_without_an_offer_are_not_said_to_be_weighed(
    client, citizen, helper, befriending, moderator
):
    make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(helper)
    html = client.get(reverse("needs_near")).content.decode()
    assert "These are the nearest open requests" in html
    assert ordering_sentence("offer") not in html
