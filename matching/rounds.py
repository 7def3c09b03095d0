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
   able to match, check levels held), its Python checks for each pair
   (`matching.round_pairs`).
2. Scores: the same component registry, `combine` and council weights as ranking
   (`matching.scoring`), from the same facts (`matching.history` for people's past),
   computed a component at a time for all pairs.
3. Assignment: a bipartite b-matching (a need takes up to its free places, an offer up to
   its free capacity). Lexicographic objective, solved as two LPs with HiGHS' dual simplex
   (`scipy.optimize.linprog`): first the most places filled, then the highest total score
   among assignments that fill that many. The constraint matrix of a bipartite b-matching is
   totally unimodular and the second phase optimises over a face of that polytope, so the
   vertex found is integral (checked; `milp` with integrality is the fallback).
4. Greedy for comparison: best score first while both sides have room. The round keeps its
   figures and, for each need it would have met otherwise, its pairs
   (`greedy_differences`), for staff to see where the two part.
5. Review: staff send the proposals they tick (`round_apply`); the others are recorded as
   not sent and nobody is told of them.

"Needs met" counts places filled: a need asking for two helpers counts twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_id
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.models import Need, Offer

from . import eligibility, round_pairs, scoring
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
from .services import match_propose_by_staff

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


def build_problem(*, council: Council, per_need: int = ROUND_EDGES_PER_NEED) -> Problem:
    """Every eligible pair of the council's open needs and offers (each need keeping its
    `per_need` nearest eligible offers), with scores and the free places on each side.

    A round looks at every listing of the council at once, so instead of one index probe
    per need it reads the council's open listings in two statements and pairs them with a
    KD-tree per category, then applies the hard constraints of `matching.eligibility` to
    the rows (the checks `pair_problem` makes for one pair; `matching.round_pairs`) and
    scores each pair with the component registry of `matching.scoring`, as ranking does.
    """
    offers, needs = round_pairs.listings(council)
    # Rule 10 reads one listing at a time: drop the full ones before pairing.
    offers = [o for o in offers if eligibility.places_left(holding=o.holding, wanted=o.capacity)]
    needs = [
        n for n in needs if eligibility.places_left(holding=n.holding, wanted=n.helpers_wanted)
    ]
    if not offers or not needs:
        return Problem([], [], {}, {}, [], [], [])
    slots = round_pairs.weekly_times(council.pk)
    kept = round_pairs.eligible_pairs(council, offers, needs, slots=slots, per_need=per_need)
    if not len(kept.need):
        return Problem([], [], {}, {}, [], [], [])
    # Scores: the same registry, facts and weights as ranking, without the sentences.
    history, good = _history(council=council)
    context = ScoringContext(
        need_slots=slots[0],
        offer_slots=slots[1],
        history=history,
        good_pairs=good,
        holding={o.id: o.holding for o in offers},
    )
    need_ids = [needs[j].id for j in kept.need.tolist()]
    offer_ids = [offers[i].id for i in kept.offer.tolist()]
    edges = list(zip(need_ids, offer_ids, strict=True))
    used_needs, used_offers = sorted(set(need_ids)), sorted(set(offer_ids))
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
        scores=_scores(kept, needs, offers, context=context, council=council),
        approx_m=kept.metres.tolist(),
        context=context,
    )


def _scores(
    kept: round_pairs.Pairs,
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    *,
    context: ScoringContext,
    council: Council,
) -> list[float]:
    """The score of each pair: the registry's components (`matching.scoring`), column by
    column, and `combine`'s weighted mean for all at once.

    A component that reads only the need's (or the offer's) facts is computed once per need
    (offer), from the facts of its first pair: the same functions and numbers, fewer calls."""
    facts = _facts_of(needs, offers, context=context, now=timezone.now())
    pairs = list(zip(kept.need.tolist(), kept.offer.tolist(), kept.metres.tolist(), strict=True))
    columns = {
        name: np.asarray(values)
        for name, values in scoring.component_columns(
            (facts(*pair) for pair in pairs), scope=scoring.PAIR
        ).items()
    }
    for scope, side in ((scoring.NEED, kept.need), (scoring.OFFER, kept.offer)):
        # Each pair's need (offer): the first pair of each, and each pair's place among them.
        _, first, position = np.unique(side, return_index=True, return_inverse=True)
        own = scoring.component_columns((facts(*pairs[k]) for k in first.tolist()), scope=scope)
        columns |= {name: np.asarray(values)[position] for name, values in own.items()}
    return scoring.combine_columns(columns, council_weights(council))


