"""Matching rounds: an optimal assignment over all of a council's open needs and offers,
proposed for staff review beside the greedy assignment of the same input.

1. Edges: every eligible (need, offer) pair. The council's open listings are read in two
   statements and paired with a KD-tree per category (each helper's own radius), then the
   same hard constraints as the candidate search are applied. Each need keeps its
   `ROUND_EDGES_PER_NEED` nearest eligible offers, which keeps the problem linear in the
   number of needs.
   Both sides are placed at their grid cell centres (`approx_location`), never their exact
   homes, like the candidate search: no proposal depends on where inside a cell a home is.
   The hard constraints are `matching.eligibility`'s: its SQL for the listings (open, people
   able to match, check levels held), its Python checks for each pair.
2. Scores: the same component registry, `combine` and council weights as ranking
   (`matching.scoring`), from the same facts (`matching.history` for people's past).
3. Assignment: a bipartite b-matching (a need takes up to its free places, an offer up to
   its free capacity). Lexicographic objective, solved as two LPs with HiGHS' dual simplex
   (`scipy.optimize.linprog`): first the most places filled, then the highest total score
   among assignments that fill that many. The constraint matrix of a bipartite b-matching is
   totally unimodular and the second phase optimises over a face of that polytope, so the
   vertex found is integral (checked; `milp` with integrality is the fallback).
4. Greedy for comparison: best score first while both sides have room.

"Needs met" counts places filled: a need asking for two helpers counts twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_id
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.availability import WeeklySlot
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from places.geo import haversine_m_array

from . import eligibility, scoring
from .history import (
    NO_HISTORY,
    HelperHistory,
    good_pairs_sql,
    histories_sql,
    read_good_pairs,
    read_histories,
)
from .models import Match, Round, RoundProposal
from .scoring import ScoringContext, council_weights, score_pairs

ROUND_EDGES_PER_NEED = 8


@dataclass
class Problem:
    need_ids: list[int]
    offer_ids: list[int]
    need_cap: dict[int, int]
    offer_cap: dict[int, int]
    edges: list[tuple[int, int]]  # (need_id, offer_id)
    scores: list[float]
    approx_m: list[float] = field(default_factory=list)
    # What scoring needs, already read by build_problem (reused for the explanations).
    context: ScoringContext | None = None


@dataclass
class Assignment:
    chosen: list[int]  # indexes into Problem.edges
    needs_met: int
    total_score: float
    seconds: float = 0.0


class _OfferRow(NamedTuple):
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


class _NeedRow(NamedTuple):
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
       n.published_at, u.preferred_languages, c.required_level, c.is_meal, ({holding}) AS holding
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
_COUNCIL_HELPERS = (
    "(SELECT DISTINCT helper_id FROM marketplace_offer"
    " WHERE council_id = %(council)s AND status = 'open') AS h(id)"
)
_COUNCIL_OWNERS = (
    "pn.owner_id IN (SELECT owner_id FROM marketplace_need"
    " WHERE council_id = %(council)s AND status = 'open')"
)


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _listings(council: Council) -> tuple[list[_OfferRow], list[_NeedRow]]:
    """The council's open offers and needs whose people may match (rule 3), by name."""
    params = {"council": council.pk, **eligibility.check_params()}
    offers = _fetch(
        _OFFERS_SQL.format(
            level=eligibility.level_held_sql("o.helper_id"),
            holding=eligibility.holding_sql(column="offer_id", listing_id="o.id"),
            ready=eligibility.listing_ready_sql("o", "u"),
        ),
        params,
    )
    needs = _fetch(
        _NEEDS_SQL.format(
            holding=eligibility.holding_sql(column="need_id", listing_id="n.id"),
            ready=eligibility.listing_ready_sql("n", "u"),
        ),
        params,
    )
    return [_OfferRow._make(o) for o in offers], [_NeedRow._make(n) for n in needs]


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


