"""Reads for matching: candidate search, ranking, and the matches and messages a person may see.

Location privacy: every people-facing result here (who is a candidate, in which order, the
proximity score) is measured from grid cell centre to grid cell centre (`approx_location`),
never from an exact home. Measuring from exact points let a stranger who moved their own pin
and watched whether a need appeared (or how two were ordered) narrow a home down below the
published cell (see tests/trust/test_trilateration.py).

Candidate search is one indexed PostGIS query per call. The composite GiST index on open
listings' (council, category, `approx_location`) (migration 0005) is used two ways at once:
`ST_DWithin(approx_location, cell, BOUND)` with a **constant** bound (the council's maximum
travel radius) and `ORDER BY approx_location <-> cell` (KNN) with a LIMIT. The helper's own
radius is then a per-row filter on the rows the index already found. Per-row
`ST_DWithin(approx_location, cell, radius_m)` alone, `distance_lte` and
`order_by(Distance(...))` all compile to forms no index serves (a scan of every offer).

Every hard constraint is part of the same SQL statement (Exists subqueries), so the LIMIT
counts only eligible rows and nothing is filtered per row in Python.

Both directions are hand-written statements of the same shape: a need's offers
(`offer_candidates_sql`) and an offer's needs (`need_candidates_sql`). The offer side was an
ORM query until it was measured: Django passed the council and category as small integers
and the ORM's filter shape left the planner a bitmap scan of the cell index plus a sort, not
a KNN scan of the composite index that stops at the LIMIT.
"""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import staff_council_id
from core.db import prepared_cursor
from core.errors import NotFound
from marketplace.availability import WeeklySlot
from marketplace.models import Need, Offer
from trust.models import HelperCheck

from .models import AlertPreference, Match, Message
from .scoring import RankedPair, ScoringContext, score_pairs

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


_OFFER_CANDIDATES_SQL = """
SELECT c.id, c.helper_id, c.title, c.radius_m, c.capacity, c.languages, c.dietary_capabilities,
       c.ax, c.ay, c.knn, c.approx_m, c.helper_view_m, c.holding,
       hu.display_name, hu.preferred_languages,
       COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end"))
                 FROM marketplace_offerslot s WHERE s.offer_id = c.id), '[]') AS slots,
       st.completed, st.failed, fb.rating_sum, fb.rating_n,
       EXISTS (
           SELECT 1 FROM matching_match pm
           JOIN marketplace_need pn ON pn.id = pm.need_id
           JOIN marketplace_offer po ON po.id = pm.offer_id
           WHERE pm.status = 'completed' AND pn.owner_id = %(owner)s
             AND po.helper_id = c.helper_id
             AND NOT EXISTS (SELECT 1 FROM matching_feedback bf WHERE bf.match_id = pm.id
                             AND bf.author_id = %(owner)s AND bf.rating <= 2)
       ) AS good
FROM (
    SELECT o.id, o.helper_id, o.title, o.radius_m, o.capacity, o.languages,
           o.dietary_capabilities,
           ST_X(o.approx_location::geometry) AS ax, ST_Y(o.approx_location::geometry) AS ay,
           o.approx_location <-> %(pa)s::geography AS knn,
           ST_Distance(o.approx_location, %(pa)s::geography) AS approx_m,
           ST_Distance(o.location, %(pa)s::geography) AS helper_view_m,
           h.holding
    FROM marketplace_offer o
    JOIN accounts_user hu ON hu.id = o.helper_id
    CROSS JOIN LATERAL (
        SELECT count(*) AS holding FROM matching_match hm
        WHERE hm.offer_id = o.id AND hm.status IN ('accepted', 'active')
    ) h
    WHERE o.status = 'open' AND o.council_id = %(council)s::bigint
      AND o.category_id = %(category)s::bigint
      AND ST_DWithin(o.approx_location, %(pa)s::geography, %(bound)s)
      AND ST_DWithin(o.approx_location, %(pa)s::geography, o.radius_m)
      AND o.helper_id <> %(owner)s::bigint
      AND hu.suspended_at IS NULL AND hu.is_active
      AND h.holding < o.capacity
      AND NOT EXISTS (
          SELECT 1 FROM marketplace_block b
          WHERE (b.blocker_id = %(owner)s AND b.blocked_id = o.helper_id)
             OR (b.blocker_id = o.helper_id AND b.blocked_id = %(owner)s))
      AND NOT EXISTS (
          SELECT 1 FROM matching_match xm
          WHERE xm.need_id = %(need)s AND xm.offer_id = o.id AND xm.status = ANY(%(not_again)s))
      {extra}
    ORDER BY o.approx_location <-> %(pa)s::geography
    LIMIT %(limit)s
) c
JOIN accounts_user hu ON hu.id = c.helper_id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE sm.status = 'completed') AS completed,
           count(*) FILTER (WHERE sm.status = 'cancelled' AND sm.ended_by_id = c.helper_id)
               AS failed
    FROM matching_match sm JOIN marketplace_offer so ON so.id = sm.offer_id
    WHERE so.helper_id = c.helper_id
) st
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(f.rating), 0) AS rating_sum, count(*) AS rating_n
    FROM matching_feedback f
    JOIN matching_match fm ON fm.id = f.match_id
    JOIN marketplace_offer fo ON fo.id = fm.offer_id AND fo.helper_id = f.subject_id
    WHERE f.subject_id = c.helper_id
) fb
ORDER BY c.knn, c.id
"""

