"""Fixtures for the web page tests: a council with postcodes, and people set up through the
same services the pages use (onboarding, recording needs and offers, moderation)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import HelperCheck, StaffMembership
from accounts.staff import helper_check_record
from frontend.services import person_set_home, person_update_profile
from marketplace.models import Category
from marketplace.services import moderation_approve, need_create, offer_create
from tests.factories import CouncilFactory, PostcodeFactory, UserFactory, square

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


def open_offer(*, helper, category, moderator, **kwargs):
    if category.required_level:
        helper_check_record(
            actor=moderator,
            helper_id=helper.pk,
            kind=HelperCheck.Kind.ID,
            issued_on=timezone.localdate() - dt.timedelta(days=30),
            expires_on=timezone.localdate() + dt.timedelta(days=365),
        )
    kwargs.setdefault("radius_m", 5000)
    offer = offer_create(
        helper=helper,
        category=category,
        description="Happy to chat over a cup of tea.",
        **kwargs,
    )
    return moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
