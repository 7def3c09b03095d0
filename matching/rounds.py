"""Matching rounds: an optimal assignment over all of a council's open needs and offers,
proposed for staff review beside the greedy assignment of the same input.

1. Edges: every eligible (need, offer) pair. The council's open listings are read in two
   statements and paired with a KD-tree per category (each helper's own radius), then the
   same hard constraints as the candidate search are applied. Each need keeps its
   `ROUND_EDGES_PER_NEED` nearest eligible offers, which keeps the problem linear in the
   number of needs.
   Both sides are placed at their grid cell centres (`approx_location`), never their exact
   homes, like the candidate search: no proposal depends on where inside a cell a home is.
2. Scores: the same components and council weights as ranking (`matching.scoring`).
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

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.availability import overlap_minutes
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from trust.models import HelperCheck

from . import scoring
from .models import Match, Round, RoundProposal
from .scoring import ScoringContext, council_weights, score_pairs
from .selectors import NOT_AGAIN, search_bound_m, staff_council_id

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


_OFFERS_SQL = """
SELECT o.id, o.helper_id, o.category_id,
       ST_X(o.approx_location::geometry), ST_Y(o.approx_location::geometry),
       ST_X(o.approx_location::geometry), ST_Y(o.approx_location::geometry),
       o.radius_m, o.capacity, o.languages, o.dietary_capabilities,
       u.gender, u.preferred_languages,
       COALESCE((SELECT max(CASE hc.kind {level_whens} ELSE 0 END)
                 FROM accounts_helpercheck hc
                 WHERE hc.user_id = o.helper_id AND hc.revoked_at IS NULL
                   AND (hc.expires_on IS NULL OR hc.expires_on >= %(today)s)), 0) AS level,
       (SELECT count(*) FROM matching_match m
        WHERE m.offer_id = o.id AND m.status IN ('accepted', 'active')) AS holding
FROM marketplace_offer o JOIN accounts_user u ON u.id = o.helper_id
WHERE o.council_id = %(council)s AND o.status = 'open'
  AND u.suspended_at IS NULL AND u.is_active
"""
_NEEDS_SQL = """
SELECT n.id, n.owner_id, n.category_id,
       ST_X(n.approx_location::geometry), ST_Y(n.approx_location::geometry),
       n.helpers_wanted, n.helper_gender_preference, n.dietary_requirements, n.languages,
       n.published_at, u.preferred_languages, c.required_level, c.is_meal,
       (SELECT count(*) FROM matching_match m
        WHERE m.need_id = n.id AND m.status IN ('accepted', 'active')) AS holding
FROM marketplace_need n
JOIN accounts_user u ON u.id = n.owner_id
JOIN marketplace_category c ON c.id = n.category_id
WHERE n.council_id = %(council)s AND n.status = 'open'
  AND u.suspended_at IS NULL AND u.is_active
"""


def _level_case() -> str:
    return " ".join(
        f"WHEN '{kind}' THEN {int(level)}" for kind, level in HelperCheck.LEVEL_FOR_KIND.items()
    )


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _metres_xy(lon, lat, lon0: float, lat0: float):
    """A local equirectangular projection around the council (error well under 0.1% at the
    scale of one council), so a KD-tree can find pairs within each helper's radius."""
    k = _M_PER_DEG * math.cos(math.radians(lat0))
    return (np.asarray(lon) - lon0) * k, (np.asarray(lat) - lat0) * _M_PER_DEG


_M_PER_DEG = 111_320.0


