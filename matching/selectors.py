"""Reads for matching: candidate search, ranking, and the matches and messages a person may see.

Candidate search is one indexed PostGIS query per call. The GiST index on open listings'
`location` (migration 0002) is used two ways at once: `ST_DWithin(location, p, BOUND)` with a
**constant** bound (the council's maximum travel radius) and `ORDER BY location <-> p` (KNN)
with a LIMIT. The helper's own radius is then a per-row filter on the rows the index already
found. Per-row `ST_DWithin(location, p, radius_m)` alone, `distance_lte` and
`order_by(Distance(...))` all compile to forms no index serves (a scan of every offer).

Every hard constraint is part of the same SQL statement (Exists subqueries), so the LIMIT
counts only eligible rows and nothing is filtered per row in Python.
"""

from __future__ import annotations

from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.measure import D
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.errors import NotFound
from accounts.models import HelperCheck, User
from accounts.permissions import active_staff_membership
from marketplace.models import Block, Need, NeedSlot, Offer, OfferSlot

from .models import AlertPreference, Match, Message
from .scoring import RankedPair, score_pairs

# Ranking scores this many of the nearest eligible candidates, then returns the best `limit`.
CANDIDATE_POOL = 50
PLATFORM_MAX_RADIUS_M = 50_000
# Statuses of a previous match that stop the same pair being suggested again.
NOT_AGAIN = ("proposed", "accepted", "active", "declined")


def search_bound_m(council) -> int:
    """The constant KNN bound: no offer in this council may travel further than this."""
    return min(int(council.max_travel_radius_m or PLATFORM_MAX_RADIUS_M), PLATFORM_MAX_RADIUS_M)


def _kinds_meeting(level: int) -> list[str]:
    return [kind for kind, lvl in HelperCheck.LEVEL_FOR_KIND.items() if lvl >= level]


def _valid_checks(*, user_ref, level: int):
    today = timezone.localdate()
    return HelperCheck.objects.filter(
        user_id=user_ref,
        kind__in=_kinds_meeting(level),
        revoked_at__isnull=True,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))


def helper_holds_level(*, helper: User, level: int) -> bool:
    if level <= 0:
        return True
    return _valid_checks(user_ref=helper.pk, level=level).exists()


