"""Matching rounds: an optimal assignment over all of a council's open needs and offers,
proposed for staff review beside the greedy assignment of the same input.

1. Edges: every eligible (need, offer) pair, from one SQL statement with the same hard
   constraints as the candidate search. Each need keeps its `ROUND_EDGES_PER_NEED` nearest
   eligible offers (a LATERAL KNN probe per need on the GiST index), which keeps the problem
   linear in the number of needs.
2. Scores: the same components and council weights as ranking (`matching.scoring`).
3. Assignment: a bipartite b-matching (a need takes up to its free places, an offer up to
   its free capacity). Lexicographic objective, solved as two LPs with HiGHS
   (`scipy.optimize.milp`): first the most places filled, then the highest total score among
   assignments that fill that many. The constraint matrix of a bipartite b-matching is
   totally unimodular and the second phase optimises over a face of that polytope, so
   the optimum is integral (the solver is still told the variables are integers).
4. Greedy for comparison: best score first while both sides have room.

"Needs met" counts places filled: a need asking for two helpers counts twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from accounts.errors import ApplicationError, NotFound
from accounts.models import Council, HelperCheck, User
from marketplace.audit import audit_record
from marketplace.models import Need, Offer

from .models import Match, Round, RoundProposal
from .scoring import score_pairs
from .selectors import NOT_AGAIN, search_bound_m, staff_council_id

ROUND_EDGES_PER_NEED = 12


@dataclass
class Problem:
    need_ids: list[int]
    offer_ids: list[int]
    need_cap: dict[int, int]
    offer_cap: dict[int, int]
    edges: list[tuple[int, int]]  # (need_id, offer_id)
    scores: list[float]
    approx_m: list[float] = field(default_factory=list)


@dataclass
class Assignment:
    chosen: list[int]  # indexes into Problem.edges
    needs_met: int
    total_score: float
    seconds: float = 0.0


_EDGE_SQL = """
WITH needs AS (
    SELECT n.id, n.location, n.category_id, n.owner_id, n.helper_gender_preference,
           n.dietary_requirements, n.helpers_wanted, c.required_level, c.is_meal
    FROM marketplace_need n
    JOIN accounts_user nu ON nu.id = n.owner_id
    JOIN marketplace_category c ON c.id = n.category_id
    WHERE n.council_id = %(council)s AND n.status = 'open'
      AND nu.suspended_at IS NULL AND nu.is_active
)
SELECT needs.id, o.id, o.approx_m
FROM needs
CROSS JOIN LATERAL (
    SELECT o.id, ST_Distance(o.approx_location, needs.location) AS approx_m
    FROM marketplace_offer o
    JOIN accounts_user hu ON hu.id = o.helper_id
    WHERE o.status = 'open' AND o.council_id = %(council)s
      AND o.category_id = needs.category_id
      AND ST_DWithin(o.location, needs.location, %(bound)s)
      AND ST_DWithin(o.location, needs.location, o.radius_m)
      AND o.helper_id <> needs.owner_id
      AND hu.suspended_at IS NULL AND hu.is_active
      AND (needs.helper_gender_preference = '' OR hu.gender = needs.helper_gender_preference)
      AND (NOT needs.is_meal OR o.dietary_capabilities @> needs.dietary_requirements)
      AND (needs.required_level = 0 OR EXISTS (
            SELECT 1 FROM accounts_helpercheck hc
            WHERE hc.user_id = o.helper_id AND hc.revoked_at IS NULL
              AND (hc.expires_on IS NULL OR hc.expires_on >= %(today)s)
              AND ({level_case}) >= needs.required_level))
      AND NOT EXISTS (
            SELECT 1 FROM marketplace_block b
            WHERE (b.blocker_id = needs.owner_id AND b.blocked_id = o.helper_id)
               OR (b.blocker_id = o.helper_id AND b.blocked_id = needs.owner_id))
      AND NOT EXISTS (
            SELECT 1 FROM matching_match m
            WHERE m.need_id = needs.id AND m.offer_id = o.id AND m.status = ANY(%(not_again)s))
      AND (NOT EXISTS (SELECT 1 FROM marketplace_needslot ns WHERE ns.need_id = needs.id)
           OR NOT EXISTS (SELECT 1 FROM marketplace_offerslot os WHERE os.offer_id = o.id)
           OR EXISTS (
                SELECT 1 FROM marketplace_needslot ns
                JOIN marketplace_offerslot os
                  ON os.offer_id = o.id AND os.weekday = ns.weekday
                 AND os.start < ns."end" AND os."end" > ns.start
                WHERE ns.need_id = needs.id))
    ORDER BY o.location <-> needs.location
    LIMIT %(per_need)s
) o
"""


def _level_case() -> str:
    whens = " ".join(
        f"WHEN '{kind}' THEN {int(level)}" for kind, level in HelperCheck.LEVEL_FOR_KIND.items()
    )
    return f"CASE hc.kind {whens} ELSE 0 END"


def _holding(field_name: str, ids) -> dict[int, int]:
    from django.db.models import Count

    return dict(
        Match.objects.filter(**{f"{field_name}_id__in": ids}, status__in=Match.HOLDING)
        .order_by()
        .values_list(f"{field_name}_id")
        .annotate(n=Count("id"))
    )


def build_problem(*, council: Council, per_need: int = ROUND_EDGES_PER_NEED) -> Problem:
    """Every eligible pair of the council's open needs and offers, with scores and the free
    places on each side."""
    with connection.cursor() as cursor:
        cursor.execute(
            _EDGE_SQL.format(level_case=_level_case()),
            {
                "council": council.pk,
                "bound": search_bound_m(council),
                "today": timezone.localdate(),
                "not_again": list(NOT_AGAIN),
                "per_need": per_need,
            },
        )
        rows = cursor.fetchall()
    need_ids = sorted({r[0] for r in rows})
    offer_ids = sorted({r[1] for r in rows})
    needs = {
        n.pk: n
        for n in Need.objects.filter(pk__in=need_ids)
        .select_related("owner")
        .only(
            "id",
            "owner_id",
            "languages",
            "published_at",
            "helpers_wanted",
            "council_id",
            "owner__preferred_languages",
        )
    }
    offers = {
        o.pk: o
        for o in Offer.objects.filter(pk__in=offer_ids)
        .select_related("helper")
        .only("id", "helper_id", "languages", "radius_m", "capacity", "helper__preferred_languages")
    }
    held_needs = _holding("need", need_ids)
    held_offers = _holding("offer", offer_ids)
    need_cap = {i: max(0, needs[i].helpers_wanted - held_needs.get(i, 0)) for i in need_ids}
    offer_cap = {i: max(0, offers[i].capacity - held_offers.get(i, 0)) for i in offer_ids}
    for o in offers.values():
        o.holding = held_offers.get(o.pk, 0)
    ranked = score_pairs(
        pairs=[(needs[n], offers[o], float(d)) for n, o, d in rows],
        viewer="need",
        council=council,
        explain_pairs=False,
    )
    ranked.sort(key=lambda r: (r.need.pk, r.offer.pk))
    return Problem(
        need_ids=need_ids,
        offer_ids=offer_ids,
        need_cap=need_cap,
        offer_cap=offer_cap,
        edges=[(r.need.pk, r.offer.pk) for r in ranked],
        scores=[r.score for r in ranked],
        approx_m=[r.approx_distance_m for r in ranked],
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


def optimal_assignment(problem: Problem) -> Assignment:
    """Most places filled, then highest total score (two HiGHS solves; see module doc)."""
    started = time.perf_counter()
    m = len(problem.edges)
    if m == 0:
        return _summarise(problem, [], 0.0)
    need_row = {n: i for i, n in enumerate(problem.need_ids)}
    offer_row = {o: len(need_row) + i for i, o in enumerate(problem.offer_ids)}
    rows = np.empty(2 * m, dtype=np.int64)
    cols = np.empty(2 * m, dtype=np.int64)
    for i, (n, o) in enumerate(problem.edges):
        rows[2 * i], rows[2 * i + 1] = need_row[n], offer_row[o]
        cols[2 * i] = cols[2 * i + 1] = i
    n_rows = len(need_row) + len(offer_row)
    a = coo_matrix((np.ones(2 * m), (rows, cols)), shape=(n_rows, m)).tocsr()
    caps = np.array(
        [problem.need_cap[n] for n in problem.need_ids]
        + [problem.offer_cap[o] for o in problem.offer_ids],
        dtype=float,
    )
    capacity = LinearConstraint(a, -np.inf, caps)
    bounds = Bounds(0, 1)
    integrality = np.ones(m)
    first = milp(-np.ones(m), constraints=[capacity], bounds=bounds, integrality=integrality)
    if not first.success:
        raise RuntimeError(f"Round solver failed: {first.message}")
    filled = round(-first.fun)
    scores = np.asarray(problem.scores, dtype=float)
    exactly = LinearConstraint(np.ones((1, m)), filled, filled)
    second = milp(-scores, constraints=[capacity, exactly], bounds=bounds, integrality=integrality)
    if not second.success:
        raise RuntimeError(f"Round solver failed: {second.message}")
    chosen = [i for i, x in enumerate(second.x) if x > 0.5]
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


@transaction.atomic
def round_run(*, council: Council, actor: User | None = None) -> Round:
    """Compute a round for `council` and store its proposals for staff review. `actor` is
    a member of that council's staff, or None for the management command."""
    if actor is not None and staff_council_id(actor) != council.pk:
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

    council_id = staff_council_id(staff)
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
    council_id = staff_council_id(staff)
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