def build_problem(*, council: Council, per_need: int = ROUND_EDGES_PER_NEED) -> Problem:
    """Every eligible pair of the council's open needs and offers (each need keeping its
    `per_need` nearest eligible offers), with scores and the free places on each side.

    A round looks at every listing of the council at once, so instead of one index probe
    per need it reads the council's open listings in two statements and pairs them with a
    KD-tree per category, then applies the same hard constraints as the candidate search
    (`matching.services.pair_problem` is the one-pair version) and the same scores.
    """
    today = timezone.localdate()
    offers = _fetch(
        _OFFERS_SQL.format(level_whens=_level_case()), {"council": council.pk, "today": today}
    )
    needs = _fetch(_NEEDS_SQL, {"council": council.pk})
    if not offers or not needs:
        return Problem([], [], {}, {}, [], [], [])
    # Everything below is read by council, never as a list of thousands of ids.
    cid = council.pk
    blocks = set(_fetch(_BLOCKS_SQL, {"council": cid}))
    not_again = set(
        Match.objects.filter(
            offer__council_id=cid, offer__status="open", status__in=NOT_AGAIN
        ).values_list("need_id", "offer_id")
    )
    need_slots: dict[int, list] = {}
    for s in NeedSlot.objects.filter(need__council_id=cid, need__status="open").order_by():
        need_slots.setdefault(s.need_id, []).append(s)
    offer_slots: dict[int, list] = {}
    for s in OfferSlot.objects.filter(offer__council_id=cid, offer__status="open").order_by():
        offer_slots.setdefault(s.offer_id, []).append(s)
    centre = council.boundary.centroid
    bound = search_bound_m(council)
    offer_by_cat: dict[int, list[int]] = {}
    for i, o in enumerate(offers):
        offer_by_cat.setdefault(o[2], []).append(i)
    need_by_cat: dict[int, list[int]] = {}
    for j, n in enumerate(needs):
        need_by_cat.setdefault(n[2], []).append(j)
    # Offers within each helper's radius: (need index, offer index, metres) as arrays.
    parts_n, parts_o, parts_d = [], [], []
    for cat, idx in offer_by_cat.items():
        cat_needs = need_by_cat.get(cat)
        if not cat_needs:
            continue
        ox, oy = _metres_xy([offers[i][3] for i in idx], [offers[i][4] for i in idx], *centre)
        nx, ny = _metres_xy(
            [needs[j][3] for j in cat_needs], [needs[j][4] for j in cat_needs], *centre
        )
        tree = cKDTree(np.column_stack([nx, ny]))
        radii = np.minimum([offers[i][7] for i in idx], bound)
        hits = tree.query_ball_point(np.column_stack([ox, oy]), r=radii)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        total = int(counts.sum())
        if not total:
            continue
        off_local = np.repeat(np.arange(len(idx)), counts)
        need_local = np.fromiter(itertools.chain.from_iterable(hits), dtype=np.int64, count=total)
        parts_d.append(np.hypot(ox[off_local] - nx[need_local], oy[off_local] - ny[need_local]))
        parts_n.append(np.asarray(cat_needs)[need_local])
        parts_o.append(np.asarray(idx)[off_local])
    if not parts_n:
        return Problem([], [], {}, {}, [], [], [])
    pn, po, pd = np.concatenate(parts_n), np.concatenate(parts_o), np.concatenate(parts_d)
    order = np.lexsort((pd, pn))
    pn, po, pd = pn[order], po[order], pd[order]

    def allowed(n, o) -> bool:
        owner, helper = n[1], o[1]
        if owner == helper or (owner, helper) in blocks or (helper, owner) in blocks:
            return False
        if (n[0], o[0]) in not_again or o[13] < n[11]:
            return False
        if n[6] and o[11] != n[6]:
            return False
        if n[12] and not set(n[7]) <= set(o[10]):
            return False
        ns, os_ = need_slots.get(n[0]), offer_slots.get(o[0])
        return not (ns and os_ and overlap_minutes(ns, os_) == 0)

    # Hard constraints, nearest first, until each need has its `per_need` eligible offers.
    kept: dict[int, list[tuple[float, int]]] = {}
    starts = np.concatenate(([0], np.flatnonzero(np.diff(pn)) + 1, [len(pn)]))
    pn_l, po_l, pd_l = pn.tolist(), po.tolist(), pd.tolist()
    for a, b in zip(starts[:-1].tolist(), starts[1:].tolist(), strict=True):
        j = pn_l[a]
        chosen = kept.setdefault(j, [])
        for k in range(a, b):
            if allowed(needs[j], offers[po_l[k]]):
                chosen.append((pd_l[k], po_l[k]))
                if len(chosen) == per_need:
                    break
    # Scores: the same components and weights as ranking, without the sentences.
    weights = council_weights(council)
    now = timezone.now()
    stats, ratings, good = _history(council=council)
    offer_cap = {o[0]: max(0, o[8] - o[14]) for o in offers}
    need_cap = {n[0]: max(0, n[5] - n[13]) for n in needs}
    # Per-person and per-listing parts once, then one weighted sum per pair (the same
    # component functions as ranking, hoisted out of the pair loop).
    w = weights
    reliability = {
        h: scoring.reliability(
            completed=stats.get(h, (0, 0))[0],
            failed=stats.get(h, (0, 0))[1],
            rating_sum=ratings.get(h, (0.0, 0))[0],
            rating_n=ratings.get(h, (0.0, 0))[1],
        )
        for h in {o[1] for o in offers}
    }
    new_helper = scoring.reliability(completed=0, failed=0)
    pair_j = [j for j, pairs in kept.items() for _ in pairs]
    pair_i = [i for pairs in kept.values() for _, i in pairs]
    if not pair_i:
        return Problem([], [], {}, {}, [], [], [])
    nlon = np.array([needs[j][3] for j in pair_j])
    nlat = np.array([needs[j][4] for j in pair_j])
    olon = np.array([offers[i][5] for i in pair_i])
    olat = np.array([offers[i][6] for i in pair_i])
    approx_arr = _haversine_np(nlon, nlat, olon, olat)
    radius = np.array([offers[i][7] for i in pair_i], dtype=float)
    prox = np.clip(1.0 - approx_arr / radius, 0.0, 1.0).round(4)
    result_edges, scores = [], []
    for k, (j, i) in enumerate(zip(pair_j, pair_i, strict=True)):
        n, o = needs[j], offers[i]
        ns, os_ = need_slots.get(n[0]), offer_slots.get(o[0])
        avail = (
            scoring.availability(need_slots=ns, offer_slots=os_)
            if ns and os_
            else scoring.UNKNOWN_AVAILABILITY
        )
        wanted = n[8] or n[10]
        lang = scoring.language(wanted=wanted, spoken=o[9] or o[12] or []) if wanted else 1.0
        total = (
            w["proximity"] * prox[k]
            + w["availability"] * round(avail, 4)
            + w["language"] * lang
            + w["reliability"] * round(reliability.get(o[1], new_helper), 4)
            + w["continuity"] * (1.0 if (n[1], o[1]) in good else 0.0)
            + w["waiting"] * round(scoring.waiting(published_at=n[9], now=now), 4)
            + w["load"] * round(scoring.load(holding=o[14], capacity=o[8]), 4)
        )
        result_edges.append((n[0], o[0]))
        scores.append(round(min(1.0, max(0.0, float(total))), 4))
    approx = approx_arr.tolist()
    used_needs = sorted({e[0] for e in result_edges})
    used_offers = sorted({e[1] for e in result_edges})
    return Problem(
        need_ids=used_needs,
        offer_ids=used_offers,
        need_cap={k: need_cap[k] for k in used_needs},
        offer_cap={k: offer_cap[k] for k in used_offers},
        edges=result_edges,
        scores=scores,
        approx_m=approx,
        context=ScoringContext(
            need_slots=need_slots,
            offer_slots=offer_slots,
            helper_stats=stats,
            helper_ratings=ratings,
            good_pairs=good,
            holding={o[0]: o[14] for o in offers},
        ),
    )


