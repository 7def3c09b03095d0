"""Fixtures for the web page tests: a council with postcodes, and people set up through the
same services the pages use (onboarding, recording needs and offers, moderation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership
from accounts.services import person_set_home, person_update_profile
from marketplace.models import Category
from marketplace.services import moderation_approve, need_create, offer_create
from tests.factories import CouncilFactory, PostcodeFactory, UserFactory, square
from trust.checks import helper_check_record
from trust.models import HelperCheck

CENTRE = (-1.55, 53.80)
# Postcodes about 1.5 km apart inside the council, and one outside every council.
POSTCODES = {
    "LS1 1AA": (-1.550, 53.800),
    "LS2 2BB": (-1.535, 53.808),
    "LS3 3DD": (-1.560, 53.795),
    "BT1 1AA": (2.000, 48.000),
}


@pytest.fixture
def place(db):
    council = CouncilFactory(name="Leafield Council", boundary=square(*CENTRE, half_deg=0.2))
    for code, (lon, lat) in POSTCODES.items():
        PostcodeFactory(postcode=code, location=Point(lon, lat, srid=4326))
    return council


def make_resident(*, postcode: str, name: str, **kwargs):
    user = UserFactory(display_name="", **kwargs)
    person_set_home(user=user, postcode=postcode)
    person_update_profile(user=user, display_name=name, preferred_languages=[], gender="")
    user.refresh_from_db()
    return user


@pytest.fixture
def citizen(place):
    return make_resident(postcode="LS1 1AA", name="Margaret")


@pytest.fixture
def helper(place):
    return make_resident(postcode="LS2 2BB", name="Sam")


@pytest.fixture
def moderator(place):
    staff = UserFactory(council=place)
    StaffMembership.objects.create(user=staff, council=place, role=StaffMembership.Role.MODERATOR)
    return staff


@pytest.fixture
def befriending(db):
    return Category.objects.get(slug="befriending")


def open_need(*, owner, category, moderator, title="A weekly chat", **kwargs):
    need = need_create(
        owner=owner,
        category=category,
        title=title,
        description="I would like someone to talk to on Tuesday afternoons.",
        **kwargs,
    )
    return moderation_approve(actor=moderator, kind="need", listing_id=need.pk)


def check_id(*, helper, moderator):
    """Council staff record that they have checked the helper's ID (valid for a year)."""
    return helper_check_record(
        actor=moderator,
        helper_id=helper.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )


def open_offer(*, helper, category, moderator, **kwargs):
    if category.required_level:
        check_id(helper=helper, moderator=moderator)
    kwargs.setdefault("radius_m", 5000)
    offer = offer_create(
        helper=helper,
        category=category,
        description="Happy to chat over a cup of tea.",
        **kwargs,
    )
    return moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)


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