def _pairs_within_reach(
    offers: list[_OfferRow], needs: list[_NeedRow], *, centre, bound: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(need index, offer index, metres) of every same-category pair within reach (rule 6),
    sorted by need, then distance."""
    offer_by_cat: dict[int, list[int]] = {}
    for i, o in enumerate(offers):
        offer_by_cat.setdefault(o.category_id, []).append(i)
    need_by_cat: dict[int, list[int]] = {}
    for j, n in enumerate(needs):
        need_by_cat.setdefault(n.category_id, []).append(j)
    parts_n, parts_o = [], []
    for cat, idx in offer_by_cat.items():
        cat_needs = need_by_cat.get(cat)
        if not cat_needs:
            continue
        ox, oy = _metres_xy([offers[i].lon for i in idx], [offers[i].lat for i in idx], *centre)
        nx, ny = _metres_xy(
            [needs[j].lon for j in cat_needs], [needs[j].lat for j in cat_needs], *centre
        )
        tree = cKDTree(np.column_stack([nx, ny]))
        radii = np.minimum([offers[i].radius_m for i in idx], bound) * _TREE_SLACK + 1.0
        hits = tree.query_ball_point(np.column_stack([ox, oy]), r=radii)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        total = int(counts.sum())
        if not total:
            continue
        off_local = np.repeat(np.arange(len(idx)), counts)
        need_local = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=total)
        parts_n.append(np.asarray(cat_needs)[need_local])
        parts_o.append(np.asarray(idx)[off_local])
    if not parts_n:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    pn, po = np.concatenate(parts_n), np.concatenate(parts_o)
    pd = haversine_m_array(
        [offers[i].lon for i in po.tolist()],
        [offers[i].lat for i in po.tolist()],
        [needs[j].lon for j in pn.tolist()],
        [needs[j].lat for j in pn.tolist()],
    )
    reach = np.minimum([offers[i].radius_m for i in po.tolist()], bound)
    keep = pd <= reach
    pn, po, pd = pn[keep], po[keep], pd[keep]
    order = np.lexsort((pd, pn))
    return pn[order], po[order], pd[order]


def build_problem(*, council: Council, per_need: int = ROUND_EDGES_PER_NEED) -> Problem:
    """Every eligible pair of the council's open needs and offers (each need keeping its
    `per_need` nearest eligible offers), with scores and the free places on each side.

    A round looks at every listing of the council at once, so instead of one index probe
    per need it reads the council's open listings in two statements and pairs them with a
    KD-tree per category, then applies the hard constraints of `matching.eligibility` to
    the rows (the checks `pair_problem` makes for one pair) and scores each pair with the
    component registry of `matching.scoring`, as ranking does.
    """
    offers, needs = _listings(council)
    # Rule 10 reads one listing at a time: drop the full ones before pairing.
    offers = [o for o in offers if eligibility.places_left(holding=o.holding, wanted=o.capacity)]
    needs = [
        n for n in needs if eligibility.places_left(holding=n.holding, wanted=n.helpers_wanted)
    ]
    if not offers or not needs:
        return Problem([], [], {}, {}, [], [], [])
    # Everything below is read by council, never as a list of thousands of ids.
    cid = council.pk
    blocks = set(_fetch(_BLOCKS_SQL, {"council": cid}))
    not_again = set(
        Match.objects.filter(
            offer__council_id=cid, offer__status="open", status__in=eligibility.NOT_AGAIN
        ).values_list("need_id", "offer_id")
    )
    need_slots, offer_slots = _weekly_times(cid)
    pn, po, pd = _pairs_within_reach(
        offers, needs, centre=council.boundary.centroid, bound=eligibility.search_bound_m(council)
    )

    def allowed(n: _NeedRow, o: _OfferRow) -> bool:
        """Rules 1, 4, 5, 7–9 and 11 of `matching.eligibility` (2, 3, 6 and 10 are applied
        above)."""
        return (
            n.owner_id != o.helper_id
            and (n.owner_id, o.helper_id) not in blocks
            and (o.helper_id, n.owner_id) not in blocks
            and (n.id, o.id) not in not_again
            and eligibility.level_ok(held=o.level, required=n.required_level)
            and eligibility.gender_ok(preference=n.helper_gender_preference, gender=o.gender)
            and not eligibility.diet_missing(
                is_meal=n.is_meal, required=n.dietary_requirements, offered=o.dietary_capabilities
            )
            and eligibility.times_ok(need_slots.get(n.id, []), offer_slots.get(o.id, []))
        )

    # Hard constraints, nearest first, until each need has its `per_need` eligible offers.
    kept: list[tuple[int, int, float]] = []
    starts = np.concatenate(([0], np.flatnonzero(np.diff(pn)) + 1, [len(pn)]))
    pn_l, po_l, pd_l = pn.tolist(), po.tolist(), pd.tolist()
    for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        j, taken = pn_l[a], 0
        for k in range(a, b):
            if allowed(needs[j], offers[po_l[k]]):
                kept.append((j, po_l[k], pd_l[k]))
                taken += 1
                if taken == per_need:
                    break
    if not kept:
        return Problem([], [], {}, {}, [], [], [])
    # Scores: the same registry, facts and weights as ranking, without the sentences.
    history, good = _history(council=council)
    context = ScoringContext(
        need_slots=need_slots,
        offer_slots=offer_slots,
        history=history,
        good_pairs=good,
        holding={o.id: o.holding for o in offers},
    )
    weights = council_weights(council)
    now = timezone.now()
    edges, scores, approx = [], [], []
    # A component that reads only the need's (or the offer's) facts is computed once per need
    # (offer), not once per pair: the same functions and numbers, fewer calls.
    need_parts: dict[int, dict[str, float]] = {}
    offer_parts: dict[int, dict[str, float]] = {}
    wanted = [n.languages or n.preferred_languages or [] for n in needs]
    spoken = [o.languages or o.preferred_languages or [] for o in offers]
    for j, i, metres in kept:
        n, o = needs[j], offers[i]
        facts = scoring.PairFacts(
            approx_m=metres,
            radius_m=o.radius_m,
            need_slots=need_slots.get(n.id, []),
            offer_slots=offer_slots.get(o.id, []),
            wanted=wanted[j],
            spoken=spoken[i],
            history=history.get(o.helper_id, NO_HISTORY),
            good_match=(n.owner_id, o.helper_id) in good,
            published_at=n.published_at,
            now=now,
            holding=o.holding,
            capacity=o.capacity,
        )
        need_part = need_parts.get(n.id)
        if need_part is None:
            need_part = need_parts[n.id] = scoring.components_of(facts, scope=scoring.NEED)
        offer_part = offer_parts.get(o.id)
        if offer_part is None:
            offer_part = offer_parts[o.id] = scoring.components_of(facts, scope=scoring.OFFER)
        components = scoring.components_of(facts, scope=scoring.PAIR)
        components.update(need_part)
        components.update(offer_part)
        edges.append((n.id, o.id))
        scores.append(scoring.combine(components, weights))
        approx.append(metres)
    used_needs = sorted({e[0] for e in edges})
    used_offers = sorted({e[1] for e in edges})
    need_rows = {n.id: n for n in needs}
    offer_rows = {o.id: o for o in offers}
    return Problem(
        need_ids=used_needs,
        offer_ids=used_offers,
        need_cap={
            k: max(0, need_rows[k].helpers_wanted - need_rows[k].holding) for k in used_needs
        },
        offer_cap={k: max(0, offer_rows[k].capacity - offer_rows[k].holding) for k in used_offers},
        edges=edges,
        scores=scores,
        approx_m=approx,
        context=context,
    )


def _weekly_times(council_id: int) -> tuple[dict[int, list], dict[int, list]]:
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


def _history(*, council: Council) -> tuple[dict[int, HelperHistory], set[tuple[int, int]]]:
    """The history of the council's helpers with open offers, and the good past pairs of the
    people with open needs (`matching.history`, read per council)."""
    params = {"council": council.pk}
    return (
        read_histories(histories_sql(_COUNCIL_HELPERS), params),
        read_good_pairs(good_pairs_sql(_COUNCIL_OWNERS), params),
    )


# --- Solvers (pure functions of the problem) --------------------------------------------------
def _summarise(problem: Problem, chosen: list[int], seconds: float) -> Assignment:
    return Assignment(
        chosen=sorted(chosen),
        needs_met=len(chosen),
        total_score=round(float(sum(problem.scores[i] for i in chosen)), 4),
        seconds=round(seconds, 3),
    )


def greedy_assignment(problem: Problem) -> Assignment:
    started = time.perf_counter()
    need_left, offer_left = dict(problem.need_cap), dict(problem.offer_cap)
    order = sorted(range(len(problem.edges)), key=lambda i: (-problem.scores[i], i))
    chosen = []
    for i in order:
        n, o = problem.edges[i]
        if need_left[n] > 0 and offer_left[o] > 0:
            chosen.append(i)
            need_left[n] -= 1
            offer_left[o] -= 1
    return _summarise(problem, chosen, time.perf_counter() - started)


def _solve_component(
    edge_idx: np.ndarray, rows: np.ndarray, caps: np.ndarray, scores: np.ndarray
) -> list[int]:
    """Two-phase LP on one connected component; returns the chosen edge indexes."""
    m = len(edge_idx)
    if m == 1:
        return [int(edge_idx[0])] if caps.min() >= 1 else []
    a = coo_matrix(
        (np.ones(2 * m), (rows, np.repeat(np.arange(m), 2))), shape=(len(caps), m)
    ).tocsr()
    s = scores[edge_idx]
    # Phase 1: most places filled. Phase 2: best total score among those. Both are LPs over a
    # totally unimodular system (phase 2 optimises over a face of the phase-1 polytope), so
    # the dual simplex returns an integral vertex; if rounding ever disagrees, the same
    # problem is re-solved with integrality enforced.
    first = linprog(-np.ones(m), A_ub=a, b_ub=caps, bounds=(0, 1), method="highs-ds")
    if first.status != 0:
        raise RuntimeError(f"Round solver failed: {first.message}")
    filled = round(-first.fun)
    second = linprog(
        -s,
        A_ub=a,
        b_ub=caps,
        A_eq=np.ones((1, m)),
        b_eq=[filled],
        bounds=(0, 1),
        method="highs-ds",
    )
    if second.status != 0 or np.max(np.abs(second.x - np.round(second.x))) > 1e-6:
        second = milp(
            -s,
            constraints=[
                LinearConstraint(a, -np.inf, caps),
                LinearConstraint(np.ones((1, m)), filled, filled),
            ],
            bounds=Bounds(0, 1),
            integrality=np.ones(m),
        )
        if not second.success:
            raise RuntimeError(f"Round solver failed: {second.message}")
    return [int(edge_idx[k]) for k, x in enumerate(second.x) if x > 0.5]


def optimal_assignment(problem: Problem) -> Assignment:
    """Most places filled, then highest total score (see the module docstring).

    Needs and offers that share no edge path never compete (different categories, distant
    neighbourhoods), so each connected component of the graph is solved on its own: the
    same optimum as one big LP, in a fraction of the time."""
    started = time.perf_counter()
    m = len(problem.edges)
    if m == 0:
        return _summarise(problem, [], 0.0)
    need_row = {n: i for i, n in enumerate(problem.need_ids)}
    offer_row = {o: len(need_row) + i for i, o in enumerate(problem.offer_ids)}
    n_nodes = len(need_row) + len(offer_row)
    ends = np.array([(need_row[n], offer_row[o]) for n, o in problem.edges], dtype=np.int64)
    caps = np.array(
        [problem.need_cap[n] for n in problem.need_ids]
        + [problem.offer_cap[o] for o in problem.offer_ids],
        dtype=float,
    )
    scores = np.asarray(problem.scores, dtype=float)
    graph = coo_matrix((np.ones(m), (ends[:, 0], ends[:, 1])), shape=(n_nodes, n_nodes))
    _, label = connected_components(graph, directed=False)
    edge_label = label[ends[:, 0]]
    order = np.argsort(edge_label, kind="stable")
    bounds = np.flatnonzero(np.diff(edge_label[order])) + 1
    chosen: list[int] = []
    for edge_idx in np.split(order, bounds):
        nodes, local = np.unique(ends[edge_idx].ravel(), return_inverse=True)
        chosen += _solve_component(edge_idx, local, caps[nodes], scores)
    return _summarise(problem, chosen, time.perf_counter() - started)


# --- Services -------------------------------------------------------------------------------
def _summary(problem: Problem, best: Assignment, greedy: Assignment, seconds: float) -> dict:
    return {
        "needs": len(problem.need_ids),
        "offers": len(problem.offer_ids),
        "pairs_considered": len(problem.edges),
        "optimal": {"needs_met": best.needs_met, "total_score": best.total_score},
        "greedy": {"needs_met": greedy.needs_met, "total_score": greedy.total_score},
        "seconds": round(seconds, 3),
    }


def rounds_council_id(user: User) -> int | None:
    """The council whose rounds `user` may run, review, send and discard: active staff whose
    role holds the `matching_rounds` capability (accounts.permissions), else None."""
    council_id = staff_council_id(user)
    if council_id is None or not staff_can(user, Capability.MATCHING_ROUNDS):
        return None
    return council_id


@transaction.atomic
def round_run(*, council: Council, actor: User | None = None) -> Round:
    """Compute a round for `council` and store its proposals for staff review. `actor` is
    a member of that council's staff, or None for the management command."""
    if actor is not None and rounds_council_id(actor) != council.pk:
        raise NotFound()
    started = time.perf_counter()
    problem = build_problem(council=council)
    best = optimal_assignment(problem)
    greedy = greedy_assignment(problem)
    seconds = time.perf_counter() - started
    rnd = Round.objects.create(
        council=council, created_by=actor, summary=_summary(problem, best, greedy, seconds)
    )
    chosen_pairs = [problem.edges[i] for i in best.chosen]
    needs = Need.objects.select_related("owner", "council").in_bulk([n for n, _ in chosen_pairs])
    offers = Offer.objects.select_related("helper").in_bulk([o for _, o in chosen_pairs])
    explained = score_pairs(
        pairs=[
            (needs[n], offers[o], problem.approx_m[i])
            for i, (n, o) in zip(best.chosen, chosen_pairs, strict=True)
        ],
        viewer="need",
        council=council,
        context=problem.context,
    )
    RoundProposal.objects.bulk_create(
        [
            RoundProposal(
                round=rnd,
                need_id=r.need.pk,
                offer_id=r.offer.pk,
                score=r.score,
                explanation=r.explanation[:400],
            )
            for r in explained
        ]
    )
    audit_record(actor=actor, verb="round.proposed", target=rnd, council=council, data=rnd.summary)
    return rnd


