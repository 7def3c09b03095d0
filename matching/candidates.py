"""Candidate search and ranking: a need's offers and an offer's needs, best first.

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

Every hard constraint is part of the same SQL statement, composed from
`matching.eligibility.pair_conditions`, so the LIMIT counts only eligible rows and nothing
is filtered per row in Python.

Both directions are hand-written statements of the same two-level shape (a KNN scan that
applies reach alone, then every other rule probed row by row up to the LIMIT): a need's
offers (`offer_candidates_sql`, then a second statement for what scoring needs of the
candidates found, `_OFFER_EXTRAS_SQL`) and an offer's needs (`need_candidates_sql`, one
statement: the helper's own history is read once, whatever the number of needs). The offer
side was an ORM query until it was measured: Django passed the council and category as small
integers and the ORM's filter shape left the planner a bitmap scan of the cell index plus a
sort, not a KNN scan of the composite index that stops at the LIMIT.

Results are typed (`OfferCandidate`, `NeedCandidate`): the listing, rebuilt from the
statement's columns, with its distance, places taken and what scoring needs beside it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.numeric import Int8

from accounts.models import User
from core.db import prepared_cursor
from marketplace.availability import WeeklySlot
from marketplace.models import Need, Offer
from places.geo import distance_band, haversine_m_array

from . import eligibility
from .eligibility import Conditions, PairSql, holding_sql, search_bound_m
from .history import NO_HISTORY, RATINGS_SQL, STATS_SQL, HelperHistory, good_exists_sql
from .scoring import (
    PairFacts,
    RankedPair,
    combine,
    components_of,
    council_weights,
    explain,
    languages_of,
)

# Ranking scores this many of the nearest eligible candidates, then returns the best `limit`.
CANDIDATE_POOL = 50


@contextmanager
def knn_planner() -> Iterator[None]:
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
    planned on the composite (council, category, cell) index with its own values.

    `SET LOCAL` ends with the transaction: when this block is the transaction (a request's
    ranking), its commit or rollback undoes the settings and no `RESET` is sent (one round
    trip fewer); inside an outer transaction (a savepoint) they are reset on the way out."""
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL plan_cache_mode = force_custom_plan"
        )
        try:
            yield
        finally:
            if nested:
                cursor.execute("RESET enable_bitmapscan; RESET plan_cache_mode")


