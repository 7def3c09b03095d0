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
   its free capacity). Lexicographic objective: first the most places filled, then the
   highest total score among assignments that fill that many. Solved as a minimum-cost
   maximum flow with OR-tools (`SimpleMinCostFlow.solve_max_flow_with_min_cost`): source →
   need (its free places) → offer (one unit per pair, costing minus its score in integer
   ten-thousandths) → sink (the offer's free capacity). The maximum flow is the most places
   filled, and among maximum flows the cheapest has the highest total score: exactly the
   lexicographic goal, in integers, with an integral answer.
4. Greedy for comparison: best score first while both sides have room. The round keeps its
   figures and, for each need it would have met otherwise, its pairs
   (`greedy_differences`), for staff to see where the two part.
5. Review: staff send the proposals they tick (`round_apply`); the others are recorded as
   not sent and nobody is told of them.

A round runs as a background job (`matching.tasks.round_build`, started by `round_start`),
one at a time per council: a PostgreSQL advisory lock keyed on the council is held while it
runs, and a second start is refused while one is waiting or running. The job records its
stage and its N of M on the `Round` row, and at each of those checkpoints stops if staff
asked to cancel it; the proposals are written in one transaction, so a cancelled or failed
round stores none of them.

"Needs met" counts places filled: a need asking for two helpers counts twice.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from accounts.models import Council, User
from accounts.permissions import Capability, staff_can, staff_council_id
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from core.i18n import speaking
from places.geo import distance_band

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
from .scoring import ScoringContext, council_weights
from .services import match_propose_by_staff

ROUND_EDGES_PER_NEED = 8
# First key of the advisory lock a running round holds (the second is the council's id).
ROUND_LOCK_KEY = 7401
# How many more times a job asks for its council's lock, a tenth of a second apart.
ROUND_LOCK_TRIES = 20
# A queued round no worker has picked up after this long was lost with its message.
ROUND_QUEUE_STALE = dt.timedelta(minutes=15)
# Scores are rounded to 4 places (`scoring.combine`): in ten-thousandths they are exact
# integers (the solver's work grows with the logarithm of the largest cost).
SCORE_SCALE = 10_000
# Explanations are written this many proposals at a time, each batch a checkpoint.
EXPLAIN_BATCH = 5_000


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
    # The facts of the pair at an index of `edges`, and its components (for its explanation).
    facts: Callable[[int], scoring.PairFacts] | None = None
    components: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Assignment:
    chosen: list[int]  # indexes into Problem.edges
    needs_met: int
    total_score: float
    seconds: float = 0.0


class RoundCancelled(Exception):
    """Staff asked to cancel the round: the job stops at its next checkpoint."""


class Progress:
    """A round's stage and N of M, written to its row at each step. Outside a transaction
    (the worker) each write commits at once, so staff see it. Each write is also a
    checkpoint: it raises `RoundCancelled` once staff have asked to cancel the round."""

    def __init__(self, round_id: int | None):
        self.round_id, self.stage, self.done, self.total = round_id, "", 0, 0

    def start(self, stage: str, total: int) -> None:
        self.stage, self.done, self.total = stage, 0, total
        self._write()

    def step(self, count: int = 1) -> None:
        self.done = min(self.total, self.done + count)
        self._write()

    def _write(self) -> None:
        if self.round_id is None:
            return
        with transaction.atomic():
            # Progress lost in a crash is harmless: its commit need not wait for the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO off")
            written = Round.objects.filter(
                pk=self.round_id, cancel_requested_at__isnull=True
            ).update(stage=self.stage, progress_done=self.done, progress_total=self.total)
        if not written:
            raise RoundCancelled()


NO_PROGRESS = Progress(None)
BUILD_STEPS = 4  # the listings, the eligible pairs, people's history, the scores
SOLVE_STEPS = 2  # the optimal assignment, the greedy one


def build_problem(
    *,
    council: Council,
    per_need: int = ROUND_EDGES_PER_NEED,
    progress: Progress = NO_PROGRESS,
) -> Problem:
    """Every eligible pair of the council's open needs and offers (each need keeping its
    `per_need` nearest eligible offers), with scores and the free places on each side.

    A round looks at every listing of the council at once, so instead of one index probe
    per need it reads the council's open listings in two statements and pairs them with a
    KD-tree per category, then applies the hard constraints of `matching.eligibility` to
    the rows (the checks `pair_problem` makes for one pair; `matching.round_pairs`) and
    scores each pair with the component registry of `matching.scoring`, as ranking does.
    """
    progress.start(Round.Stage.BUILDING, BUILD_STEPS)
    offers, needs = round_pairs.listings(council)
    # Rule 10 reads one listing at a time: drop the full ones before pairing.
    offers = [o for o in offers if eligibility.places_left(holding=o.holding, wanted=o.capacity)]
    needs = [
        n for n in needs if eligibility.places_left(holding=n.holding, wanted=n.helpers_wanted)
    ]
    progress.step()
    if not offers or not needs:
        return Problem([], [], {}, {}, [], [], [])
    slots = round_pairs.weekly_times(council.pk)
    kept = round_pairs.eligible_pairs(council, offers, needs, slots=slots, per_need=per_need)
    progress.step()
    if not len(kept.need):
        return Problem([], [], {}, {}, [], [], [])
    # Scores: the same registry, facts and weights as ranking, without the sentences.
    history, good = _history(council=council)
    progress.step()
    context = ScoringContext(
        need_slots=slots[0],
        offer_slots=slots[1],
        history=history,
        good_pairs=good,
        holding={o.id: o.holding for o in offers},
    )
    need_id = np.array([n.id for n in needs], dtype=np.int64)
    offer_id = np.array([o.id for o in offers], dtype=np.int64)
    pair_need, pair_offer = need_id[kept.need], offer_id[kept.offer]
    used_needs, first_need = np.unique(pair_need, return_index=True)
    used_offers, first_offer = np.unique(pair_offer, return_index=True)
    need_free = {
        n.id: max(0, n.helpers_wanted - n.holding)
        for n in (needs[j] for j in kept.need[first_need])
    }
    offer_free = {
        o.id: max(0, o.capacity - o.holding) for o in (offers[i] for i in kept.offer[first_offer])
    }
    facts = _facts_of(needs, offers, context=context, now=timezone.now())
    columns = _columns(kept, needs, offers, facts=facts, context=context)
    scores = scoring.combine_columns(columns, council_weights(council))
    progress.step()
    need_l, offer_l, metres_l = kept.need.tolist(), kept.offer.tolist(), kept.metres.tolist()
    return Problem(
        need_ids=used_needs.tolist(),
        offer_ids=used_offers.tolist(),
        need_cap=need_free,
        offer_cap=offer_free,
        edges=list(zip(pair_need.tolist(), pair_offer.tolist(), strict=True)),
        scores=scores,
        approx_m=metres_l,
        context=context,
        facts=lambda k: facts(need_l[k], offer_l[k], metres_l[k]),
        components=columns,
    )


# What each component of a pair's scope reads of its facts (`scoring.PairFacts`), so that a
# round asks it once for each combination of those facts rather than once for each pair. A
# component not listed here is asked for each pair: slower, never wrong.
PAIR_READS: dict[str, tuple[str, ...]] = {
    "proximity": ("approx_m", "radius_m"),
    "availability": ("need_slots", "offer_slots"),
    "language": ("wanted", "spoken"),
    "continuity": ("good_match",),
}


def _codes(values: list) -> np.ndarray:
    """A small number for each value, the same for equal values."""
    seen: dict = {}
    return np.array([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)


def _combined(columns: list[np.ndarray]) -> np.ndarray:
    """One number per row for several columns of small non-negative numbers, equal when all
    are equal: the columns read as the digits of one number, made small again only when the
    next digit would not fit."""
    key, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        digits = np.asarray(column).astype(np.int64)
        width = int(digits.max(initial=0)) + 1
        if span * width >= 2**62:
            _, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(np.int64)
            span = int(key.max(initial=0)) + 1
        key, span = key * width + digits, span * width
    return key


def _fact_codes(
    kept: round_pairs.Pairs,
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    context: ScoringContext,
) -> dict[str, np.ndarray]:
    """For each fact a pair component may read, a number per pair, equal for pairs whose
    fact is equal."""
    ns, os_ = context.need_slots, context.offer_slots
    by_need = {
        "need_slots": _codes([tuple(ns.get(n.id, ())) for n in needs]),
        "wanted": _codes([tuple(n.languages or n.preferred_languages or ()) for n in needs]),
    }
    by_offer = {
        "offer_slots": _codes([tuple(os_.get(o.id, ())) for o in offers]),
        "spoken": _codes([tuple(o.languages or o.preferred_languages or ()) for o in offers]),
        "radius_m": np.array([o.radius_m for o in offers], dtype=np.int64),
    }
    owner = np.array([n.owner_id for n in needs], dtype=np.int64)[kept.need]
    helper = np.array([o.helper_id for o in offers], dtype=np.int64)[kept.offer]
    good = np.array(sorted(context.good_pairs), dtype=np.int64).reshape(-1, 2)
    width = int(max(helper.max(initial=0), good[:, 1].max(initial=0))) + 1
    return (
        {name: codes[kept.need] for name, codes in by_need.items()}
        | {name: codes[kept.offer] for name, codes in by_offer.items()}
        | {
            "approx_m": np.unique(kept.metres, return_inverse=True)[1].reshape(-1),
            "good_match": np.isin(owner * width + helper, good[:, 0] * width + good[:, 1]),
        }
    )


def _columns(
    kept: round_pairs.Pairs,
    needs: list[round_pairs.NeedRow],
    offers: list[round_pairs.OfferRow],
    *,
    facts: Callable[[int, int, float], scoring.PairFacts],
    context: ScoringContext,
) -> dict[str, np.ndarray]:
    """Each pair's components (`matching.scoring`'s registry), column by column, each
    rounded to 4 places as `components_of` gives them; `combine_columns` makes the scores.

    Each component is computed by its own function from the facts of one pair standing for
    all the pairs that give it the same facts: a component of a need (or an offer) once per
    need (offer), a pair component once per combination of the facts it reads
    (`PAIR_READS`). The same functions and numbers, far fewer calls."""
    need_l, offer_l, metres_l = kept.need, kept.offer, kept.metres

    def column(component: scoring.Component, keys: np.ndarray | None) -> np.ndarray:
        if keys is None:  # every pair its own
            first = position = np.arange(len(need_l))
        else:
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            position = inverse.reshape(-1)
        values = np.array(
            [
                round(
                    component.score(facts(int(need_l[k]), int(offer_l[k]), float(metres_l[k]))), 4
                )
                for k in first.tolist()
            ],
            dtype=float,
        )
        return values[position]

    codes = _fact_codes(kept, needs, offers, context)
    columns: dict[str, np.ndarray] = {}
    for component in scoring.REGISTRY:
        if component.scope == scoring.NEED:
            keys = need_l
        elif component.scope == scoring.OFFER:
            keys = offer_l
        elif component.name in PAIR_READS:
            keys = _combined([codes[name] for name in PAIR_READS[component.name]])
        else:
            keys = None
        columns[component.name] = column(component, keys)
    return columns


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
    # Best score first, ties in the order of the edges (a stable sort).
    order = np.argsort(-np.asarray(problem.scores, dtype=float), kind="stable").tolist()
    chosen = []
    for i in order:
        n, o = problem.edges[i]
        if need_left[n] > 0 and offer_left[o] > 0:
            chosen.append(i)
            need_left[n] -= 1
            offer_left[o] -= 1
    return _summarise(problem, chosen, time.perf_counter() - started)


def optimal_assignment(problem: Problem) -> Assignment:
    """Most places filled, then highest total score (see the module docstring): the
    minimum-cost maximum flow through source → need → offer → sink, each pair's arc costing
    minus its score in ten-thousandths."""
    started = time.perf_counter()
    m = len(problem.edges)
    if m == 0:
        return _summarise(problem, [], 0.0)
    need_ids = np.asarray(problem.need_ids, dtype=np.int64)
    offer_ids = np.asarray(problem.offer_ids, dtype=np.int64)
    need_order, offer_order = np.argsort(need_ids), np.argsort(offer_ids)
    ends = np.asarray(problem.edges, dtype=np.int64).reshape(m, 2)
    # Nodes: 0 the source, then the needs, then the offers, last the sink.
    n_needs, n_offers = len(need_ids), len(offer_ids)
    need_node = 1 + need_order[np.searchsorted(need_ids, ends[:, 0], sorter=need_order)]
    offer_node = (
        1 + n_needs + offer_order[np.searchsorted(offer_ids, ends[:, 1], sorter=offer_order)]
    )
    sink = 1 + n_needs + n_offers
    needs_nodes = np.arange(1, 1 + n_needs, dtype=np.int64)
    offers_nodes = np.arange(1 + n_needs, sink, dtype=np.int64)
    tails = np.concatenate([np.zeros(n_needs, dtype=np.int64), need_node, offers_nodes])
    heads = np.concatenate([needs_nodes, offer_node, np.full(n_offers, sink, dtype=np.int64)])
    capacities = np.concatenate(
        [
            np.array([problem.need_cap[n] for n in problem.need_ids], dtype=np.int64),
            np.ones(m, dtype=np.int64),
            np.array([problem.offer_cap[o] for o in problem.offer_ids], dtype=np.int64),
        ]
    )
    pair_cost = -np.rint(np.asarray(problem.scores, dtype=float) * SCORE_SCALE).astype(np.int64)
    costs = np.concatenate(
        [np.zeros(n_needs, dtype=np.int64), pair_cost, np.zeros(n_offers, dtype=np.int64)]
    )
    flow = SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    # As much as every need could take leaves the source; the maximum flow is what arrives.
    places = int(capacities[:n_needs].sum())
    flow.set_node_supply(0, places)
    flow.set_node_supply(sink, -places)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"Round solver failed: status {status}")
    used = flow.flows(arcs[n_needs : n_needs + m])
    chosen = np.flatnonzero(used > 0).tolist()
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


def _running_refusal(rnd: Round | None) -> ApplicationError:
    return ApplicationError(
        _(
            "A round for your council is already being worked out. Wait for it to finish, "
            "or cancel it, before starting another."
        ),
        code="round_running",
        extra={"round_id": rnd.pk} if rnd is not None else {},
    )


def _try_lock(council_id: int, *, session: bool) -> bool:
    """The council's round lock: for this transaction (while a round is recorded), or for
    the session (while one runs). Both kinds conflict with each other across sessions."""
    function = "pg_try_advisory_lock" if session else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [ROUND_LOCK_KEY, council_id])
        return bool(cursor.fetchone()[0])