@transaction.atomic
def round_apply(*, staff: User, round_id: int) -> dict:
    """Turn a round's proposals into matches proposed to both people. Pairs that are no
    longer possible (a need taken, a helper paused) are skipped and counted."""
    from .services import match_propose_by_staff

    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if rnd.status != Round.Status.PROPOSED:
        raise ApplicationError("This round has already been decided.", code="round_decided")
    proposed, skipped = 0, 0
    for proposal in rnd.proposals.order_by("-score", "id"):
        try:
            with transaction.atomic():
                match = match_propose_by_staff(
                    staff=staff,
                    need_id=proposal.need_id,
                    offer_id=proposal.offer_id,
                    proposed_by=Match.ProposedBy.ROUND,
                    score=proposal.score,
                    explanation=proposal.explanation,
                )
        except ApplicationError:
            skipped += 1
            continue
        proposal.match = match
        proposal.save(update_fields=["match"])
        proposed += 1
    rnd.status = Round.Status.APPLIED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    result = {"proposed": proposed, "skipped": skipped}
    audit_record(actor=staff, verb="round.applied", target=rnd, data=result)
    return result


@transaction.atomic
def round_discard(*, staff: User, round_id: int) -> Round:
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if rnd.status != Round.Status.PROPOSED:
        raise ApplicationError("This round has already been decided.", code="round_decided")
    rnd.status = Round.Status.DISCARDED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.discarded", target=rnd)
    return rnd