_CHECK_SQL = """AND EXISTS (
          SELECT 1 FROM accounts_helpercheck hc
          WHERE hc.user_id = o.helper_id AND hc.revoked_at IS NULL
            AND (hc.expires_on IS NULL OR hc.expires_on >= %(today)s)
            AND hc.kind = ANY(%(kinds)s))"""
_SLOTS_SQL = """AND (NOT EXISTS (SELECT 1 FROM marketplace_offerslot os WHERE os.offer_id = o.id)
           OR EXISTS (
               SELECT 1 FROM marketplace_offerslot os,
                    unnest(%(wd)s::int[], %(st)s::time[], %(en)s::time[]) AS ns(wd, st, en)
               WHERE os.offer_id = o.id AND os.weekday = ns.wd
                 AND os.start < ns.en AND os."end" > ns.st))"""
_RING_SQL = "AND ST_DWithin(o.approx_location, %(pa)s::geography, %(ring)s)"
_OPTED_IN_SQL = """AND EXISTS (SELECT 1 FROM matching_alertpreference ap
                 WHERE ap.user_id = o.helper_id AND ap.opted_in)"""


def offer_candidates_sql(
    *,
    need: Need,
    limit: int = CANDIDATE_POOL,
    ring_m: int | None = None,
    alerts_opted_in: bool = False,
    need_slots: list | None = None,
) -> tuple[str, dict]:
    """The candidate statement for a need and its parameters (also used by EXPLAIN tests).

    Hand-written SQL rather than the ORM: this is the hottest query in Kith, and one
    statement returns the candidates with everything scoring needs (slots, history, ratings,
    past matches) for only the LIMIT rows, in a fixed shape the planner serves with a KNN scan.
    """
    category = need.category
    extra = []
    params = {
        "pa": need.approx_location.ewkt,
        "council": need.council_id,
        "category": need.category_id,
        "bound": search_bound_m(need.council),
        "owner": need.owner_id,
        "need": need.pk,
        "not_again": list(NOT_AGAIN),
        "limit": limit,
    }
    if category.required_level:
        extra.append(_CHECK_SQL)
        params["today"] = timezone.localdate()
        params["kinds"] = _kinds_meeting(category.required_level)
    if need.helper_gender_preference:
        extra.append("AND hu.gender = %(gender)s")
        params["gender"] = need.helper_gender_preference
    if category.is_meal and need.dietary_requirements:
        extra.append("AND o.dietary_capabilities @> %(diet)s::varchar[]")
        params["diet"] = list(need.dietary_requirements)
    slots = need_slots if need_slots is not None else list(need.slots.all())
    if slots:
        extra.append(_SLOTS_SQL)
        params["wd"] = [s.weekday for s in slots]
        params["st"] = [s.start for s in slots]
        params["en"] = [s.end for s in slots]
    if ring_m is not None:
        extra.append(_RING_SQL)
        params["ring"] = ring_m
    if alerts_opted_in:
        extra.append(_OPTED_IN_SQL)
    return _OFFER_CANDIDATES_SQL.format(extra="\n      ".join(extra)), params


