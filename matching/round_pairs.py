"""The pairs a round considers (step 1 of `matching.rounds`): the council's open listings,
read in two statements, paired with a KD-tree per category, then filtered with the hard
constraints of `matching.eligibility`.

Both sides are placed at their grid cell centres (`approx_location`), never their exact
homes, like the candidate search. The rules themselves are `matching.eligibility`'s: its SQL
for the listings (open, people able to match, check levels held), its Python checks for each
pair. Many pairs share the same few facts those checks read (a category's check level, a
gender asked for, a cook's diets, a weekly timetable), so each check is asked once for each
combination of facts it reads, not once for each pair.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np
from django.db import connection
from scipy.spatial import cKDTree

from accounts.models import Council
from marketplace.availability import WeeklySlot
from marketplace.models import NeedSlot, OfferSlot
from places.geo import haversine_m_array

from . import eligibility
from .models import Match


class OfferRow(NamedTuple):
    id: int
    helper_id: int
    category_id: int
    lon: float  # grid cell centre
    lat: float
    radius_m: int
    capacity: int
    languages: list[str]
    dietary_capabilities: list[str]
    gender: str
    preferred_languages: list[str]
    level: int  # the highest check level the helper holds today
    holding: int


class NeedRow(NamedTuple):
    id: int
    owner_id: int
    category_id: int
    lon: float  # grid cell centre
    lat: float
    helpers_wanted: int
    helper_gender_preference: str
    dietary_requirements: list[str]
    languages: list[str]
    published_at: dt.datetime | None
    preferred_languages: list[str]
    required_level: int
    is_meal: bool
    holding: int


_OFFERS_SQL = """
SELECT o.id, o.helper_id, o.category_id,
       ST_X(o.approx_location::geometry), ST_Y(o.approx_location::geometry),
       o.radius_m, o.capacity, o.languages, o.dietary_capabilities,
       u.gender, u.preferred_languages, {level} AS level, ({holding}) AS holding
FROM marketplace_offer o JOIN accounts_user u ON u.id = o.helper_id
WHERE o.council_id = %(council)s AND {ready}
"""
_NEEDS_SQL = """
SELECT n.id, n.owner_id, n.category_id,
       ST_X(n.approx_location::geometry), ST_Y(n.approx_location::geometry),
       n.helpers_wanted, n.helper_gender_preference, n.dietary_requirements, n.languages,
       extract(epoch FROM n.published_at)::float8, u.preferred_languages, c.required_level,
       c.is_meal, ({holding}) AS holding
FROM marketplace_need n
JOIN accounts_user u ON u.id = n.owner_id
JOIN marketplace_category c ON c.id = n.category_id
WHERE n.council_id = %(council)s AND {ready}
"""
_BLOCKS_SQL = """
SELECT b.blocker_id, b.blocked_id FROM marketplace_block b
WHERE EXISTS (SELECT 1 FROM marketplace_need n WHERE n.council_id = %(council)s
              AND n.status = 'open' AND n.owner_id IN (b.blocker_id, b.blocked_id))
"""


def fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def listings(council: Council) -> tuple[list[OfferRow], list[NeedRow]]:
    """The council's open offers and needs whose people may match (rule 3), by name."""
    params = {"council": council.pk, **eligibility.check_params()}
    offers = fetch(
        _OFFERS_SQL.format(
            level=eligibility.level_held_sql("o.helper_id"),
            holding=eligibility.holding_sql(column="offer_id", listing_id="o.id"),
            ready=eligibility.listing_ready_sql("o", "u"),
        ),
        params,
    )
    needs = fetch(
        _NEEDS_SQL.format(
            holding=eligibility.holding_sql(column="need_id", listing_id="n.id"),
            ready=eligibility.listing_ready_sql("n", "u"),
        ),
        params,
    )
    # Publication times come as seconds since the epoch: tens of thousands of timestamps
    # are read far faster as numbers than parsed from text.
    return [OfferRow._make(o) for o in offers], [
        NeedRow._make(n[:9] + (_from_epoch(n[9]),) + n[10:]) for n in needs
    ]


