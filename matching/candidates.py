"""Candidate search and ranking: a need's offers and an offer's needs, best first.

Location privacy: every people-facing result here (who is a candidate, in which order, the
proximity score) is measured from grid cell centre to grid cell centre (`approx_location`),
never from an exact home. Measuring from exact points let a stranger who moved their own pin
and watched whether a need appeared (or how two were ordered) narrow a home down below the
published cell (see tests/trust/test_trilateration.py).

The statements themselves, and why they have the shape they have, are in
`matching.candidate_sql`. This module runs them and types their rows (`OfferCandidate`,
`NeedCandidate`: the listing, rebuilt from the statement's columns, with its distance,
places taken and what scoring needs beside it), and ranks them (`ranked_offers_for_need`,
`ranked_needs_for_offer`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import User
from marketplace.availability import WeeklySlot, weekly_from_json
from marketplace.models import Need, Offer
from places.geo import distance_band, haversine_m_array

from . import eligibility
from .candidate_sql import (
    CANDIDATE_POOL,
    fetch,
    fetch_offer_extras,
    need_candidates_sql,
    offer_candidates_sql,
)
from .history import NO_HISTORY, HelperHistory
from .scoring import (
    PairFacts,
    RankedPair,
    combine,
    components_of,
    council_weights,
    explain,
    languages_of,
)

T = TypeVar("T")


def _nearest_first(rows: list) -> list:
    """Candidate rows nearest first, equally near ones (the same grid cell) in id order. In
    SQL, this second sort key would make the planner sort every row the scan can reach before
    the LIMIT."""
    rows.sort(key=lambda row: (row.knn, row.id))
    return rows


def _history_of(row) -> HelperHistory:
    """The helper's record from a candidate row's columns (either direction's)."""
    return HelperHistory.of(row.completed, row.failed, row.rating_sum, row.rating_n, row.going)


def _metres_from(cell: Point, rows: Sequence) -> list[float]:
    """Each row's cell (its `ax`, `ay`) to `cell` in metres (`places.geo.haversine_m`), in one
    array call: numpy costs as much for one value as for fifty."""
    return haversine_m_array([r.ax for r in rows], [r.ay for r in rows], cell.x, cell.y).tolist()


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
    going: int


def _offer_rows(sql: str, params: dict) -> list[_OfferRow]:
    """The candidate statement's rows, nearest first, each with its weekly times and its
    helper's history from the second statement (run after the first's planner settings have
    ended, so PostgreSQL may keep a generic plan for it)."""
    found = fetch(sql, params)
    if not found:
        return []
    extras = fetch_offer_extras(found, owner=params["owner"])
    return _nearest_first([_OfferRow(*row, *extras[row[0]]) for row in found])


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
                slots=weekly_from_json(row.slots),
                history=_history_of(row),
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
    going: int


def _need_rows(sql: str, params: dict) -> list[_NeedRow]:
    """The candidate statement's rows, nearest first (`_nearest_first`)."""
    return _nearest_first([_NeedRow._make(row) for row in fetch(sql, params)])


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
                slots=weekly_from_json(row.slots),
                good_match=row.good,
            )
        )
        facts = OfferFacts(
            history=_history_of(row),
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


def first_of_each(items: Iterable[T], key: Callable[[T], Any]) -> list[T]:
    """`items` (best first) keeping only the first of those with the same `key`. A need's
    ranking suggests each helper once, through their best offer: a helper with two offers
    of one kind (two areas, two sets of times) is one person to ask, and a need's second
    proposal to the same helper is refused anyway (`eligibility`, one proposal per need and
    helper)."""
    seen: set = set()
    kept = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            kept.append(item)
    return kept


def _ranked(
    scored: list[_Scored], *, limit: int, viewer: str, weights: dict, pair, one_per=None
) -> list[RankedPair]:
    """The best `limit` of `scored` rows ((score, metres, id, facts, components, row)), best
    first (ties: nearer, then lower id, as `score_pairs`), each made a `RankedPair` with its
    explanation; `pair(row)` gives the (need, offer) of a row; `one_per(row)`, when given,
    keeps only the best row of each of its values."""
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    if one_per is not None:
        scored = first_of_each(scored, lambda s: one_per(s[5]))
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
    """The best `limit` offers for a need, with components and an explanation each, one per
    helper (`first_of_each`).

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
            offer_slots=weekly_from_json(row.slots),
            wanted=wanted,
            spoken=list(row.languages or row.preferred_languages or []),
            history=_history_of(row),
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
        one_per=lambda row: row.helper_id,
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
    history = _history_of(last)
    scored: list[_Scored] = []
    for row, metres in zip(need_rows, _metres_from(offer.approx_location, need_rows), strict=True):
        facts = PairFacts(
            approx_m=metres,
            radius_m=offer.radius_m,
            need_slots=weekly_from_json(row.slots),
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