def _weekly(slots: Any) -> list[WeeklySlot]:
    """The statement's json_agg of [weekday, start, end] as weekly slots."""
    if isinstance(slots, str):
        slots = json.loads(slots)
    return [
        WeeklySlot(int(d), dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for d, a, b in slots
    ]


def _metres_from(cell: Point, rows: Sequence) -> list[float]:
    """Each row's cell (its `ax`, `ay`) to `cell` in metres (`places.geo.haversine_m`), in one
    array call: numpy costs as much for one value as for fifty."""
    return haversine_m_array([r.ax for r in rows], [r.ay for r in rows], cell.x, cell.y).tolist()


def _fetch(sql: str, params: dict) -> list[Any]:
    """Run a candidate statement (planned for KNN, prepared) and return its rows."""
    with knn_planner(), prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- A need's offers ------------------------------------------------------------------------
@dataclass(frozen=True)
class OfferCandidate:
    """An offer that may help with a need, and what ranking needs to know of it.

    `approx_m` is grid cell to grid cell (what decides the radius, the order and the
    proximity score); `helper_view_m` is from the helper's exact point to the need's cell
    (the band an alert may tell the helper, who knows their own home)."""

    offer: Offer
    approx_m: float
    helper_view_m: float
    holding: int
    slots: list[WeeklySlot]
    history: HelperHistory
    good_match: bool


class _OfferRow(NamedTuple):
    id: int
    helper_id: int
    title: str
    radius_m: int
    capacity: int
    languages: list[str]
    dietary_capabilities: list[str]
    ax: float
    ay: float
    knn: float
    helper_view_m: float
    holding: int
    display_name: str
    preferred_languages: list[str]
    slots: Any
    completed: int
    failed: int
    rating_sum: float
    rating_n: int
    good: bool


# Two levels. The scan walks the composite GiST index nearest-first applying rules 2 and 6
# alone (the index conditions and the radius); OFFSET 0 keeps it a level of its own, so the
# planner neither merges it with the rest nor pushes the other rules into it. The outer level
# applies every other rule to the rows the scan yields, each EXISTS a probe of one row
# (`PairSql.per_row`), and stops at the LIMIT. Planned this way the statement takes a fifth of
# the planning time of one flat query whose EXISTS the planner turns into joins to place.
_OFFER_CANDIDATES_SQL = """
SELECT o.id, o.helper_id, o.title, o.radius_m, o.capacity, o.languages, o.dietary_capabilities,
       o.ax, o.ay, o.knn, o.helper_view_m, h.holding, hu.display_name, hu.preferred_languages
FROM (
    SELECT o.*,
           ST_X(o.approx_location::geometry) AS ax, ST_Y(o.approx_location::geometry) AS ay,
           o.approx_location <-> %(pa)s::geography AS knn,
           ST_Distance(o.location, %(pa)s::geography, false) AS helper_view_m
    FROM marketplace_offer o
    WHERE o.status = 'open'
      AND {reach}
    ORDER BY o.approx_location <-> %(pa)s::geography
    OFFSET 0
) o
JOIN accounts_user hu ON hu.id = o.helper_id
CROSS JOIN LATERAL ({holding}) h
WHERE {where}
ORDER BY o.knn
LIMIT %(limit)s
"""

# What scoring needs of the candidates found, by offer id: their weekly times and their
# helpers' history. A separate statement of fixed shape (index lookups by id alone), so
# PostgreSQL may keep one generic plan for it instead of planning it on every ranking.
_OFFER_EXTRAS_SQL = """
SELECT x.id,
       COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end"))
                 FROM marketplace_offerslot s WHERE s.offer_id = x.id), '[]') AS slots,
       st.completed, st.failed, fb.rating_sum, fb.rating_n,
       {good} AS good
FROM unnest(%(offers)s::bigint[], %(helpers)s::bigint[]) AS x(id, helper_id)
CROSS JOIN LATERAL ({stats}) st
CROSS JOIN LATERAL ({ratings}) fb
"""

_RING_SQL = "ST_DWithin(o.approx_location, %(pa)s::geography, %(ring)s, false)"
_OPTED_IN_SQL = """EXISTS (SELECT 1 FROM matching_alertpreference ap
                 WHERE ap.user_id = o.helper_id AND ap.opted_in)"""


def offer_candidates_sql(
    *,
    need: Need,
    limit: int = CANDIDATE_POOL,
    ring_m: int | None = None,
    alerts_opted_in: bool = False,
    need_slots: Sequence | None = None,
) -> tuple[str, dict]:
    """The candidate statement for a need and its parameters (also used by EXPLAIN tests).

    Hand-written SQL rather than the ORM: this is the hottest query in Kith, in a fixed shape
    the planner serves with a KNN scan that stops at the LIMIT (see `_OFFER_CANDIDATES_SQL`).
    What scoring needs beyond the offer (its weekly times, its helper's history and ratings,
    a good past match) is read for only the LIMIT rows by `_OFFER_EXTRAS_SQL`, a statement of
    its own: in this one it doubled the planning on every call (measured at 1M offers: 2.9 ms
    of planning before the split, 0.6 ms after).
    Parameters are cast to the column types (bigint): an int literal against a bigint column
    is a cross-type comparison btree_gist does not index.
    """
    category = need.category
    slots = need_slots if need_slots is not None else list(need.slots.all())
    sides = PairSql(
        need="%(need)s",
        owner="%(owner)s",
        need_council="%(council)s::bigint",
        need_category="%(category)s::bigint",
        need_cell="%(pa)s::geography",
        gender_preference="%(gender)s",
        diet_required="%(diet)s::varchar[]",
        offer="o.id",
        helper="o.helper_id",
        offer_council="o.council_id",
        offer_category="o.category_id",
        offer_cell="o.approx_location",
        radius="o.radius_m",
        bound="%(bound)s",
        helper_gender="hu.gender",
        diet_offered="o.dietary_capabilities",
        offer_row="o",
        helper_row="hu",
        required_level=category.required_level,
        is_meal=category.is_meal,
        # The need's own places: a one-time condition (an InitPlan, evaluated once).
        need_holding=f"({holding_sql(column='need_id', listing_id='%(need)s')})",
        helpers_wanted="%(wanted)s",
        offer_holding="h.holding",
        capacity="o.capacity",
        fixed_slots=slots,
        row_slots=("marketplace_offerslot", "offer_id", "o.id"),
        per_row=True,
    )
    conditions = eligibility.pair_conditions(sides)
    reach = eligibility.reach_conditions(sides)
    params = {
        "pa": need.approx_location.ewkt,
        "council": need.council_id,
        "category": need.category_id,
        "bound": search_bound_m(need.council),
        "owner": need.owner_id,
        "need": need.pk,
        "wanted": need.helpers_wanted,
        "gender": need.helper_gender_preference or "",
        "diet": list(need.dietary_requirements or []),
        "limit": limit,
        **conditions.params,
    }
    # The scan has applied rules 2 and 6; the outer level applies the rest.
    rest = Conditions([c for c in conditions.sql if c not in reach])
    scan = list(reach)
    if ring_m is not None:
        # An alert's ring narrows the scan itself: the index stops at the ring's box, and no
        # offer beyond the ring is probed for the other rules.
        scan.append(_RING_SQL)
        params["ring"] = ring_m
    if alerts_opted_in:
        rest.sql.append(_OPTED_IN_SQL)
    sql = _OFFER_CANDIDATES_SQL.format(
        reach="\n      AND ".join(scan),
        holding=holding_sql(column="offer_id", listing_id="o.id"),
        where=rest.where(),
    )
    return sql, params


_OFFER_EXTRAS = _OFFER_EXTRAS_SQL.format(
    good=good_exists_sql(owner="%(owner)s::bigint", helper="x.helper_id"),
    stats=STATS_SQL.format(helper="x.helper_id"),
    ratings=RATINGS_SQL.format(helper="x.helper_id"),
)


def _offer_rows(sql: str, params: dict) -> list[_OfferRow]:
    """The candidate statement's rows, nearest first, each with its weekly times and its
    helper's history from the second statement (run after the first's planner settings have
    ended, so PostgreSQL may keep a generic plan for it)."""
    found = _fetch(sql, params)
    if not found:
        return []
    with prepared_cursor() as cursor:
        # Typed as bigint whatever their size: psycopg keeps a prepared statement per set of
        # parameter types, and would otherwise type small ids as smallint.
        cursor.execute(
            _OFFER_EXTRAS,
            {
                "offers": [Int8(row[0]) for row in found],
                "helpers": [Int8(row[1]) for row in found],
                "owner": Int8(params["owner"]),
            },
        )
        extras = {row[0]: row[1:] for row in cursor.fetchall()}
    rows = [_OfferRow(*row, *extras[row[0]]) for row in found]
    # Equally near offers (the same grid cell) in id order. In SQL, this second sort key would
    # make the planner sort every row the scan can reach before the LIMIT.
    rows.sort(key=lambda row: (row.knn, row.id))
    return rows


def _offer_of(row: _OfferRow, need: Need) -> Offer:
    """The offer of a candidate row, with its helper's public facts (only the columns the
    statement reads: nothing else of the helper is loaded)."""
    offer = Offer(
        id=row.id,
        helper_id=row.helper_id,
        council_id=need.council_id,
        category_id=need.category_id,
        title=row.title,
        radius_m=row.radius_m,
        capacity=row.capacity,
        languages=row.languages,
        dietary_capabilities=row.dietary_capabilities,
        status=Offer.Status.OPEN,
        approx_location=Point(row.ax, row.ay, srid=4326),
    )
    offer.helper = User(
        id=row.helper_id,
        display_name=row.display_name,
        preferred_languages=row.preferred_languages,
    )
    offer.category = need.category
    return offer


def offer_candidates_for_need(
    *,
    need: Need,
    limit: int = CANDIDATE_POOL,
    ring_m: int | None = None,
    alerts_opted_in: bool = False,
    need_slots: Sequence | None = None,
) -> list[OfferCandidate]:
    """Open offers that may help with `need`, nearest first, every hard constraint applied,
    in one indexed statement, then their times and history by id (see the module docstring).
    `ring_m` narrows the search (alerts); `alerts_opted_in` keeps helpers who asked for
    alerts."""
    if need.status != Need.Status.OPEN or not eligibility.person_ready(need.owner):
        return []
    sql, params = offer_candidates_sql(
        need=need,
        limit=limit,
        ring_m=ring_m,
        alerts_opted_in=alerts_opted_in,
        need_slots=need_slots,
    )
    rows = _offer_rows(sql, params)
    found = []
    for row, metres in zip(rows, _metres_from(need.approx_location, rows), strict=True):
        found.append(
            OfferCandidate(
                offer=_offer_of(row, need),
                approx_m=metres,
                helper_view_m=float(row.helper_view_m),
                holding=row.holding,
                slots=_weekly(row.slots),
                history=HelperHistory.of(row.completed, row.failed, row.rating_sum, row.rating_n),
                good_match=row.good,
            )
        )
    return found


# --- An offer's needs -----------------------------------------------------------------------
@dataclass(frozen=True)
class NeedCandidate:
    """A need an offer's helper may take; `approx_m` is grid cell to grid cell. It holds
    only the columns ranking and its pages use (id, owner, title, urgency, timing,
    languages, dietary needs, gender preference, places wanted, published time, grid cell)."""

    need: Need
    approx_m: float
    holding: int
    slots: list[WeeklySlot]
    good_match: bool


@dataclass(frozen=True)
class OfferFacts:
    """The searching offer's own side, read once by the same statement."""

    history: HelperHistory = NO_HISTORY
    holding: int = 0


class _NeedRow(NamedTuple):
    id: int
    owner_id: int
    title: str
    urgency: str
    timing: str
    languages: list[str]
    dietary_requirements: list[str]
    helper_gender_preference: str
    helpers_wanted: int
    published_at: dt.datetime | None
    ax: float
    ay: float
    knn: float
    holding: int
    display_name: str
    preferred_languages: list[str]
    slots: Any
    good: bool
    completed: int
    failed: int
    rating_sum: float
    rating_n: int
    offer_holding: int


# The mirror of `_OFFER_CANDIDATES_SQL`: the KNN scan of open needs applies rules 2 and 6
# alone, in a level of its own; the outer level applies every other rule, each EXISTS a probe
# of one row, and stops at the LIMIT. The offer's own side (its helper's history, its places
# taken) is read once, in materialised CTEs.
_NEED_CANDIDATES_SQL = """
WITH st AS MATERIALIZED (
    {stats}
), fb AS MATERIALIZED (
    {ratings}
), oh AS MATERIALIZED (
    {offer_holding}
)
SELECT c.id, c.owner_id, c.title, c.urgency, c.timing, c.languages, c.dietary_requirements,
       c.helper_gender_preference, c.helpers_wanted, c.published_at,
       c.ax, c.ay, c.knn, c.holding,
       c.display_name, c.preferred_languages,
       COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end"))
                 FROM marketplace_needslot s WHERE s.need_id = c.id), '[]') AS slots,
       {good} AS good,
       st.completed, st.failed, fb.rating_sum, fb.rating_n, oh.holding
FROM (
    SELECT n.id, n.owner_id, n.title, n.urgency, n.timing, n.languages, n.dietary_requirements,
           n.helper_gender_preference, n.helpers_wanted, n.published_at,
           n.ax, n.ay, n.knn, h.holding, nu.display_name, nu.preferred_languages
    FROM (
        SELECT n.*,
               ST_X(n.approx_location::geometry) AS ax, ST_Y(n.approx_location::geometry) AS ay,
               n.approx_location <-> %(pa)s::geography AS knn
        FROM marketplace_need n
        WHERE n.status = 'open'
          AND {reach}
        ORDER BY n.approx_location <-> %(pa)s::geography
        OFFSET 0
    ) n
    JOIN accounts_user nu ON nu.id = n.owner_id
    CROSS JOIN LATERAL ({holding}) h
    WHERE {where}
    ORDER BY n.knn
    LIMIT %(limit)s
) c
CROSS JOIN st CROSS JOIN fb CROSS JOIN oh
"""


def need_candidates_sql(
    *, offer: Offer, limit: int = CANDIDATE_POOL, offer_slots: Sequence | None = None
) -> tuple[str, dict]:
    """The candidate statement for an offer and its parameters (also used by EXPLAIN tests):
    the mirror of `offer_candidates_sql`, served by a KNN scan of the composite (council,
    category, cell) GiST index on open needs (matching migration 0005).

    The offer's own side (its places left, its helper's checks, gender and dietary
    capabilities) enters as constants, so those conditions are evaluated once; the helper's
    history and the offer's places taken are read once (materialised CTEs)."""
    category = offer.category
    bound = search_bound_m(offer.council)
    slots = offer_slots if offer_slots is not None else list(offer.slots.all())
    sides = PairSql(
        need="n.id",
        owner="n.owner_id",
        need_council="n.council_id",
        need_category="n.category_id",
        need_cell="%(pa)s::geography",
        gender_preference="n.helper_gender_preference",
        diet_required="n.dietary_requirements",
        offer="%(offer)s",
        helper="%(helper)s",
        offer_council="%(council)s::bigint",
        offer_category="%(category)s::bigint",
        offer_cell="n.approx_location",
        radius="%(radius)s",
        bound="%(bound)s",
        helper_gender="%(gender)s",
        diet_offered="%(diet)s::varchar[]",
        need_row="n",
        owner_row="nu",
        required_level=category.required_level,
        is_meal=category.is_meal,
        need_holding="h.holding",
        helpers_wanted="n.helpers_wanted",
        offer_holding="(SELECT holding FROM oh)",
        capacity="%(capacity)s",
        fixed_slots=slots,
        row_slots=("marketplace_needslot", "need_id", "n.id"),
        per_row=True,
    )
    conditions = eligibility.pair_conditions(sides)
    reach = eligibility.reach_conditions(sides)
    params = {
        "pa": offer.approx_location.ewkt,
        "council": offer.council_id,
        "category": offer.category_id,
        "bound": bound,
        "radius": int(offer.radius_m),
        "helper": offer.helper_id,
        "gender": offer.helper.gender or "",
        "offer": offer.pk,
        "capacity": offer.capacity,
        "diet": list(offer.dietary_capabilities or []),
        "limit": limit,
        **conditions.params,
    }
    sql = _NEED_CANDIDATES_SQL.format(
        stats=STATS_SQL.format(helper="%(helper)s"),
        ratings=RATINGS_SQL.format(helper="%(helper)s"),
        offer_holding=holding_sql(column="offer_id", listing_id="%(offer)s"),
        good=good_exists_sql(owner="c.owner_id", helper="%(helper)s"),
        reach="\n          AND ".join(reach),
        holding=holding_sql(column="need_id", listing_id="n.id"),
        # The scan has applied rules 2 and 6; the outer level applies the rest.
        where=Conditions([c for c in conditions.sql if c not in reach]).where("\n      "),
    )
    return sql, params


def _need_rows(sql: str, params: dict) -> list[_NeedRow]:
    """The candidate statement's rows, nearest first, equally near needs in id order (see
    `_offer_rows`)."""
    rows = [_NeedRow._make(row) for row in _fetch(sql, params)]
    rows.sort(key=lambda row: (row.knn, row.id))
    return rows


def _need_of(row: _NeedRow, offer: Offer) -> Need:
    """The need of a candidate row, with its owner's public facts (only the columns the
    statement reads)."""
    need = Need(
        id=row.id,
        owner_id=row.owner_id,
        council_id=offer.council_id,
        category_id=offer.category_id,
        title=row.title,
        urgency=row.urgency,
        timing=row.timing,
        languages=row.languages,
        dietary_requirements=row.dietary_requirements,
        helper_gender_preference=row.helper_gender_preference,
        helpers_wanted=row.helpers_wanted,
        published_at=row.published_at,
        status=Need.Status.OPEN,
        approx_location=Point(row.ax, row.ay, srid=4326),
    )
    need.owner = User(
        id=row.owner_id,
        display_name=row.display_name,
        preferred_languages=row.preferred_languages,
    )
    need.category = offer.category
    need.council = offer.council
    return need


def need_candidates(
    *, offer: Offer, limit: int = CANDIDATE_POOL, offer_slots: Sequence | None = None
) -> tuple[list[NeedCandidate], OfferFacts]:
    """Open needs within the offer's travel radius that its helper may take, nearest first,
    every hard constraint applied, in one indexed statement (`need_candidates_sql`), and
    the offer's own facts (its helper's history, its places taken) from the same statement.

    Radius, order and `approx_m` are measured between the two grid cells, so nothing here
    depends on where inside its cell a home is (see the module docstring)."""
    if offer.status != Offer.Status.OPEN or not eligibility.person_ready(offer.helper):
        return [], OfferFacts()
    sql, params = need_candidates_sql(offer=offer, limit=limit, offer_slots=offer_slots)
    rows = _need_rows(sql, params)
    found, facts = [], OfferFacts()
    for row, metres in zip(rows, _metres_from(offer.approx_location, rows), strict=True):
        found.append(
            NeedCandidate(
                need=_need_of(row, offer),
                approx_m=metres,
                holding=row.holding,
                slots=_weekly(row.slots),
                good_match=row.good,
            )
        )
        facts = OfferFacts(
            history=HelperHistory.of(row.completed, row.failed, row.rating_sum, row.rating_n),
            holding=row.offer_holding,
        )
    return found, facts


def need_candidates_for_offer(
    *, offer: Offer, limit: int = CANDIDATE_POOL, offer_slots: Sequence | None = None
) -> list[NeedCandidate]:
    """The needs of `need_candidates`, without the offer's own facts."""
    return need_candidates(offer=offer, limit=limit, offer_slots=offer_slots)[0]


# --- Ranking --------------------------------------------------------------------------------
# Ranking scores every candidate row of the statement as plain values (`PairFacts` made from
# the row's columns, the components of the one registry, `combine`), sorts them, and only
# then makes model instances, a grid point and an explanation for the `limit` it returns:
# the same scores, order and words as scoring every pair with `scoring.score_pairs`, for a
# fraction of the work (the parity tests compare them).
_Scored = tuple[float, float, int, PairFacts, dict, Any]


def _ranked(
    scored: list[_Scored], *, limit: int, viewer: str, weights: dict, pair
) -> list[RankedPair]:
    """The best `limit` of `scored` rows ((score, metres, id, facts, components, row)), best
    first (ties: nearer, then lower id, as `score_pairs`), each made a `RankedPair` with its
    explanation; `pair(row)` gives the (need, offer) of a row."""
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    ranked = []
    for score, metres, _id, facts, components, row in scored[:limit]:
        need, offer = pair(row)
        band = distance_band(metres)
        ranked.append(
            RankedPair(
                need=need,
                offer=offer,
                score=score,
                components=components,
                explanation=explain(
                    viewer=viewer, band=band, facts=facts, components=components, weights=weights
                ),
                distance_band=band,
                approx_distance_m=metres,
            )
        )
    return ranked


def ranked_offers_for_need(
    *, need: Need, limit: int = 10, need_slots: Sequence | None = None
) -> list[RankedPair]:
    """The best `limit` offers for a need, with components and an explanation each.

    Two statements when the need's weekly times are given (`need_slots`, as
    `selectors.need_and_slots_for_ranking` reads them with the need), else three: the times,
    then the candidate statement, then the candidates' own times and history by id
    (`_offer_rows`)."""
    if need.status != Need.Status.OPEN or not eligibility.person_ready(need.owner):
        return []
    need_slots = list(need.slots.all()) if need_slots is None else list(need_slots)
    sql, params = offer_candidates_sql(need=need, need_slots=need_slots)
    rows = _offer_rows(sql, params)
    if not rows:
        return []
    now = timezone.now()
    weights = council_weights(need.council)
    wanted = languages_of(need, need.owner)
    published_at = need.published_at
    scored: list[_Scored] = []
    for row, metres in zip(rows, _metres_from(need.approx_location, rows), strict=True):
        facts = PairFacts(
            approx_m=metres,
            radius_m=row.radius_m,
            need_slots=need_slots,
            offer_slots=_weekly(row.slots),
            wanted=wanted,
            spoken=list(row.languages or row.preferred_languages or []),
            history=HelperHistory.of(row.completed, row.failed, row.rating_sum, row.rating_n),
            good_match=row.good,
            published_at=published_at,
            now=now,
            holding=row.holding,
            capacity=row.capacity,
        )
        components = components_of(facts)
        scored.append((combine(components, weights), metres, row.id, facts, components, row))
    return _ranked(
        scored,
        limit=limit,
        viewer="need",
        weights=weights,
        pair=lambda row: (need, _offer_of(row, need)),
    )


def ranked_needs_for_offer(
    *, offer: Offer, limit: int = 10, offer_slots: Sequence | None = None
) -> list[RankedPair]:
    """The best `limit` needs for an offer, with components and an explanation each.

    Two queries, as for a need: the offer's weekly times (unless given), then the candidate
    statement, which brings everything the score needs (the helper's history and ratings
    once)."""
    if offer.status != Offer.Status.OPEN or not eligibility.person_ready(offer.helper):
        return []
    offer_slots = list(offer.slots.all()) if offer_slots is None else list(offer_slots)
    sql, params = need_candidates_sql(offer=offer, limit=CANDIDATE_POOL, offer_slots=offer_slots)
    need_rows = _need_rows(sql, params)
    if not need_rows:
        return []
    now = timezone.now()
    weights = council_weights(offer.council)
    spoken = languages_of(offer, offer.helper)
    last = need_rows[-1]
    # The helper's record and the offer's places are the offer's own: the same on every row.
    history = HelperHistory.of(last.completed, last.failed, last.rating_sum, last.rating_n)
    scored: list[_Scored] = []
    for row, metres in zip(need_rows, _metres_from(offer.approx_location, need_rows), strict=True):
        facts = PairFacts(
            approx_m=metres,
            radius_m=offer.radius_m,
            need_slots=_weekly(row.slots),
            offer_slots=offer_slots,
            wanted=list(row.languages or row.preferred_languages or []),
            spoken=spoken,
            history=history,
            good_match=row.good,
            published_at=row.published_at,
            now=now,
            holding=last.offer_holding,
            capacity=offer.capacity,
        )
        components = components_of(facts)
        scored.append((combine(components, weights), metres, row.id, facts, components, row))
    return _ranked(
        scored,
        limit=limit,
        viewer="offer",
        weights=weights,
        pair=lambda row: (_need_of(row, offer), offer),
    )