def _from_epoch(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def weekly_times(council_id: int) -> tuple[dict[int, list], dict[int, list]]:
    """The weekly times of the council's open needs and offers, by listing id, as plain
    values read once (every pair compares them)."""
    need_slots: dict[int, list] = {}
    for need_id, weekday, start, end in (
        NeedSlot.objects.filter(need__council_id=council_id, need__status="open")
        .order_by()
        .values_list("need_id", "weekday", "start", "end")
    ):
        need_slots.setdefault(need_id, []).append(WeeklySlot(weekday, start, end))
    offer_slots: dict[int, list] = {}
    for offer_id, weekday, start, end in (
        OfferSlot.objects.filter(offer__council_id=council_id, offer__status="open")
        .order_by()
        .values_list("offer_id", "weekday", "start", "end")
    ):
        offer_slots.setdefault(offer_id, []).append(WeeklySlot(weekday, start, end))
    return need_slots, offer_slots


# --- Within reach ---------------------------------------------------------------------------
def _metres_xy(lon, lat, lon0: float, lat0: float):
    """A local equirectangular projection around the council (error well under 1% at the
    scale of one council), so a KD-tree can find the pairs that may be within each helper's
    radius; the radius rule itself is then applied with `places.geo.haversine_m_array`."""
    k = _M_PER_DEG * math.cos(math.radians(lat0))
    return (np.asarray(lon) - lon0) * k, (np.asarray(lat) - lat0) * _M_PER_DEG


_M_PER_DEG = 111_320.0
# The KD-tree looks this much further than each radius, so that no pair the sphere puts
# within reach is lost to the projection's error.
_TREE_SLACK = 1.02


class _Side(NamedTuple):
    """One category's listings of one side: their indexes into the rows, projected points."""

    rows: np.ndarray
    xy: np.ndarray


def _sides(offers: list[OfferRow], needs: list[NeedRow], centre) -> list[tuple[_Side, _Side]]:
    """(offers, needs) of each category that has both, with their projected points."""
    o_cat = np.array([o.category_id for o in offers])
    n_cat = np.array([n.category_id for n in needs])
    o_xy = np.column_stack(_metres_xy([o.lon for o in offers], [o.lat for o in offers], *centre))
    n_xy = np.column_stack(_metres_xy([n.lon for n in needs], [n.lat for n in needs], *centre))
    found = []
    for cat in np.unique(o_cat).tolist():
        idx, cat_needs = np.flatnonzero(o_cat == cat), np.flatnonzero(n_cat == cat)
        if len(cat_needs):
            found.append((_Side(idx, o_xy[idx]), _Side(cat_needs, n_xy[cat_needs])))
    return found


def nearest_within_reach(
    offers: list[OfferRow],
    needs: list[NeedRow],
    *,
    centre,
    bound: int,
    per_need: int,
    allowed: Callable[[Pairs], np.ndarray],
) -> Pairs:
    """Each need's `per_need` nearest offers of its category within reach (rule 6) that the
    other rules allow: `allowed` says which of pairs sorted by need, then distance, to keep
    (at most `per_need` of each need). Sorted by need, then distance, then offer.

    Each need asks a KD-tree of its category's offers for its k nearest, k growing only for
    the needs that may have more to find: those with an offer not yet seen that could be as
    near as the farthest kept one (or, with fewer kept than `allowed` would take, any not yet
    seen within the furthest reach). So the work grows with the needs, not with the pairs
    within reach, which grow with the square of a city's density."""
    o_lon, o_lat = np.array([o.lon for o in offers]), np.array([o.lat for o in offers])
    n_lon, n_lat = np.array([n.lon for n in needs]), np.array([n.lat for n in needs])
    reach = np.minimum(np.array([o.radius_m for o in offers]), bound)
    # No pair is further apart than this, on the projection (see _TREE_SLACK).
    furthest = float(reach.max(initial=0)) * _TREE_SLACK + 1.0
    parts: list[Pairs] = []
    for cat_offers, cat_needs in _sides(offers, needs, centre):
        tree = cKDTree(cat_offers.xy)
        total = len(cat_offers.rows)
        pending = np.arange(len(cat_needs.rows))
        k = min(total, _FIRST_K)
        while len(pending):
            projected, hit = tree.query(cat_needs.xy[pending], k=k, distance_upper_bound=furthest)
            projected = projected.reshape(len(pending), k)
            hit = hit.reshape(len(pending), k)
            seen = hit < total
            rows = np.repeat(np.arange(len(pending)), k)[seen.ravel()]
            pn = cat_needs.rows[pending[rows]]
            po = cat_offers.rows[hit[seen]]
            pd = haversine_m_array(o_lon[po], o_lat[po], n_lon[pn], n_lat[pn])
            near = pd <= reach[po]
            rows, pn, po, pd = rows[near], pn[near], po[near], pd[near]
            order = np.lexsort((po, pd, pn))
            pairs = Pairs(pn[order], po[order], pd[order])
            rows = rows[order]
            keep = allowed(pairs)
            # Done: every offer within reach was seen, or none unseen can be as near as the
            # farthest one kept (projected distances are within _TREE_SLACK of the sphere's).
            kth = projected[:, -1]
            farthest_kept = np.full(len(pending), -1.0)
            np.maximum.at(farthest_kept, rows[keep], pairs.metres[keep])
            full = np.bincount(rows[keep], minlength=len(pending)) >= per_need
            done = (
                (k >= total)
                | ~np.isfinite(kth)
                | (full & ((kth - 1.0) / _TREE_SLACK > farthest_kept))
            )
            finished = done[rows]
            parts.append(Pairs(*(a[keep & finished] for a in pairs)))
            pending = pending[~done]
            k = min(total, k * 4)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, np.zeros(0))
    pn, po, pd = (np.concatenate([getattr(p, f) for p in parts]) for f in Pairs._fields)
    order = np.lexsort((po, pd, pn))
    return Pairs(pn[order], po[order], pd[order])