def _haversine_np(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))


_BLOCKS_SQL = """
SELECT b.blocker_id, b.blocked_id FROM marketplace_block b
WHERE EXISTS (SELECT 1 FROM marketplace_need n WHERE n.council_id = %(council)s
              AND n.status = 'open' AND n.owner_id IN (b.blocker_id, b.blocked_id))
"""
_STATS_SQL = """
SELECT o.helper_id,
       count(*) FILTER (WHERE m.status = 'completed'),
       count(*) FILTER (WHERE m.status = 'cancelled' AND m.ended_by_id = o.helper_id)
FROM matching_match m JOIN marketplace_offer o ON o.id = m.offer_id
WHERE o.helper_id IN (SELECT helper_id FROM marketplace_offer
                      WHERE council_id = %(council)s AND status = 'open')
GROUP BY o.helper_id
"""
_RATINGS_SQL = """
SELECT f.subject_id, sum(f.rating), count(*)
FROM matching_feedback f
JOIN matching_match m ON m.id = f.match_id
JOIN marketplace_offer o ON o.id = m.offer_id AND o.helper_id = f.subject_id
WHERE f.subject_id IN (SELECT helper_id FROM marketplace_offer
                       WHERE council_id = %(council)s AND status = 'open')
GROUP BY f.subject_id
"""
_GOOD_SQL = """
SELECT DISTINCT n.owner_id, o.helper_id
FROM matching_match m
JOIN marketplace_need n ON n.id = m.need_id
JOIN marketplace_offer o ON o.id = m.offer_id
WHERE m.status = 'completed'
  AND n.owner_id IN (SELECT owner_id FROM marketplace_need
                     WHERE council_id = %(council)s AND status = 'open')
  AND NOT EXISTS (SELECT 1 FROM matching_feedback f
                  WHERE f.match_id = m.id AND f.author_id = n.owner_id AND f.rating <= 2)
"""


def _history(*, council: Council):
    """Completions, cancellations, ratings and past good matches of the council's people."""
    params = {"council": council.pk}
    stats = {h: (c, f) for h, c, f in _fetch(_STATS_SQL, params)}
    ratings = {h: (float(total), n) for h, total, n in _fetch(_RATINGS_SQL, params)}
    good = set(_fetch(_GOOD_SQL, params))
    return stats, ratings, good


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
    edge_idx: np.ndarray, rows: np.ndarray, cols: np.ndarray, caps: np.ndarray, scores
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
        chosen += _solve_component(edge_idx, local, None, caps[nodes], scores)
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
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None or council_id is None:
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
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None or council_id is None:
        raise NotFound()
    if rnd.status != Round.Status.PROPOSED:
        raise ApplicationError("This round has already been decided.", code="round_decided")
    rnd.status = Round.Status.DISCARDED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.discarded", target=rnd)
    return rnd
