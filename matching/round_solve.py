"""A matching round's assignment (`matching.rounds`, steps 3 and 4), pure functions of its
`Problem`: the optimal one (the most places filled, then the highest total score, as one
minimum-cost maximum flow with OR-tools) and greedy's (best score first), and where the two
part (`greedy_differences`)."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

from .round_problem import Problem

# integers (the solver's work grows with the logarithm of the largest cost).
SCORE_SCALE = 10_000


@dataclass
class Assignment:
    chosen: list[int]  # indexes into Problem.edges
    needs_met: int
    total_score: float
    seconds: float = 0.0


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
