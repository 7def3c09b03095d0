"""Reads of the marketplace. Every visibility rule is a queryset filter, so that lists never
show what detail views would hide:

- a listing is visible to its owner, whatever its status;
- open listings are visible to signed-in people (except between people who blocked each
  other, and not from suspended people);
- every listing of a council but a person's unsent draft is visible to that council's staff
  — with two-factor authentication only, and its exact place only to those who may read
  people's records. A member of staff without an authenticator app is an ordinary person
  here (`staff_council_id_with_mfa`): their own listings and public open ones, the public
  fields only, and no review queue or reports. The API, the web pages and the services that
  read through these selectors all inherit the rule.

Distances to other people's listings are measured from the viewer's own stored home to the
listing's approximate location, and shown as bands.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, staff_can, staff_council_id_with_mfa
from core.errors import ApplicationError, NotFound
from marketplace.models import Category, CouncilCategory, Need, Offer, Urgency
from trust.models import Block, VerificationLevel

MAX_BROWSE_DISTANCE_M = 50_000
_BIGINT_MAX = 2**63 - 1


def _public_filter(*, user: User, owner_field: str, open_status: str) -> Q:
    blocked_by_me = Block.objects.filter(blocker=user, blocked=OuterRef(owner_field))
    blocking_me = Block.objects.filter(blocker=OuterRef(owner_field), blocked=user)
    return (
        Q(status=open_status)
        & Q(**{f"{owner_field}__suspended_at__isnull": True})
        & ~Q(Exists(blocked_by_me))
        & ~Q(Exists(blocking_me))
    )


def needs_visible_to(*, user: User) -> QuerySet[Need]:
    if not user.is_authenticated:
        return Need.objects.none()
    rule = Q(owner=user) | _public_filter(
        user=user, owner_field="owner", open_status=Need.Status.OPEN
    )
    council_id = staff_council_id_with_mfa(user)
    if council_id is not None:
        # A draft is the person's own until they send it: no member of staff reads it.
        rule |= Q(council_id=council_id) & ~Q(status=Need.Status.DRAFT)
    return Need.objects.filter(rule)


def offers_visible_to(*, user: User) -> QuerySet[Offer]:
    if not user.is_authenticated:
        return Offer.objects.none()
    rule = Q(helper=user) | _public_filter(
        user=user, owner_field="helper", open_status=Offer.Status.OPEN
    )
    council_id = staff_council_id_with_mfa(user)
    if council_id is not None:
        rule |= Q(council_id=council_id)
    return Offer.objects.filter(rule)


def _valid_id(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < value <= _BIGINT_MAX:
        raise NotFound()
    return value


def access_need(*, user: User, need_id: int) -> Need:
    """The need if `user` may see it; the same NotFound whether it is missing or hidden."""
    need = (
        needs_visible_to(user=user)
        .select_related("category", "council", "owner")
        .prefetch_related("slots")
        .filter(pk=_valid_id(need_id))
        .first()
    )
    if need is None:
        raise NotFound()
    return need


def access_offer(*, user: User, offer_id: int) -> Offer:
    offer = (
        offers_visible_to(user=user)
        .select_related("category", "council", "helper")
        .prefetch_related("slots")
        .filter(pk=_valid_id(offer_id))
        .first()
    )
    if offer is None:
        raise NotFound()
    return offer


def can_see_exact_location(*, user: User, listing: Need | Offer) -> bool:
    """The owner may see the exact place, and of the staff of the listing's council (with
    two-factor authentication) those who may read people's records: moderating a listing
    needs its words, kind, times and area, not the home it starts from."""
    owner_id = listing.owner_id if isinstance(listing, Need) else listing.helper_id
    if owner_id == user.pk:
        return True
    return staff_council_id_with_mfa(user) == listing.council_id and staff_can(
        user, Capability.PEOPLE
    )


def needs_of_owner(*, user: User) -> QuerySet[Need]:
    return (
        Need.objects.filter(owner=user)
        .select_related("category", "council", "owner")
        .prefetch_related("slots")
        .order_by("-created_at", "-id")
    )


def offers_of_helper(*, user: User) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(helper=user)
        .select_related("category", "council", "helper")
        .prefetch_related("slots")
        .order_by("-created_at", "-id")
    )


def listings_near(
    *,
    viewer: User,
    kind: str,
    category: Category | None = None,
    max_distance_m: int | None = None,
) -> QuerySet[Need] | QuerySet[Offer]:
    """Open listings of other people, nearest first from the viewer's own stored home.

    Each row carries `distance_m`, measured to the listing's approximate location (never its
    exact one); show it only through `places.distance_band`. Nothing further than
    `MAX_BROWSE_DISTANCE_M` is listed. A viewer with no stored home gets the newest first and
    no distances.
    """
    if kind == "need":
        qs = needs_visible_to(user=viewer).filter(status=Need.Status.OPEN).exclude(owner=viewer)
        qs = qs.select_related("category", "owner")
    elif kind == "offer":
        qs = (
            offers_visible_to(user=viewer)
            .filter(status=Offer.Status.OPEN)
            .exclude(helper=viewer)
            .select_related("category", "helper")
        )
    else:
        raise ApplicationError(_("Choose needs or offers."), code="kind")
    qs = qs.prefetch_related("slots")
    if category is not None:
        qs = qs.filter(category=category)
    home = viewer.home_location
    if home is None:
        if max_distance_m is not None:
            raise ApplicationError(
                _("Add your home postcode to your profile to search by distance."),
                code="home_missing",
            )
        return qs.order_by("-published_at", "-id")
    origin = Point(home.x, home.y, srid=4326)
    qs = qs.annotate(distance_m=Distance("approx_location", origin))
    # Always bounded, so the spatial index on approx_location serves the query.
    limit = MAX_BROWSE_DISTANCE_M if max_distance_m is None else int(max_distance_m)
    limit = max(0, min(limit, MAX_BROWSE_DISTANCE_M))
    qs = qs.filter(approx_location__dwithin=(origin, D(m=limit)))
    return qs.order_by("distance_m", "-id")


def listing_near(*, viewer: User, kind: str, listing_id: int) -> Need | Offer | None:
    """One open listing of another person as `listings_near` lists it (with `distance_m`
    when the viewer has a home), or None if it is not among them."""
    return listings_near(viewer=viewer, kind=kind).filter(pk=listing_id).first()


def categories_of_council(council_id: int | None) -> list[tuple[Category, bool]]:
    """Active categories with whether each is on in the council (all on without one)."""
    off: set[int] = set()
    if council_id is not None:
        off = set(
            CouncilCategory.objects.filter(council_id=council_id, enabled=False).values_list(
                "category_id", flat=True
            )
        )
    return [(c, c.pk not in off) for c in Category.objects.filter(is_active=True)]


def councils_with_category_off(category: Category) -> set[int]:
    """The ids of the councils that have switched `category` off (the rule of
    `categories_of_council`, read the other way round)."""
    return set(
        CouncilCategory.objects.filter(category=category, enabled=False).values_list(
            "council_id", flat=True
        )
    )


def categories_for(*, user: User) -> list[tuple[Category, bool]]:
    """Active categories with whether each is on in the person's council (staff with
    two-factor authentication: the council they work for)."""
    return categories_of_council(staff_council_id_with_mfa(user) or user.council_id)


def review_queue_needs(*, staff: User, category: Category | None = None) -> QuerySet[Need]:
    """Needs of the staff member's council waiting for review, the most urgent first ("today
    or tomorrow", then "in the next few days"), oldest first within each (only those of
    `category` if given): help wanted today cannot wait behind last week's routine needs.

    Urgent needs that opened at once (`marketplace.urgent`) are listed too, open or matched,
    until a moderator has looked at them (`Need.review_after_open`)."""
    council_id = staff_council_id_with_mfa(staff)
    if council_id is None:
        return Need.objects.none()
    soonest_first = Case(
        When(urgency=Urgency.URGENT, then=Value(0)),
        When(urgency=Urgency.SOON, then=Value(1)),
        default=Value(2),
    )
    waiting = Q(status=Need.Status.PENDING_REVIEW) | Q(
        review_after_open=True, status__in=[Need.Status.OPEN, Need.Status.MATCHED]
    )
    qs = (
        Need.objects.filter(waiting, council_id=council_id)
        .select_related("category", "owner", "recorded_by")
        .prefetch_related("slots")
        .order_by(soonest_first, "created_at", "id")
    )
    return qs.filter(category=category) if category else qs


def review_queue_offers(*, staff: User, category: Category | None = None) -> QuerySet[Offer]:
    """Offers of the staff member's council waiting for review, oldest first (only those of
    `category` if given)."""
    council_id = staff_council_id_with_mfa(staff)
    if council_id is None:
        return Offer.objects.none()
    qs = (
        Offer.objects.filter(council_id=council_id, status=Offer.Status.PENDING_REVIEW)
        .select_related("category", "helper")
        .prefetch_related("slots")
        .order_by("created_at", "id")
    )
    return qs.filter(category=category) if category else qs


@dataclass(frozen=True)
class LevelUnlocks:
    level: int
    label: str
    categories: list[Category] = field(default_factory=list)  # newly unlocked at this level


def categories_by_level() -> list[LevelUnlocks]:
    """For each verification level, the active categories a helper may offer from that level
    up (each category listed at the lowest level that unlocks it)."""
    by_level: dict[int, list[Category]] = defaultdict(list)
    for category in Category.objects.filter(is_active=True):
        by_level[category.required_level].append(category)
    return [
        LevelUnlocks(level=int(value), label=str(label), categories=by_level.get(int(value), []))
        for value, label in VerificationLevel.choices
    ]


# --- Staff of a council: one listing or category by its number or slug ------------------------
def listing_of_council(*, council, kind: str, listing_id: int) -> Need | Offer | None:
    """A need or an offer of `council` with its category and owner, whatever its status (the
    staff console's moderation pages); None for another council's or an unknown kind."""
    if kind == "need":
        return need_of_council(council=council, need_id=listing_id)
    if kind == "offer":
        return offer_of_council(council=council, offer_id=listing_id)
    return None


def need_of_council(*, council, need_id: int) -> Need | None:
    """A need of `council` as staff may see it: never a person's unsent draft."""
    return (
        Need.objects.select_related("category", "owner")
        .filter(pk=need_id, council=council)
        .exclude(status=Need.Status.DRAFT)
        .first()
    )


def offer_of_council(*, council, offer_id: int) -> Offer | None:
    return (
        Offer.objects.select_related("category", "helper")
        .filter(pk=offer_id, council=council)
        .first()
    )


def categories_active() -> QuerySet[Category]:
    """The kinds of help Kith offers at all (a council may still switch one off)."""
    return Category.objects.filter(is_active=True)


def category_by_slug(*, slug: str, active_only: bool = False) -> Category | None:
    categories = categories_active() if active_only else Category.objects.all()
    return categories.filter(slug=slug).first()


def council_need_of_someone_else(*, council_id: int, need_id: int, user: User) -> bool:
    """Whether need `need_id` belongs to council `council_id` and to someone other than
    `user` (changing it would be a staff action)."""
    return Need.objects.filter(pk=need_id, council_id=council_id).exclude(owner=user).exists()