def _holding(*, field: str):
    """Matches holding a place on the outer need or offer (a scalar subquery)."""
    return Coalesce(
        Subquery(
            Match.objects.filter(**{field: OuterRef("pk")}, status__in=Match.HOLDING)
            .order_by()
            .values(field)
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _slot_overlap_q(slots) -> Q:
    q = Q(pk__in=[])
    for s in slots:
        q |= Q(weekday=s.weekday, start__lt=s.end, end__gt=s.start)
    return q


def _blocked(*, a_ref, b_ref):
    return Block.objects.filter(
        Q(blocker_id=a_ref, blocked_id=b_ref) | Q(blocker_id=b_ref, blocked_id=a_ref)
    )


def offer_candidates_for_need(*, need: Need, limit: int = CANDIDATE_POOL) -> QuerySet[Offer]:
    """Open offers that may help with `need`, nearest first, every hard constraint applied.

    Annotates `approx_m`: metres from the need's exact point to the offer's approximate
    point (what a person may be told, as a band).
    """
    return eligible_offers_for_need(need=need)[:limit]


def eligible_offers_for_need(*, need: Need) -> QuerySet[Offer]:
    """`offer_candidates_for_need` before the LIMIT, for callers that add a filter (alerts
    add a smaller ring and the helper's opt-in). Always slice it."""
    owner = need.owner
    if need.status != Need.Status.OPEN or owner.is_suspended or not owner.is_active:
        return Offer.objects.none()
    point = need.location
    category = need.category
    qs = (
        Offer.objects.filter(
            status=Offer.Status.OPEN,
            council_id=need.council_id,
            category_id=need.category_id,
            location__dwithin=(point, D(m=search_bound_m(need.council))),
        )
        .filter(location__dwithin=(point, F("radius_m")))
        .exclude(helper_id=need.owner_id)
        .filter(helper__suspended_at__isnull=True, helper__is_active=True)
        .annotate(holding=_holding(field="offer"))
        .filter(holding__lt=F("capacity"))
        .filter(~Exists(_blocked(a_ref=OuterRef("helper_id"), b_ref=need.owner_id)))
        .filter(
            ~Exists(
                Match.objects.filter(need_id=need.pk, offer_id=OuterRef("pk"), status__in=NOT_AGAIN)
            )
        )
    )
    if category.required_level:
        qs = qs.filter(
            Exists(_valid_checks(user_ref=OuterRef("helper_id"), level=category.required_level))
        )
    if need.helper_gender_preference:
        qs = qs.filter(helper__gender=need.helper_gender_preference)
    if category.is_meal and need.dietary_requirements:
        qs = qs.filter(dietary_capabilities__contains=list(need.dietary_requirements))
    need_slots = list(need.slots.all())
    if need_slots:
        qs = qs.filter(
            ~Exists(OfferSlot.objects.filter(offer_id=OuterRef("pk")))
            | Exists(
                OfferSlot.objects.filter(offer_id=OuterRef("pk")).filter(
                    _slot_overlap_q(need_slots)
                )
            )
        )
    return (
        qs.select_related("helper")
        .annotate(
            knn=GeometryDistance("location", point),
            approx_m=Distance("approx_location", point),
        )
        .order_by("knn")
    )


def need_candidates_for_offer(*, offer: Offer, limit: int = CANDIDATE_POOL) -> QuerySet[Need]:
    """Open needs within the offer's travel radius that its helper may take, nearest first.

    The offer's radius is a constant here, so `ST_DWithin` with it is itself index-bounded.
    Annotates `approx_m` from the offer's exact point to each need's approximate point.
    """
    helper = offer.helper
    category = offer.category
    if (
        offer.status != Offer.Status.OPEN
        or helper.is_suspended
        or not helper.is_active
        or not helper_holds_level(helper=helper, level=category.required_level)
        or Match.objects.filter(offer=offer, status__in=Match.HOLDING).count() >= offer.capacity
    ):
        return Need.objects.none()
    point = offer.location
    radius = min(offer.radius_m, search_bound_m(offer.council))
    qs = (
        Need.objects.filter(
            status=Need.Status.OPEN,
            council_id=offer.council_id,
            category_id=offer.category_id,
            location__dwithin=(point, D(m=radius)),
        )
        .exclude(owner_id=helper.pk)
        .filter(owner__suspended_at__isnull=True, owner__is_active=True)
        .filter(helper_gender_preference__in=["", helper.gender or "-"])
        .annotate(holding=_holding(field="need"))
        .filter(holding__lt=F("helpers_wanted"))
        .filter(~Exists(_blocked(a_ref=OuterRef("owner_id"), b_ref=helper.pk)))
        .filter(
            ~Exists(
                Match.objects.filter(
                    need_id=OuterRef("pk"), offer_id=offer.pk, status__in=NOT_AGAIN
                )
            )
        )
    )
    if category.is_meal:
        qs = qs.filter(dietary_requirements__contained_by=list(offer.dietary_capabilities or []))
    offer_slots = list(offer.slots.all())
    if offer_slots:
        qs = qs.filter(
            ~Exists(NeedSlot.objects.filter(need_id=OuterRef("pk")))
            | Exists(
                NeedSlot.objects.filter(need_id=OuterRef("pk")).filter(_slot_overlap_q(offer_slots))
            )
        )
    return (
        qs.select_related("owner")
        .annotate(
            knn=GeometryDistance("location", point),
            approx_m=Distance("approx_location", point),
        )
        .order_by("knn")[:limit]
    )


def ranked_offers_for_need(*, need: Need, limit: int = 10) -> list[RankedPair]:
    """The best `limit` offers for a need, with components and an explanation each."""
    candidates = list(offer_candidates_for_need(need=need))
    pairs = [(need, offer, offer.approx_m.m) for offer in candidates]
    return score_pairs(pairs=pairs, viewer="need", council=need.council)[:limit]


def ranked_needs_for_offer(*, offer: Offer, limit: int = 10) -> list[RankedPair]:
    candidates = list(need_candidates_for_offer(offer=offer))
    pairs = [(need, offer, need.approx_m.m) for need in candidates]
    return score_pairs(pairs=pairs, viewer="offer", council=offer.council)[:limit]


# --- Access ---------------------------------------------------------------------------------
def staff_council_id(user: User) -> int | None:
    """The council an active, unsuspended member of staff works for, else None."""
    membership = active_staff_membership(user)
    return membership.council_id if membership else None


def need_for_ranking(*, user: User, need_id: int) -> Need:
    """The need, if `user` owns it or is staff of its council; otherwise NotFound."""
    need = Need.objects.select_related("council", "category", "owner").filter(pk=need_id).first()
    if need is None:
        raise NotFound()
    if need.owner_id == user.pk or staff_council_id(user) == need.council_id:
        return need
    raise NotFound()


def offer_for_ranking(*, user: User, offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_related("council", "category", "helper").filter(pk=offer_id).first()
    )
    if offer is None:
        raise NotFound()
    if offer.helper_id == user.pk or staff_council_id(user) == offer.council_id:
        return offer
    raise NotFound()


def matches_visible_to(*, user: User) -> QuerySet[Match]:
    """Matches where `user` is one of the two people, or all of their council if staff."""
    q = Q(need__owner_id=user.pk) | Q(offer__helper_id=user.pk)
    council_id = staff_council_id(user)
    if council_id is not None:
        q |= Q(council_id=council_id)
    return Match.objects.filter(q).select_related(
        "need", "offer", "need__owner", "offer__helper", "council"
    )


def match_get(*, user: User, match_id: int) -> Match:
    match = matches_visible_to(user=user).filter(pk=match_id).first()
    if match is None:
        raise NotFound()
    return match


def match_role(*, user: User, match: Match) -> str | None:
    """'citizen', 'helper', 'staff' or None."""
    if match.need.owner_id == user.pk:
        return "citizen"
    if match.offer.helper_id == user.pk:
        return "helper"
    if staff_council_id(user) == match.council_id:
        return "staff"
    return None


def message_list_for_party(*, match: Match) -> QuerySet[Message]:
    """Messages of a match, oldest first. Staff reads go through
    `matching.services.message_list` so that each one is audited."""
    return match.messages.select_related("sender").order_by("created_at", "id")


def alert_preference_get(*, user: User) -> AlertPreference:
    pref, _ = AlertPreference.objects.get_or_create(user=user)
    return pref