def _unlock(council_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [ROUND_LOCK_KEY, council_id])


def round_stop(rnd_id: int, status: str, failure: str = "") -> None:
    """Mark a round still being worked out as stopped (cancelled, or failed: `FAILURES`)."""
    Round.objects.filter(pk=rnd_id, status__in=Round.ACTIVE).update(
        status=status, failure=failure, finished_at=timezone.now()
    )


# Why a round stopped without proposals, as staff read it (`Round.failure`).
FAILURES = {
    "lost": _("The job working out this round stopped before it finished."),
    "not_started": _("The round could not be handed to the background worker."),
    "error": _("Kith hit an error while working out this round."),
}


def failure_said(code: str) -> str:
    return str(FAILURES.get(code, FAILURES["error"]))


def round_open(*, council: Council, actor: User | None = None) -> Round:
    """Record a round waiting to be worked out for `council`, unless one already is.

    Refused (`round_running`) while another round of the council is waiting or running:
    the check and the new row are made under the council's round lock for this transaction,
    which conflicts with the session lock a running round holds. A round left running by a
    job that died (its lock gone with its session), or waiting longer than
    `ROUND_QUEUE_STALE` (its message lost), is marked as stopped first."""
    if actor is not None and rounds_council_id(actor) != council.pk:
        raise NotFound()
    with transaction.atomic():
        if not _try_lock(council.pk, session=False):
            raise _running_refusal(
                Round.objects.filter(council=council, status__in=Round.ACTIVE).first()
            )
        # We hold the lock, so no job is running: a running row was left by a dead one.
        Round.objects.filter(council=council, status=Round.Status.RUNNING).update(
            status=Round.Status.FAILED, failure="lost", finished_at=timezone.now()
        )
        Round.objects.filter(
            council=council,
            status=Round.Status.QUEUED,
            created_at__lt=timezone.now() - ROUND_QUEUE_STALE,
        ).update(status=Round.Status.FAILED, failure="lost", finished_at=timezone.now())
        waiting = Round.objects.filter(council=council, status__in=Round.ACTIVE).first()
        if waiting is not None:
            raise _running_refusal(waiting)
        return Round.objects.create(council=council, created_by=actor, status=Round.Status.QUEUED)