@contextmanager
def knn_planner():
    """Run a bounded KNN statement with bitmap scans off (for this statement only).

    PostGIS underestimates how many rows fall inside a geography bounding box in a dense
    town (measured at 1M offers: 1,879 estimated, 9,684 actual), so the planner prefers a
    bitmap heap scan of the whole box plus a sort (80 ms, mostly heap reads) over the KNN
    index scan that stops at the LIMIT (under 1 ms). Every candidate statement is bounded by
    the index condition (council, category, box), so the KNN scan is never worse than the
    bitmap scan; this makes the planner take it.

    The candidate statements are prepared (`core.db.prepared_cursor`), and PostgreSQL may
    then switch to a generic plan made without the parameters' values. That plan walks the
    single-column cell index nearest-first and filters council and category row by row (seen
    in a forced generic plan over 10k listings): fine in a mixed town, slow for a rare
    category in a dense one. Custom plans are kept, so only parsing is saved, and every run is
    planned on the composite (council, category, cell) index with its own values."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL plan_cache_mode = force_custom_plan"
        )
        try:
            yield
        finally:
            cursor.execute("RESET enable_bitmapscan; RESET plan_cache_mode")


@dataclass
class _OfferScoringData:
    slots: list
    completed: int
    failed: int
    rating_sum: float
    rating_n: int
    good: bool


def offer_candidates_for_need(
    *,
    need: Need,
    limit: int = CANDIDATE_POOL,
    ring_m: int | None = None,
    alerts_opted_in: bool = False,
    need_slots: list | None = None,
) -> list[Offer]:
    """Open offers that may help with `need`, nearest first, every hard constraint applied,
    in one indexed statement (see the module docstring).

    Each offer carries `approx_m` (metres from the need's grid cell to the offer's grid
    cell: what decides the radius, the order and the proximity score), `holding` (places taken) and
    `scoring` (what `matching.scoring` needs). `ring_m` narrows the search (alerts);
    `alerts_opted_in` keeps helpers who asked for alerts.
    """
    owner = need.owner
    if need.status != Need.Status.OPEN or owner.is_suspended or not owner.is_active:
        return []
    sql, params = offer_candidates_sql(
        need=need,
        limit=limit,
        ring_m=ring_m,
        alerts_opted_in=alerts_opted_in,
        need_slots=need_slots,
    )
    with knn_planner(), prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    offers = []
    for (
        oid,
        helper_id,
        title,
        radius_m,
        capacity,
        languages,
        diet,
        ax,
        ay,
        knn,
        approx_m,
        helper_view_m,
        holding,
        display_name,
        preferred,
        slots,
        completed,
        failed,
        rating_sum,
        rating_n,
        good,
    ) in rows:
        helper = User(id=helper_id, display_name=display_name, preferred_languages=preferred)
        offer = Offer(
            id=oid,
            helper_id=helper_id,
            council_id=need.council_id,
            category_id=need.category_id,
            title=title,
            radius_m=radius_m,
            capacity=capacity,
            languages=languages,
            dietary_capabilities=diet,
            status=Offer.Status.OPEN,
            approx_location=Point(ax, ay, srid=4326),
        )
        offer.helper = helper
        offer.category = need.category
        offer.knn, offer.approx_m, offer.holding = knn, approx_m, holding
        # From the helper's exact point to the need's grid cell: the band a helper may see.
        offer.helper_view_m = helper_view_m
        if isinstance(slots, str):
            slots = json.loads(slots)
        offer.scoring = _OfferScoringData(
            slots=[
                WeeklySlot(int(d), dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for d, a, b in slots
            ],
            completed=completed,
            failed=failed,
            rating_sum=float(rating_sum),
            rating_n=rating_n,
            good=good,
        )
        offers.append(offer)
    return offers


_NEED_CANDIDATES_SQL = """
WITH st AS MATERIALIZED (
    SELECT count(*) FILTER (WHERE sm.status = 'completed') AS completed,
           count(*) FILTER (WHERE sm.status = 'cancelled' AND sm.ended_by_id = %(helper)s)
               AS failed
    FROM matching_match sm JOIN marketplace_offer so ON so.id = sm.offer_id
    WHERE so.helper_id = %(helper)s
), fb AS MATERIALIZED (
    SELECT COALESCE(sum(f.rating), 0) AS rating_sum, count(*) AS rating_n
    FROM matching_feedback f
    JOIN matching_match fm ON fm.id = f.match_id
    JOIN marketplace_offer fo ON fo.id = fm.offer_id AND fo.helper_id = f.subject_id
    WHERE f.subject_id = %(helper)s
), oh AS MATERIALIZED (
    SELECT count(*) AS offer_holding FROM matching_match ohm
    WHERE ohm.offer_id = %(offer)s AND ohm.status IN ('accepted', 'active')
)
SELECT c.id, c.owner_id, c.title, c.urgency, c.timing, c.languages, c.dietary_requirements,
       c.helper_gender_preference, c.helpers_wanted, c.published_at,
       c.ax, c.ay, c.knn, c.approx_m, c.holding,
       ou.display_name, ou.preferred_languages,
       COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end"))
                 FROM marketplace_needslot s WHERE s.need_id = c.id), '[]') AS slots,
       EXISTS (
           SELECT 1 FROM matching_match pm
           JOIN marketplace_need pn ON pn.id = pm.need_id
           JOIN marketplace_offer po ON po.id = pm.offer_id
           WHERE pm.status = 'completed' AND pn.owner_id = c.owner_id
             AND po.helper_id = %(helper)s
             AND NOT EXISTS (SELECT 1 FROM matching_feedback bf WHERE bf.match_id = pm.id
                             AND bf.author_id = c.owner_id AND bf.rating <= 2)
       ) AS good,
       st.completed, st.failed, fb.rating_sum, fb.rating_n, oh.offer_holding