# The nearest offers each need first asks for; needs with more to find ask for four times as
# many, until they have found all they may keep.
_FIRST_K = 32


# --- The other rules -----------------------------------------------------------------------
class Pairs(NamedTuple):
    """Pairs as three arrays: need index, offer index (into the rows) and metres."""

    need: np.ndarray
    offer: np.ndarray
    metres: np.ndarray


def _kinds(keys: list[Hashable]) -> np.ndarray:
    """A small number for each key, the same for equal keys (in order of first appearance)."""
    seen: dict[Hashable, int] = {}
    return np.array([seen.setdefault(key, len(seen)) for key in keys], dtype=np.int64)


class _Once:
    """`check(need index, offer index)` for many pairs, asked once for each combination of
    the two sides' kinds (`kinds`: one per need, one per offer; listings of one kind give
    `check` the same facts) and spread to every pair of that combination."""

    def __init__(self, check: Callable[[int, int], bool], kinds: tuple[np.ndarray, np.ndarray]):
        self.check, (self.need_kinds, self.offer_kinds) = check, kinds
        self.width = int(self.offer_kinds.max(initial=0)) + 1
        self.known: dict[int, bool] = {}

    def __call__(self, need: np.ndarray, offer: np.ndarray) -> np.ndarray:
        keys = self.need_kinds[need] * self.width + self.offer_kinds[offer]
        distinct, first, position = np.unique(keys, return_index=True, return_inverse=True)
        known, check = self.known, self.check
        answers = []
        for key, j, i in zip(
            distinct.tolist(), need[first].tolist(), offer[first].tolist(), strict=True
        ):
            answer = known.get(key)
            if answer is None:
                answer = known[key] = check(j, i)
            answers.append(answer)
        return np.array(answers, dtype=bool)[position]


