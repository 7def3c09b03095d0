"""Builders for marketplace tests. Listings are made through the real services, not raw saves."""

from __future__ import annotations

import datetime as dt

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import StaffMembership
from marketplace import services
from marketplace.models import Category, Need, Offer
from places.geo import normalise_postcode
from tests.factories import CouncilFactory, PostcodeFactory, UserFactory, square
from trust.models import HelperCheck

# A second council far from the first (tests.factories.CouncilFactory sits around Leeds).
OTHER_CENTRE = (-0.12, 51.50)


def other_council():
    return CouncilFactory(boundary=square(*OTHER_CENTRE), name="Other Borough Council")


def person(*, postcode: str | None = None, lon: float = -1.55, lat: float = 53.80, **kwargs):
    """A signed-up person with a stored home (and a Postcode row for it)."""
    point = Point(lon, lat, srid=4326)
    code = normalise_postcode(postcode) if postcode else ""
    if code:
        PostcodeFactory(postcode=code, location=point)
    return UserFactory(home_location=point, home_postcode=code, **kwargs)


def staff(*, council, role=StaffMembership.Role.MODERATOR, mfa: bool = True, **kwargs):
    """A member of council staff, with an authenticator app enrolled unless `mfa=False`."""
    user = person(**kwargs)
    StaffMembership.objects.create(user=user, council=council, role=role)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def check(*, user, council, kind=HelperCheck.Kind.ID):
    today = timezone.localdate()
    return HelperCheck.objects.create(
        user=user,
        council=council,
        kind=kind,
        issued_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=365),
    )


def category(slug: str = "dog-walking") -> Category:
    return Category.objects.get(slug=slug)


def need(*, owner, lon=-1.55, lat=53.80, submit=True, **kwargs) -> Need:
    fields = {
        "category": category(kwargs.pop("category_slug", "dog-walking")),
        "title": "Walk my dog on weekdays",
        "description": "A friendly spaniel who likes the park.",
        "point": Point(lon, lat, srid=4326),
        "slots": [(0, dt.time(9), dt.time(11))],
        "submit": submit,
    }
    fields.update(kwargs)
    return services.need_create(owner=owner, **fields)


def offer(*, helper, lon=-1.56, lat=53.81, **kwargs) -> Offer:
    fields = {
        "category": category(kwargs.pop("category_slug", "dog-walking")),
        "title": "Dog walks near the park",
        "description": "I walk my own dog every morning and can take another.",
        "point": Point(lon, lat, srid=4326),
        "radius_m": 3000,
        "slots": [(0, dt.time(8), dt.time(12))],
    }
    fields.update(kwargs)
    return services.offer_create(helper=helper, **fields)


def open_need(*, owner, moderator, **kwargs) -> Need:
    """A need published the way it is in life: submitted, then approved by a moderator."""
    created = need(owner=owner, **kwargs)
    services.moderation_approve(actor=moderator, kind="need", listing_id=created.pk)
    created.refresh_from_db()
    return created


def open_offer(*, helper, moderator, **kwargs) -> Offer:
    created = offer(helper=helper, **kwargs)
    services.moderation_approve(actor=moderator, kind="offer", listing_id=created.pk)
    created.refresh_from_db()
    return created
