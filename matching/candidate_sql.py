"""The candidate statements: what a need's or an offer's candidate search asks PostgreSQL,
and how it is planned. `matching.candidates` runs them and turns their rows into typed
candidates and rankings.

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
offers (`offer_candidates_sql`, then `OFFER_EXTRAS` for what scoring needs of the candidates
found) and an offer's needs (`need_candidates_sql`, one statement: the helper's own history
is read once, whatever the number of needs). The offer side was an ORM query until it was
measured: Django passed the council and category as small integers and the ORM's filter
shape left the planner a bitmap scan of the cell index plus a sort, not a KNN scan of the
composite index that stops at the LIMIT.

Location privacy: every statement here measures from grid cell centre to grid cell centre
(`approx_location`); the exact point (`location`) is read only for the band a helper may be
told from their own home (see `matching.candidates`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from django.db import connection, transaction
from psycopg.types.numeric import Int8

from core.db import prepared_cursor
from marketplace.models import Need, Offer

from . import eligibility
from .eligibility import Conditions, PairSql, holding_sql, search_bound_m
from .history import RATINGS_SQL, STATS_SQL, good_exists_sql

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


def fetch(sql: str, params: dict) -> list[Any]:
    """Run a candidate statement (planned for KNN, prepared) and return its rows."""
    with knn_planner(), prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _scan_and_rest(sides: PairSql) -> tuple[list[str], Conditions]:
    """A two-level statement's conditions: rules 2 and 6 for the KNN scan, every other rule
    (each EXISTS a probe of one row) for the level above it, with the parameters of all."""
    conditions = eligibility.pair_conditions(replace(sides, per_row=True))
    reach = eligibility.reach_conditions(sides)
    rest = Conditions([c for c in conditions.sql if c not in reach], conditions.params)
    return reach, rest


# --- A need's offers ------------------------------------------------------------------------
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
       {good} AS good, st.going
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
    )
    reach, rest = _scan_and_rest(sides)
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
        **rest.params,
    }
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


OFFER_EXTRAS = _OFFER_EXTRAS_SQL.format(
    good=good_exists_sql(owner="%(owner)s::bigint", helper="x.helper_id"),
    stats=STATS_SQL.format(helper="x.helper_id"),
    ratings=RATINGS_SQL.format(helper="x.helper_id"),
)


def fetch_offer_extras(found: Sequence, *, owner: int) -> dict[int, tuple]:
    """Run `OFFER_EXTRAS` for candidate rows `found` (offer id, helper id first), after the
    candidate statement's planner settings have ended, so PostgreSQL may keep one generic plan
    for it: {offer id: (slots, completed, failed, rating sum, ratings, good past match,
    matches going)}."""
    with prepared_cursor() as cursor:
        # Typed as bigint whatever their size: psycopg keeps a prepared statement per set of
        # parameter types, and would otherwise type small ids as smallint.
        cursor.execute(
            OFFER_EXTRAS,
            {
                "offers": [Int8(row[0]) for row in found],
                "helpers": [Int8(row[1]) for row in found],
                "owner": Int8(owner),
            },
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


# --- An offer's needs -----------------------------------------------------------------------
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
       st.completed, st.failed, fb.rating_sum, fb.rating_n, oh.holding, st.going
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
    )
    reach, rest = _scan_and_rest(sides)
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
        **rest.params,
    }
    sql = _NEED_CANDIDATES_SQL.format(
        stats=STATS_SQL.format(helper="%(helper)s"),
        ratings=RATINGS_SQL.format(helper="%(helper)s"),
        offer_holding=holding_sql(column="offer_id", listing_id="%(offer)s"),
        good=good_exists_sql(owner="c.owner_id", helper="%(helper)s"),
        reach="\n          AND ".join(reach),
        holding=holding_sql(column="need_id", listing_id="n.id"),
        where=rest.where("\n      "),
    )
    return sql, params