@contextmanager
def _round_lock(council_id: int) -> Iterator[bool]:
    """The council's round lock for this session, held while the body runs (False: another
    session holds it). A start refused meanwhile holds it for a moment (`round_open`), so
    it is asked again for a little while before giving up."""
    held = _try_lock(council_id, session=True)
    for _attempt in range(ROUND_LOCK_TRIES):
        if held:
            break
        time.sleep(0.1)
        held = _try_lock(council_id, session=True)
    try:
        yield held
    finally:
        if held:
            _unlock(council_id)


def round_compute(round_id: int) -> Round:
    """Work out a waiting round: build the problem, solve it, store its proposals, with its
    stage and N of M on its row and a checkpoint at each step (staff may cancel it). The
    background job (`matching.tasks.round_build`) runs this, outside any transaction, so
    its progress is seen as it goes; the proposals are written in one transaction."""
    rnd = Round.objects.select_related("council").get(pk=round_id)
    with _round_lock(rnd.council_id) as held:
        if not held:  # a job for another round of the council got there first
            round_stop(round_id, Round.Status.FAILED, "lost")
        elif Round.objects.filter(pk=round_id, status=Round.Status.RUNNING).exists():
            round_stop(round_id, Round.Status.FAILED, "lost")  # a redelivered job: the first died
        elif Round.objects.filter(
            pk=round_id, status=Round.Status.QUEUED, cancel_requested_at__isnull=True
        ).update(status=Round.Status.RUNNING, started_at=timezone.now()):
            try:
                _compute(rnd)
            except RoundCancelled:
                round_stop(round_id, Round.Status.CANCELLED)
            except Exception:
                round_stop(round_id, Round.Status.FAILED, "error")
                raise
    rnd.refresh_from_db()
    return rnd


