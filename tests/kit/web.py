"""Fixtures for the citizen web page tests: a council with postcodes, and people set up through
the same services the pages use (onboarding, recording needs and offers, moderation); and the
steps of the offer pages, answered in order. The frontend room's conftest imports them."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from accounts.models import StaffMembership
from marketplace.models import Category
from tests.kit import factories as make
from tests.kit.factories import CENTRE

# Postcodes about 1.5 km apart inside the council, and one outside every council.
POSTCODES = {
    "LS1 1AA": (-1.550, 53.800),
    "LS2 2BB": (-1.535, 53.808),
    "LS3 3DD": (-1.560, 53.795),
    "BT1 1AA": (2.000, 48.000),
}


@pytest.fixture
def place(db):
    council = make.CouncilFactory(
        name="Leafield Council", boundary=make.square(*CENTRE, half_deg=0.2)
    )
    for code, (lon, lat) in POSTCODES.items():
        make.PostcodeFactory(postcode=code, location=Point(lon, lat, srid=4326))
    return council


@pytest.fixture
def citizen(place):
    return make.resident(postcode="LS1 1AA", name="Margaret")


@pytest.fixture
def helper(place):
    return make.resident(postcode="LS2 2BB", name="Sam")


@pytest.fixture
def moderator(place):
    staff = make.UserFactory(council=place)
    StaffMembership.objects.create(user=staff, council=place, role=StaffMembership.Role.MODERATOR)
    return staff


@pytest.fixture
def befriending(db):
    return Category.objects.get(slug="befriending")


def offer_step(client, step: str, data: dict, *, change: bool = False) -> str:
    """Answer one question page of recording an offer; returns where it sends the helper."""
    url = reverse("offer_new_step", args=[step]) + ("?change=1" if change else "")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


NO_TIMES = {"slots-TOTAL_FORMS": "1", "slots-INITIAL_FORMS": "0"}


def answer_offer_questions(client, category, **answers) -> None:
    """Every question page of recording an offer, in order, up to "Check your answers"."""
    client.get(reverse("offer_new"))
    pages = [
        ("category", {"category": category.pk}),
        ("about", {"title": "", "description": "Happy to chat over a cup of tea."}),
        ("place", {"postcode": "LS2 2BB"}),
        ("distance", {"radius_m": "2000"}),
        ("times", NO_TIMES),
        ("capacity", {"capacity": "1"}),
        ("languages", {"languages": ""}),
    ]
    if category.is_meal:
        pages.append(("food", {}))
    for step, data in pages:
        offer_step(client, step, answers.get(step, data))