def _facts_of(
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    *,
    context: ScoringContext,
    now: dt.datetime,
) -> Callable[[int, int, float], scoring.PairFacts]:
    """The facts of a pair (need index, offer index, metres) from the rows, as
    `scoring.pair_facts` makes them from model instances."""
    # What each need and each offer brings to its pairs' facts, looked up once.
    wanted = [n.languages or n.preferred_languages or [] for n in needs]
    spoken = [o.languages or o.preferred_languages or [] for o in offers]
    need_slots = [context.need_slots.get(n.id, []) for n in needs]
    offer_slots = [context.offer_slots.get(o.id, []) for o in offers]
    history = [context.history.get(o.helper_id, NO_HISTORY) for o in offers]
    good = context.good_pairs

    def facts(j: int, i: int, metres: float) -> scoring.PairFacts:
        n, o = needs[j], offers[i]
        return scoring.PairFacts(
            approx_m=metres,
            radius_m=o.radius_m,
            need_slots=need_slots[j],
            offer_slots=offer_slots[i],
            wanted=wanted[j],
            spoken=spoken[i],
            history=history[i],
            good_match=(n.owner_id, o.helper_id) in good,
            published_at=n.published_at,
            now=now,
            holding=o.holding,
            capacity=o.capacity,
        )

    return facts


_COUNCIL_HELPERS = (
    "(SELECT DISTINCT helper_id FROM marketplace_offer"
    " WHERE council_id = %(council)s AND status = 'open') AS h(id)"
)
_COUNCIL_OWNERS = (
    "pn.owner_id IN (SELECT owner_id FROM marketplace_need"
    " WHERE council_id = %(council)s AND status = 'open')"
)


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


def greedy_differences(problem: Problem, best: Assignment, greedy: Assignment) -> list[dict]:
    """Greedy's pairs for each need it would have met otherwise than `best`, by need: its
    offers and scores, or one entry with no offer where greedy leaves the need unmet. Needs
    the two meet alike are left out, so the list stays as short as the disagreement."""
    ours: dict[int, set[int]] = defaultdict(set)
    for i in best.chosen:
        need_id, offer_id = problem.edges[i]
        ours[need_id].add(offer_id)
    theirs: dict[int, list[int]] = defaultdict(list)
    for i in greedy.chosen:
        theirs[problem.edges[i][0]].append(i)
    differences: list[dict] = []
    for need_id in sorted(ours.keys() | theirs.keys()):
        edges = sorted(theirs.get(need_id, []), key=lambda i: (-problem.scores[i], i))
        if {problem.edges[i][1] for i in edges} == ours.get(need_id, set()):
            continue
        differences += [
            {"need_id": need_id, "offer_id": problem.edges[i][1], "score": _score(problem, i)}
            for i in edges
        ] or [{"need_id": need_id, "offer_id": None, "score": None}]
    return differences


def _score(problem: Problem, i: int) -> float:
    return round(float(problem.scores[i]), 4)


