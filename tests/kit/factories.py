"""The suite's one vocabulary for building Kith's objects: factory_boy factories for the plain
rows, and builders for everything with rules attached, made through Kith's own services
(recording, moderation, checks, onboarding) so a test meets the rows production makes.

Import it as `from tests.kit import factories as make` and read call sites as sentences:
`make.person(...)`, `make.staff(...)`, `make.open_need(...)`, `make.need_row(...)`.

Places: every default sits around Leeds (`CENTRE`); `AWAY` is London, for a second council
whose boundary does not touch the first.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import count

import factory
import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from accounts.models import Council, StaffMembership, User
from accounts.permissions import staff_council_for
from accounts.second_factor import mark_second_factor
from accounts.services import person_set_home, person_update_profile
from marketplace import services
from marketplace.lifecycle import need_transition, offer_transition
from marketplace.models import Category, Need, NeedSlot, Offer, OfferSlot
from marketplace.vetting import requirements_of
from places.geo import approximate_point, normalise_postcode
from places.models import Postcode
from trust.checks import helper_check_record
from trust.models import HelperCheck

CENTRE = (-1.55, 53.80)
AWAY = (-0.12, 51.50)
Role = StaffMembership.Role
_seq = count(1)


# --- Places ----------------------------------------------------------------------------------
def square(lon: float, lat: float, half_deg: float = 0.1) -> MultiPolygon:
    """A square boundary of side 2*half_deg degrees centred on (lon, lat)."""
    return MultiPolygon(
        Polygon.from_bbox((lon - half_deg, lat - half_deg, lon + half_deg, lat + half_deg)),
        srid=4326,
    )


def point_at(east_m: float = 0.0, north_m: float = 0.0, *, origin=CENTRE) -> Point:
    """A point `east_m` metres east and `north_m` metres north of `origin` (lon, lat)."""
    lon0, lat0 = origin
    lat = lat0 + north_m / 111_320.0
    lon = lon0 + east_m / (111_320.0 * math.cos(math.radians(lat0)))
    return Point(lon, lat, srid=4326)


# --- Plain rows ------------------------------------------------------------------------------
class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Test Council {n}")
    slug = factory.Sequence(lambda n: f"test-council-{n}")
    code = factory.Sequence(lambda n: f"E0{n:07d}")
    boundary = factory.LazyFunction(lambda: square(*CENTRE))
    contact_email = "kith@council.example"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    council = factory.SubFactory(CouncilFactory)
    role = Role.MODERATOR


class PostcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postcode
        django_get_or_create = ("postcode",)

    postcode = "LS1 1AA"
    location = factory.LazyFunction(lambda: Point(*CENTRE, srid=4326))


# --- Councils --------------------------------------------------------------------------------
def council(*, centre=CENTRE, max_radius_m: int = 8000, **kwargs) -> Council:
    """A council 0.6 degrees wide around `centre`, room for listings kilometres apart."""
    return CouncilFactory(
        boundary=square(*centre, half_deg=0.3), max_travel_radius_m=max_radius_m, **kwargs
    )


def other_council() -> Council:
    """A second council far from the first (CouncilFactory's sits around Leeds)."""
    return CouncilFactory(boundary=square(*AWAY), name="Other Borough Council")


# --- People ----------------------------------------------------------------------------------
def person(
    *,
    postcode: str | None = None,
    lon: float = CENTRE[0],
    lat: float = CENTRE[1],
    home: Point | None = None,
    with_home: bool = True,
    **kwargs,
) -> User:
    """A signed-up person with a stored home at `home` (or lon, lat), and a Postcode row for
    `postcode` when given; `with_home=False` leaves the home unset."""
    if not with_home:
        return UserFactory(**kwargs)
    point = home or Point(lon, lat, srid=4326)
    code = normalise_postcode(postcode) if postcode else ""
    if code:
        PostcodeFactory(postcode=code, location=point)
    kwargs.setdefault("home_postcode", code)
    return UserFactory(home_location=point, **kwargs)


def resident(*, postcode: str, name: str, **kwargs) -> User:
    """A person onboarded the way the web pages do it: home set from a postcode (its Postcode
    row must exist), then their name."""
    user = UserFactory(display_name="", **kwargs)
    person_set_home(user=user, postcode=postcode)
    person_update_profile(user=user, display_name=name, preferred_languages=[], gender="")
    user.refresh_from_db()
    return user


def enrol_totp(user: User) -> pyotp.TOTP:
    """Enrol an authenticator app for `user` through allauth and return a code generator."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return pyotp.TOTP(secret)


def staff(
    *, council: Council, role=Role.MODERATOR, mfa: bool = True, lives_here: bool = False, **kwargs
) -> User:
    """A member of council staff, with an authenticator app enrolled unless `mfa=False` (staff
    tools refuse staff without one). With one, the returned object is marked as a request's
    user whose session used it (`accounts.second_factor`), for tests that call services and
    selectors directly or use `force_authenticate`. `lives_here` also makes `council` the
    person's own council; the other keyword arguments go to `person`."""
    if lives_here:
        kwargs["council"] = council
    user = person(**kwargs)
    StaffMembership.objects.create(user=user, council=council, role=role)
    if mfa:
        enrol_totp(user)
        mark_second_factor(user, used=True)
    return user


# --- Helper checks ---------------------------------------------------------------------------
def check(
    *,
    user: User,
    council: Council,
    kind: str = HelperCheck.Kind.ID,
    issued_days_ago: int = 10,
    expires_on: dt.date | None = None,
    revoked: bool = False,
) -> HelperCheck:
    """A helper check saved directly (valid for a year unless `expires_on` says otherwise)."""
    today = timezone.localdate()
    return HelperCheck.objects.create(
        user=user,
        council=council,
        kind=kind,
        issued_on=today - dt.timedelta(days=issued_days_ago),
        expires_on=expires_on if expires_on is not None else today + dt.timedelta(days=365),
        revoked_at=timezone.now() if revoked else None,
    )


def record_check(*, actor, helper, kind=HelperCheck.Kind.ID, days_left=365, last4=""):
    """Council staff record a check through the service the console uses (an enhanced DBS
    check keeps the last four characters of its certificate number)."""
    today = timezone.localdate()
    if kind == HelperCheck.Kind.DBS_ENHANCED_BARRED and not last4:
        last4 = "1234"
    return helper_check_record(
        actor=actor,
        helper_id=helper.pk,
        kind=kind,
        issued_on=today - dt.timedelta(days=30),
        expires_on=today + dt.timedelta(days=days_left),
        certificate_last4=last4,
    )


def record_checks_for(*, helper, category, moderator, days_left=365):
    """Council staff record every check `category` needs in the moderator's council
    (`marketplace.vetting`), so an offer of it may open: two references where two are
    needed, each with its referee."""
    required = requirements_of(category=category, council=staff_council_for(moderator))
    recorded = []
    for kind, needed in required.items():
        for n in range(needed):
            if kind == HelperCheck.Kind.DBS_ENHANCED_BARRED:
                recorded.append(
                    record_check(actor=moderator, helper=helper, kind=kind, days_left=days_left)
                )
                continue
            recorded.append(
                helper_check_record(
                    actor=moderator,
                    helper_id=helper.pk,
                    kind=kind,
                    issued_on=timezone.localdate() - dt.timedelta(days=30 + n),
                    expires_on=timezone.localdate() + dt.timedelta(days=days_left),
                    referee_name=f"Referee {n + 1}" if kind == HelperCheck.Kind.REFERENCE else "",
                )
            )
    return recorded


# --- Listings through the services -----------------------------------------------------------
def category(slug: str = "dog-walking") -> Category:
    """A default category (from marketplace migration 0003; tests/conftest.py keeps them)."""
    return Category.objects.get(slug=slug)


def need(*, owner, lon=CENTRE[0], lat=CENTRE[1], submit=True, **kwargs) -> Need:
    """A need recorded by its owner (and submitted unless `submit=False`)."""
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


def offer(*, helper, lon=CENTRE[0] - 0.01, lat=CENTRE[1] + 0.01, **kwargs) -> Offer:
    """An offer recorded by its helper."""
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


def resident_need(*, owner, category, moderator, title="A weekly chat", **kwargs):
    """A need as a resident records it on the web pages (at home, no times), approved."""
    created = services.need_create(
        owner=owner,
        category=category,
        title=title,
        description="I would like someone to talk to on Tuesday afternoons.",
        **kwargs,
    )
    return services.moderation_approve(actor=moderator, kind="need", listing_id=created.pk)


def resident_offer(*, helper, category, moderator, **kwargs):
    """An offer as a resident records it on the web pages, approved; the moderator first
    records an ID check when the category needs one."""
    if category.required_level:
        record_check(actor=moderator, helper=helper)
    kwargs.setdefault("radius_m", 5000)
    created = services.offer_create(
        helper=helper,
        category=category,
        description="Happy to chat over a cup of tea.",
        **kwargs,
    )
    return services.moderation_approve(actor=moderator, kind="offer", listing_id=created.pk)


# --- Listings as saved rows, for matching ----------------------------------------------------
# Saved as the marketplace would publish them (exact `location`, `approx_location` from
# `places.geo.approximate_point`, status changes through `marketplace.lifecycle`), so
# matching sees the same rows it sees in production, without moderation in every test.
def _slots(model, owner_field: str, owner, slots) -> None:
    model.objects.bulk_create(
        [
            model(**{owner_field: owner}, weekday=day, start=dt.time(*start), end=dt.time(*end))
            for day, start, end in slots or []
        ]
    )


def offer_row(
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
    helper = helper or person(council=council, home=at)
    if checked and not HelperCheck.objects.filter(user=helper).exists():
        check(
            user=helper,
            council=council,
            kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
            issued_days_ago=30,
        )
    offer = Offer.objects.create(
        council=council,
        category=cat or category("befriending"),
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


def need_row(
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
    """A need; `published_days_ago` backdates its publication."""
    at = at or point_at()
    owner = owner or person(council=council, home=at)
    need = Need.objects.create(
        council=council,
        category=cat or category("befriending"),
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
