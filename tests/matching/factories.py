"""Builders for matching tests: people, checks, open needs and offers at given distances.

Listings are saved as the marketplace would publish them (exact `location`, `approx_location`
from __future__ import annotations

from `places.geo.approximate_point`, status changes through
`marketplace.lifecycle`), so matching sees the same rows it sees in production.
"""

import datetime as dt
import math
from itertools import count

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from marketplace.lifecycle import need_transition, offer_transition
from marketplace.models import Category, Need, NeedSlot, Offer, OfferSlot
from places.geo import approximate_point
from tests.factories import CouncilFactory, UserFactory, square
from trust.models import HelperCheck

CENTRE = (-1.55, 53.80)
_seq = count(1)


def point_at(east_m: float = 0.0, north_m: float = 0.0, *, origin=CENTRE) -> Point:
    """A point `east_m` metres east and `north_m` metres north of `origin` (lon, lat)."""
    lon0, lat0 = origin
    lat = lat0 + north_m / 111_320.0
    lon = lon0 + east_m / (111_320.0 * math.cos(math.radians(lat0)))
    return Point(lon, lat, srid=4326)


def make_council(*, centre=CENTRE, max_radius_m: int = 8000, **kwargs) -> Council:
    return CouncilFactory(
        boundary=square(*centre, half_deg=0.3), max_travel_radius_m=max_radius_m, **kwargs
    )


def make_person(*, council: Council, home: Point | None = None, **kwargs) -> User:
    home = home or point_at()
    return UserFactory(council=council, home_location=home, **kwargs)


def make_staff(
    *, council: Council, role: str = StaffMembership.Role.MODERATOR, mfa: bool = True
) -> User:
    """A member of council staff, with an authenticator app enrolled through allauth unless
    `mfa` is false (staff tools refuse staff without one)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(council=council)
    StaffMembership.objects.create(user=user, council=council, role=role)
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def grant_check(
    *,
    user: User,
    council: Council,
    kind: str = HelperCheck.Kind.DBS_ENHANCED_BARRED,
    expires_on: dt.date | None = None,
    revoked: bool = False,
) -> HelperCheck:
    today = timezone.localdate()
    return HelperCheck.objects.create(
        user=user,
        council=council,
        kind=kind,
        issued_on=today - dt.timedelta(days=30),
        expires_on=expires_on if expires_on is not None else today + dt.timedelta(days=365),
        revoked_at=timezone.now() if revoked else None,
    )


def category(slug: str = "befriending") -> Category:
    """A default category (from marketplace migration 0003; tests/conftest.py keeps them)."""
    return Category.objects.get(slug=slug)


def _slots(model, owner_field: str, owner, slots) -> None:
    model.objects.bulk_create(
        [
            model(**{owner_field: owner}, weekday=day, start=dt.time(*start), end=dt.time(*end))
            for day, start, end in slots or []
        ]
    )


def make_offer(
    *,
    council: Council,
    helper: User | None = None,
    at: Point | None = None,
    cat: Category | None = None,
    radius_m: int = 3000,
    capacity: int = 1,
    slots=None,
    languages=None,
    dietary=None,
    checked: bool = True,
    status: str = Offer.Status.OPEN,
) -> Offer:
    """An offer; `slots` are (weekday, (h, m), (h, m)) tuples. `checked` gives the helper an
    enhanced DBS check, which satisfies every category."""
    at = at or point_at()
    helper = helper or make_person(council=council, home=at)
    if checked and not HelperCheck.objects.filter(user=helper).exists():
        grant_check(user=helper, council=council)
    offer = Offer.objects.create(
        council=council,
        category=cat or category(),
        helper=helper,
        title=f"Offer {next(_seq)}",
        description="I can help.",
        location=at,
        approx_location=approximate_point(at),
        radius_m=radius_m,
        capacity=capacity,
        languages=languages or [],
        dietary_capabilities=dietary or [],
    )
    _slots(OfferSlot, "offer", offer, slots)
    if status != Offer.Status.PENDING_REVIEW:
        offer_transition(offer=offer, to=Offer.Status.OPEN)
        if status != Offer.Status.OPEN:
            offer_transition(offer=offer, to=status)
    return offer


def make_need(
    *,
    council: Council,
    owner: User | None = None,
    at: Point | None = None,
    cat: Category | None = None,
    slots=None,
    languages=None,
    dietary=None,
    gender: str = "",
    helpers_wanted: int = 1,
    urgency: str = "routine",
    published_days_ago: float = 0,
    status: str = Need.Status.OPEN,
) -> Need:
    at = at or point_at()
    owner = owner or make_person(council=council, home=at)
    need = Need.objects.create(
        council=council,
        category=cat or category(),
        owner=owner,
        title=f"Need {next(_seq)}",
        description="I would like some help.",
        location=at,
        approx_location=approximate_point(at),
        languages=languages or [],
        dietary_requirements=dietary or [],
        helper_gender_preference=gender,
        helpers_wanted=helpers_wanted,
        urgency=urgency,
    )
    _slots(NeedSlot, "need", need, slots)
    if status != Need.Status.DRAFT:
        need_transition(need=need, to=Need.Status.OPEN)
        if published_days_ago:
            Need.objects.filter(pk=need.pk).update(
                published_at=timezone.now() - dt.timedelta(days=published_days_ago)
            )
            need.refresh_from_db()
        if status != Need.Status.OPEN:
            need_transition(need=need, to=status)
    return need