@dataclass
class PairRules:
    """Rules 1, 4, 5, 7–9 and 11 of `matching.eligibility` on rows already read (2, 3, 6 and
    10 are applied to the listings and by `nearest_within_reach`). `blocks` are (blocker id,
    blocked id), `not_again` (need id, helper id)."""

    needs: list[NeedRow]
    offers: list[OfferRow]
    blocks: set[tuple[int, int]]
    not_again: set[tuple[int, int]]
    need_slots: dict[int, list]
    offer_slots: dict[int, list]

    @cached_property
    def _ask(self) -> tuple[_Once, _Once]:
        """`fits` and `times` asked once per combination of kinds, remembered across calls
        (a round asks for the pairs of some needs again, further out)."""
        return _Once(self.fits, self.fit_kinds()), _Once(self.times, self.time_kinds())

    @cached_property
    def _people(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int], list[int]]:
        """Each need's owner and id, each offer's helper, and the people and needs that
        rules 4 and 11 may refuse (a block, a match before)."""
        return (
            np.array([n.owner_id for n in self.needs], dtype=np.int64),
            np.array([n.id for n in self.needs], dtype=np.int64),
            np.array([o.helper_id for o in self.offers], dtype=np.int64),
            list({person for block in self.blocks for person in block}),
            list({need_id for need_id, _ in self.not_again}),
        )

    def people(self, j: int, i: int) -> bool:
        """Rules 1, 4 and 11: not one's own need, no block either way, not suggested before."""
        n, o = self.needs[j], self.offers[i]
        return (
            n.owner_id != o.helper_id
            and (n.owner_id, o.helper_id) not in self.blocks
            and (o.helper_id, n.owner_id) not in self.blocks
            and (n.id, o.helper_id) not in self.not_again
        )

    def fits(self, j: int, i: int) -> bool:
        """Rules 5, 7 and 8: the check level, the gender asked for, the diets a meal needs."""
        n, o = self.needs[j], self.offers[i]
        return (
            eligibility.level_ok(held=o.level, required=n.required_level)
            and eligibility.gender_ok(preference=n.helper_gender_preference, gender=o.gender)
            and not eligibility.diet_missing(
                is_meal=n.is_meal, required=n.dietary_requirements, offered=o.dietary_capabilities
            )
        )

    def fit_kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """Listings that give `fits` the same facts: everything it reads of each side."""
        return (
            _kinds(
                [
                    (n.required_level, n.helper_gender_preference, n.is_meal)
                    + tuple(n.dietary_requirements)
                    for n in self.needs
                ]
            ),
            _kinds([(o.level, o.gender, *o.dietary_capabilities) for o in self.offers]),
        )

    def times(self, j: int, i: int) -> bool:
        """Rule 9: the weekly times overlap, or a side gave none."""
        return eligibility.times_ok(
            self.need_slots.get(self.needs[j].id, []), self.offer_slots.get(self.offers[i].id, [])
        )

    def time_kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """Listings that give `times` the same facts: the same weekly timetable."""
        return (
            _kinds([tuple(self.need_slots.get(n.id, ())) for n in self.needs]),
            _kinds([tuple(self.offer_slots.get(o.id, ())) for o in self.offers]),
        )

    def people_allowed(self, pairs: Pairs) -> np.ndarray:
        """Rules 1, 4 and 11 for each of `pairs`, asked only of the pairs of one person, with
        a block or whose need had a match before: the others pass them."""
        owners, ids, helpers, marked, again = self._people
        owner, need_ids, helper = owners[pairs.need], ids[pairs.need], helpers[pairs.offer]
        ask = np.flatnonzero(
            (owner == helper) | np.isin(owner, marked) | np.isin(need_ids, again)
        ).tolist()
        ok = np.ones(len(pairs.need), dtype=bool)
        need_l, offer_l = pairs.need.tolist(), pairs.offer.tolist()
        ok[ask] = [self.people(need_l[k], offer_l[k]) for k in ask]
        return ok

    def nearest_allowed(self, pairs: Pairs, *, per_need: int) -> np.ndarray:
        """Which of `pairs` (sorted by need, then distance) are each need's `per_need`
        nearest that the rules allow. Rules 5, 7 and 8 are asked once per combination of
        kinds; rule 9, the dearest, last and only of the pairs it decides: those that would
        be kept if it allowed them (the next ones are asked in turn when it does not)."""
        ok = self.people_allowed(pairs)
        if not len(ok):
            return ok
        fits, times = self._ask
        ok &= fits(pairs.need, pairs.offer)
        asked = np.zeros(len(ok), dtype=bool)
        while True:
            rank = _rank(pairs.need, ok)
            todo = np.flatnonzero(ok & ~asked & (rank < per_need))
            if not len(todo):
                return ok & (rank < per_need)
            asked[todo] = True
            ok[todo] = times(pairs.need[todo], pairs.offer[todo])


def _rank(need: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """For each pair (sorted by need), how many allowed pairs of its need come before it."""
    before = np.cumsum(ok) - ok
    starts = np.flatnonzero(np.concatenate(([True], need[1:] != need[:-1])))
    return before - np.repeat(before[starts], np.diff(np.append(starts, len(need))))


def eligible_pairs(
    council: Council,
    offers: list[OfferRow],
    needs: list[NeedRow],
    *,
    slots: tuple[dict[int, list], dict[int, list]],
    per_need: int,
) -> Pairs:
    """The eligible pairs, each need keeping its `per_need` nearest, sorted by need, then
    distance."""
    # Everything here is read by council, never as a list of thousands of ids.
    cid = council.pk
    rules = PairRules(
        needs=needs,
        offers=offers,
        blocks=set(fetch(_BLOCKS_SQL, {"council": cid})),
        not_again=set(
            Match.objects.filter(
                need__council_id=cid, need__status="open", status__in=eligibility.NOT_AGAIN
            ).values_list("need_id", "offer__helper_id")
        ),
        need_slots=slots[0],
        offer_slots=slots[1],
    )
    return nearest_within_reach(
        offers,
        needs,
        centre=council.boundary.centroid,
        bound=eligibility.search_bound_m(council),
        per_need=per_need,
        allowed=lambda pairs: rules.nearest_allowed(pairs, per_need=per_need),
    )