def _compute(rnd: Round) -> None:
    council = rnd.council
    progress = Progress(rnd.pk)
    started = time.perf_counter()
    problem = build_problem(council=council, progress=progress)
    progress.start(Round.Stage.SOLVING, SOLVE_STEPS)
    best = optimal_assignment(problem)
    progress.step()
    greedy = greedy_assignment(problem)
    progress.step()
    seconds = time.perf_counter() - started
    summary = _summary(problem, best, greedy, seconds)
    progress.start(Round.Stage.STORING, len(best.chosen))
    rows = []
    for at in range(0, len(best.chosen), EXPLAIN_BATCH):
        batch = best.chosen[at : at + EXPLAIN_BATCH]
        rows += _explained(problem, batch, council=council)
        progress.step(len(batch))
    with transaction.atomic():
        # Under the row lock: staff cancelling now wait, and find the round proposed.
        locked = Round.objects.select_for_update().get(pk=rnd.pk)
        if locked.cancel_requested_at is not None or locked.status != Round.Status.RUNNING:
            raise RoundCancelled()
        _copy_proposals(rnd.pk, rows)
        locked.summary = summary
        locked.status = Round.Status.PROPOSED
        locked.stage = Round.Stage.DONE
        locked.progress_done = locked.progress_total = len(rows)
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=[
                "summary",
                "status",
                "stage",
                "progress_done",
                "progress_total",
                "finished_at",
            ]
        )
        # The audit row keeps to the figures; greedy's pairs stay with the round.
        figures = {k: v for k, v in summary.items() if k != "greedy_differences"}
        audit_record(
            actor=rnd.created_by,
            verb="round.proposed",
            target=locked,
            council=council,
            data=figures,
        )