FROM (
    SELECT n.id, n.owner_id, n.title, n.urgency, n.timing, n.languages, n.dietary_requirements,
           n.helper_gender_preference, n.helpers_wanted, n.published_at,
           ST_X(n.approx_location::geometry) AS ax, ST_Y(n.approx_location::geometry) AS ay,
           n.approx_location <-> %(pa)s::geography AS knn,
           ST_Distance(n.approx_location, %(pa)s::geography) AS approx_m,
           h.holding
    FROM marketplace_need n
    JOIN accounts_user nu ON nu.id = n.owner_id
    CROSS JOIN LATERAL (
        SELECT count(*) AS holding FROM matching_match hm
        WHERE hm.need_id = n.id AND hm.status IN ('accepted', 'active')
    ) h
    WHERE n.status = 'open' AND n.council_id = %(council)s::bigint
      AND n.category_id = %(category)s::bigint
      AND ST_DWithin(n.approx_location, %(pa)s::geography, %(bound)s)
      AND ST_DWithin(n.approx_location, %(pa)s::geography, %(radius)s)
      AND n.owner_id <> %(helper)s::bigint
      AND nu.suspended_at IS NULL AND nu.is_active
      AND n.helper_gender_preference IN ('', %(gender)s)
      AND h.holding < n.helpers_wanted
      AND NOT EXISTS (
          SELECT 1 FROM marketplace_block b
          WHERE (b.blocker_id = n.owner_id AND b.blocked_id = %(helper)s)
             OR (b.blocker_id = %(helper)s AND b.blocked_id = n.owner_id))
      AND NOT EXISTS (
          SELECT 1 FROM matching_match xm
          WHERE xm.need_id = n.id AND xm.offer_id = %(offer)s AND xm.status = ANY(%(not_again)s))
      AND (SELECT offer_holding FROM oh) < %(capacity)s
      {extra}
    ORDER BY n.approx_location <-> %(pa)s::geography
    LIMIT %(limit)s
) c
JOIN accounts_user ou ON ou.id = c.owner_id
CROSS JOIN st CROSS JOIN fb CROSS JOIN oh
ORDER BY c.knn, c.id
"""

# The helper's own eligibility: a constant condition (a one-time filter, evaluated once).
_HELPER_CHECK_SQL = """AND EXISTS (
          SELECT 1 FROM accounts_helpercheck hc
          WHERE hc.user_id = %(helper)s AND hc.revoked_at IS NULL
            AND (hc.expires_on IS NULL OR hc.expires_on >= %(today)s)
            AND hc.kind = ANY(%(kinds)s))"""
_DIET_SQL = "AND n.dietary_requirements <@ %(diet)s::varchar[]"
_NEED_SLOTS_SQL = """AND (NOT EXISTS (SELECT 1 FROM marketplace_needslot ns WHERE ns.need_id = n.id)
           OR EXISTS (
               SELECT 1 FROM marketplace_needslot ns,
                    unnest(%(wd)s::int[], %(st)s::time[], %(en)s::time[]) AS os(wd, st, en)
               WHERE ns.need_id = n.id AND ns.weekday = os.wd
                 AND ns.start < os.en AND ns."end" > os.st))"""


def need_candidates_sql(
    *, offer: Offer, limit: int = CANDIDATE_POOL, offer_slots: list | None = None
) -> tuple[str, dict]:
    """The candidate statement for an offer and its parameters (also used by EXPLAIN tests):
    the mirror of `offer_candidates_sql`, served by a KNN scan of the composite (council,
    category, cell) GiST index on open needs (matching migration 0005).

    Every hard constraint is in it: the offer's places left and its helper's vetting as
    one-time conditions, and per need: open, same council and category, within the offer's
    radius and the council's bound (both constants here), not the helper's own, owner active
    and not suspended, gender preference, places left, no block either way, no earlier match
    with this offer in NOT_AGAIN, dietary needs met (meals), shared weekly times when both
    sides give them. Parameters are cast to the column types (bigint): an int literal
    against a bigint column is a cross-type comparison btree_gist does not index.
    """
    category = offer.category
    bound = search_bound_m(offer.council)
    extra = []
    params = {
        "pa": offer.approx_location.ewkt,
        "council": offer.council_id,
        "category": offer.category_id,
        "bound": bound,
        "radius": min(int(offer.radius_m), bound),
        "helper": offer.helper_id,
        "gender": offer.helper.gender or "-",
        "offer": offer.pk,
        "capacity": offer.capacity,
        "not_again": list(NOT_AGAIN),
        "limit": limit,
    }
    if category.required_level:
        extra.append(_HELPER_CHECK_SQL)
        params["today"] = timezone.localdate()
        params["kinds"] = _kinds_meeting(category.required_level)
    if category.is_meal:
        extra.append(_DIET_SQL)
        params["diet"] = list(offer.dietary_capabilities or [])
    slots = offer_slots if offer_slots is not None else list(offer.slots.all())
    if slots:
        extra.append(_NEED_SLOTS_SQL)
        params["wd"] = [s.weekday for s in slots]
        params["st"] = [s.start for s in slots]
        params["en"] = [s.end for s in slots]
    return _NEED_CANDIDATES_SQL.format(extra="\n      ".join(extra)), params


@dataclass
class _NeedScoringData:
    slots: list
    good: bool


@dataclass
class _HelperScoringData:
    completed: int = 0
    failed: int = 0
    rating_sum: float = 0.0
    rating_n: int = 0
    offer_holding: int = 0


def _need_candidates(
    *, offer: Offer, limit: int, offer_slots: list | None
) -> tuple[list[Need], _HelperScoringData]:
    helper = offer.helper
    if offer.status != Offer.Status.OPEN or helper.is_suspended or not helper.is_active:
        return [], _HelperScoringData()
    sql, params = need_candidates_sql(offer=offer, limit=limit, offer_slots=offer_slots)
    with knn_planner(), prepared_cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    needs = []
    facts = _HelperScoringData()
    for (
        nid,
        owner_id,
        title,
        urgency,
        timing,
        languages,
        diet,
        gender,
        helpers_wanted,
        published_at,
        ax,
        ay,
        knn,
        approx_m,
        holding,
        display_name,
        preferred,
        slots,
        good,
        completed,
        failed,
        rating_sum,
        rating_n,
        offer_holding,
    ) in rows:
        owner = User(id=owner_id, display_name=display_name, preferred_languages=preferred)
        need = Need(
            id=nid,
            owner_id=owner_id,
            council_id=offer.council_id,
            category_id=offer.category_id,
            title=title,
            urgency=urgency,
            timing=timing,
            languages=languages,
            dietary_requirements=diet,
            helper_gender_preference=gender,
            helpers_wanted=helpers_wanted,
            published_at=published_at,
            status=Need.Status.OPEN,
            approx_location=Point(ax, ay, srid=4326),
        )
        need.owner = owner
        need.category = offer.category
        need.council = offer.council
        need.knn, need.approx_m, need.holding = knn, approx_m, holding
        if isinstance(slots, str):
            slots = json.loads(slots)
        need.scoring = _NeedScoringData(
            slots=[
                WeeklySlot(int(d), dt.time.fromisoformat(a), dt.time.fromisoformat(b))
                for d, a, b in slots
            ],
            good=good,
        )
        facts = _HelperScoringData(
            completed=completed,
            failed=failed,
            rating_sum=float(rating_sum),
            rating_n=rating_n,
            offer_holding=offer_holding,
        )
        needs.append(need)
    return needs, facts


def need_candidates_for_offer(
    *, offer: Offer, limit: int = CANDIDATE_POOL, offer_slots: list | None = None
) -> list[Need]:
    """Open needs within the offer's travel radius that its helper may take, nearest first,
    every hard constraint applied, in one indexed statement (`need_candidates_sql`).

    Radius, order and `approx_m` (metres) are measured between the two grid cells
    (`approx_location`), so nothing here depends on where inside its cell a home is (see the
    module docstring). Each need carries `approx_m`, `holding` (places taken) and `scoring`;
    it holds only the columns ranking and its pages use (id, owner, title, urgency, timing,
    languages, dietary needs, gender preference, places wanted, published time, grid cell).
    """
    return _need_candidates(offer=offer, limit=limit, offer_slots=offer_slots)[0]


def ranked_offers_for_need(*, need: Need, limit: int = 10) -> list[RankedPair]:
    """The best `limit` offers for a need, with components and an explanation each.

    Two queries: the need's weekly times, then the candidate statement, which brings
    everything the score needs."""
    need_slots = list(need.slots.all())
    candidates = offer_candidates_for_need(need=need, need_slots=need_slots)
    if not candidates:
        return []
    context = ScoringContext(
        need_slots={need.pk: need_slots},
        offer_slots={o.pk: o.scoring.slots for o in candidates},
        helper_stats={o.helper_id: (o.scoring.completed, o.scoring.failed) for o in candidates},
        helper_ratings={
            o.helper_id: (o.scoring.rating_sum, o.scoring.rating_n) for o in candidates
        },
        good_pairs={(need.owner_id, o.helper_id) for o in candidates if o.scoring.good},
        holding={o.pk: o.holding for o in candidates},
    )
    pairs = [(need, offer, float(offer.approx_m)) for offer in candidates]
    return score_pairs(pairs=pairs, viewer="need", council=need.council, context=context)[:limit]


def ranked_needs_for_offer(*, offer: Offer, limit: int = 10) -> list[RankedPair]:
    """The best `limit` needs for an offer, with components and an explanation each.

    Two queries, as for a need: the offer's weekly times, then the candidate statement,
    which brings everything the score needs (the helper's history and ratings once)."""
    offer_slots = list(offer.slots.all())
    candidates, facts = _need_candidates(offer=offer, limit=CANDIDATE_POOL, offer_slots=offer_slots)
    if not candidates:
        return []
    context = ScoringContext(
        need_slots={n.pk: n.scoring.slots for n in candidates},
        offer_slots={offer.pk: offer_slots},
        helper_stats={offer.helper_id: (facts.completed, facts.failed)},
        helper_ratings={offer.helper_id: (facts.rating_sum, facts.rating_n)},
        good_pairs={(n.owner_id, offer.helper_id) for n in candidates if n.scoring.good},
        holding={offer.pk: facts.offer_holding},
    )
    pairs = [(need, offer, float(need.approx_m)) for need in candidates]
    return score_pairs(pairs=pairs, viewer="offer", council=offer.council, context=context)[:limit]


# --- Access ---------------------------------------------------------------------------------


def need_for_ranking(*, user: User, need_id: int) -> Need:
    """The need, if `user` owns it or is staff of its council; otherwise NotFound."""
    # The council's boundary (thousands of points for a real council) is not needed to rank.
    need = (
        Need.objects.select_related("council", "category", "owner")
        .defer("council__boundary")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound()
    if need.owner_id == user.pk or staff_council_id(user) == need.council_id:
        return need
    raise NotFound()


def offer_for_ranking(*, user: User, offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_related("council", "category", "helper")
        .defer("council__boundary")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound()
    if offer.helper_id == user.pk or staff_council_id(user) == offer.council_id:
        return offer
    raise NotFound()


def matches_visible_to(*, user: User, as_staff: bool = True) -> QuerySet[Match]:
    """Matches where `user` is one of the two people, or all of their council if staff.

    `as_staff=False` leaves the council's out: the matches any person sees, which is what
    an endpoint for everyone gives a member of staff without two-factor authentication."""
    q = Q(need__owner_id=user.pk) | Q(offer__helper_id=user.pk)
    council_id = staff_council_id(user) if as_staff else None
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