# --- Services -------------------------------------------------------------------------------
def _summary(problem: Problem, best: Assignment, greedy: Assignment, seconds: float) -> dict:
    return {
        "needs": len(problem.need_ids),
        "offers": len(problem.offer_ids),
        "pairs_considered": len(problem.edges),
        "optimal": {"needs_met": best.needs_met, "total_score": best.total_score},
        "greedy": {"needs_met": greedy.needs_met, "total_score": greedy.total_score},
        "seconds": round(seconds, 3),
        "greedy_differences": greedy_differences(problem, best, greedy),
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
    # Explanations are stored and shown to other people (staff, then both people of a sent
    # match) who may read English or Welsh, so each is written in both.
    pairs = [
        (needs[n], offers[o], problem.approx_m[i])
        for i, (n, o) in zip(best.chosen, chosen_pairs, strict=True)
    ]
    explained = {}
    for language in ("en-gb", "cy"):
        with translation.override(language):
            explained[language] = score_pairs(
                pairs=pairs, viewer="need", council=council, context=problem.context
            )
    RoundProposal.objects.bulk_create(
        [
            RoundProposal(
                round=rnd,
                need_id=r.need.pk,
                offer_id=r.offer.pk,
                score=r.score,
                explanation=r.explanation[:400],
                explanation_cy=cy.explanation[:400],
            )
            for r, cy in zip(explained["en-gb"], explained["cy"], strict=True)
        ]
    )
    # The audit row keeps to the figures; greedy's pairs stay with the round.
    figures = {k: v for k, v in rnd.summary.items() if k != "greedy_differences"}
    audit_record(actor=actor, verb="round.proposed", target=rnd, council=council, data=figures)
    return rnd


def _round_to_decide(*, staff: User, round_id: int) -> Round:
    """The round, row-locked, if `staff` may decide it and nobody has yet: its state is read
    under the lock, so a second press, a second tab or a second client waits for the first
    decision and is then refused."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if rnd.status != Round.Status.PROPOSED:
        raise ApplicationError(_("This round has already been decided."), code="round_decided")
    return rnd


def _chosen(proposals: list[RoundProposal], proposal_ids: Iterable[int] | None) -> set[int]:
    """The ids of the proposals to send: all of them when `proposal_ids` is None, else those
    listed, which must all be the round's and at least one."""
    ours = {p.pk for p in proposals}
    chosen = ours if proposal_ids is None else set(proposal_ids)
    unknown = sorted(chosen - ours)
    if unknown:
        raise ApplicationError(
            _("These proposals are not part of this round: %(ids)s.")
            % {"ids": ", ".join(str(pk) for pk in unknown)},
            code="round_proposal_unknown",
            extra={"proposal_ids": unknown},
        )
    if not chosen:
        raise ApplicationError(
            _("Choose at least one proposed match to send."), code="round_nothing_selected"
        )
    return chosen


def _send(*, staff: User, proposal: RoundProposal) -> Match | None:
    """Propose one pair to both people; None if it is no longer possible (a need taken, a
    helper paused), with nothing of the attempt kept."""
    try:
        with transaction.atomic():
            return match_propose_by_staff(
                staff=staff,
                need_id=proposal.need_id,
                offer_id=proposal.offer_id,
                proposed_by=Match.ProposedBy.ROUND,
                score=proposal.score,
                explanation=proposal.explanation,
                explanation_cy=proposal.explanation_cy,
            )
    except ApplicationError:
        return None


@transaction.atomic
def round_apply(
    *, staff: User, round_id: int, proposal_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Send the round's proposals listed in `proposal_ids` (all of them when None) to the
    people in them, as matches both must agree to. The others are recorded as not sent and
    nobody is told of them; pairs no longer possible are skipped. A round is sent once.
    Returns, as the audit row records, how many were sent, not sent and skipped."""
    rnd = _round_to_decide(staff=staff, round_id=round_id)
    proposals = list(rnd.proposals.order_by("-score", "id"))
    chosen = _chosen(proposals, proposal_ids)
    counts = {"sent": 0, "not_sent": 0, "skipped": 0}
    for proposal in proposals:
        if proposal.pk not in chosen:
            proposal.outcome, key = RoundProposal.Outcome.NOT_SELECTED, "not_sent"
        elif (match := _send(staff=staff, proposal=proposal)) is None:
            proposal.outcome, key = RoundProposal.Outcome.SKIPPED, "skipped"
        else:
            proposal.outcome, proposal.match, key = RoundProposal.Outcome.SENT, match, "sent"
        counts[key] += 1
    RoundProposal.objects.bulk_update(proposals, ["outcome", "match"])
    rnd.status = Round.Status.APPLIED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.applied", target=rnd, data=counts)
    return counts


@transaction.atomic
def round_discard(*, staff: User, round_id: int) -> Round:
    """Discard a round: none of its proposals is sent, and nobody is told of them."""
    rnd = _round_to_decide(staff=staff, round_id=round_id)
    rnd.proposals.update(outcome=RoundProposal.Outcome.DISCARDED)
    rnd.status = Round.Status.DISCARDED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.discarded", target=rnd)
    return rnd