def _explained(problem: Problem, chosen: list[int], *, council: Council) -> list[tuple]:
    """(need id, offer id, score, English, Welsh) for the pairs at `chosen`. Explanations
    are stored and shown to other people (staff, then both people of a sent match) who may
    read English or Welsh, so each is written in both, from the facts that scored it."""
    if not chosen:
        return []
    assert problem.facts is not None
    weights = council_weights(council)
    names = list(problem.components)
    values = np.column_stack([problem.components[k][chosen] for k in names]).tolist()
    pairs = []
    for i, row in zip(chosen, values, strict=True):
        facts = problem.facts(i)
        pairs.append((facts, dict(zip(names, row, strict=True)), distance_band(facts.approx_m)))
    words = []
    for language in ("en-gb", "cy"):
        with speaking(language):
            words.append(
                [
                    scoring.explain(
                        viewer="need",
                        band=band,
                        facts=facts,
                        components=components,
                        weights=weights,
                    )[:400]
                    for facts, components, band in pairs
                ]
            )
    return [
        (*problem.edges[i], problem.scores[i], english, welsh)
        for i, english, welsh in zip(chosen, *words, strict=True)
    ]


def _copy_proposals(round_id: int, rows: list[tuple]) -> None:
    """Store the proposals with one COPY (tens of thousands at a large council)."""
    table = RoundProposal._meta.db_table
    waiting = str(RoundProposal.Outcome.WAITING)
    columns = "round_id, need_id, offer_id, score, explanation, explanation_cy, outcome"
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for need_id, offer_id, score, english, welsh in rows:
            copy.write_row((round_id, need_id, offer_id, score, english, welsh, waiting))


def round_run(*, council: Council, actor: User | None = None) -> Round:
    """Work out a round for `council` in this process, start to finish, and store its
    proposals for staff review (the management command; tests). `actor` is a member of
    that council's staff, or None for the management command. The same lock and the same
    refusal as a round started in the background."""
    rnd = round_open(council=council, actor=actor)
    return round_compute(rnd.pk)


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
    if rnd.is_active:
        raise ApplicationError(_("This round is still being worked out."), code="round_not_ready")
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
    """Discard a round: none of its proposals is sent, and nobody is told of them. A round
    still being worked out is cancelled instead (`round_cancel`)."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    if Round.objects.filter(pk=round_id, council_id=council_id, status__in=Round.ACTIVE).exists():
        return round_cancel(staff=staff, round_id=round_id)
    rnd = _round_to_decide(staff=staff, round_id=round_id)
    rnd.proposals.update(outcome=RoundProposal.Outcome.DISCARDED)
    rnd.status = Round.Status.DISCARDED
    rnd.decided_at = timezone.now()
    rnd.save(update_fields=["status", "decided_at"])
    audit_record(actor=staff, verb="round.discarded", target=rnd)
    return rnd


@transaction.atomic
def round_cancel(*, staff: User, round_id: int) -> Round:
    """Cancel a round still being worked out. One waiting for the worker is cancelled at
    once; a running one when its job reaches its next checkpoint, storing none of its
    proposals (the job writes them under the round's row lock, so a cancel either comes
    first or finds the round worked out and is refused)."""
    council_id = rounds_council_id(staff)
    if council_id is None:
        raise NotFound()
    rnd = Round.objects.select_for_update().filter(pk=round_id, council_id=council_id).first()
    if rnd is None:
        raise NotFound()
    if not rnd.is_active:
        raise ApplicationError(
            _("This round has already finished: it can no longer be cancelled."),
            code="round_finished",
        )
    now = timezone.now()
    if rnd.cancel_requested_at is None:
        rnd.cancel_requested_at = now
        fields = ["cancel_requested_at"]
        if rnd.status == Round.Status.QUEUED:
            rnd.status, rnd.finished_at = Round.Status.CANCELLED, now
            fields += ["status", "finished_at"]
        rnd.save(update_fields=fields)
        audit_record(actor=staff, verb="round.cancelled", target=rnd)
    return rnd
