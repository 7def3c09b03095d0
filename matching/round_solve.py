"""A matching round's assignment (`matching.rounds`, steps 3 and 4), pure functions of its
`Problem`: the optimal one (the most places filled, then the highest total score, as one
minimum-cost maximum flow with OR-tools) and greedy's (best score first), and where the two
part (`greedy_differences`). Both give a need at most one of each helper's offers
(`Problem.edge_helpers`)."""

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
    # Without helpers (`Problem.edge_helpers` empty) each offer stands for a helper of its
    # own: its negated id, which no helper's id is.
    helpers = problem.edge_helpers or [-o for _n, o in problem.edges]
    asked: set[tuple[int, int]] = set()
    # Best score first, ties in the order of the edges (a stable sort).
    order = np.argsort(-np.asarray(problem.scores, dtype=float), kind="stable").tolist()
    chosen = []
    for i in order:
        n, o = problem.edges[i]
        if need_left[n] > 0 and offer_left[o] > 0 and (n, helpers[i]) not in asked:
            chosen.append(i)
            need_left[n] -= 1
            offer_left[o] -= 1
            asked.add((n, helpers[i]))
    return _summarise(problem, chosen, time.perf_counter() - started)


def optimal_assignment(problem: Problem) -> Assignment:
    """Most places filled, then highest total score (see the module docstring): the
    minimum-cost maximum flow through source → need → offer → sink, each pair's arc costing
    minus its score in ten-thousandths. Where a need reaches two or more offers of one
    helper, their arcs leave a node of their own that the need feeds with one unit: the
    helper fills at most one of the need's places (`_one_per_helper`)."""
    started = time.perf_counter()
    m = len(problem.edges)
    if m == 0:
        return _summarise(problem, [], 0.0)
    need_ids = np.asarray(problem.need_ids, dtype=np.int64)
    offer_ids = np.asarray(problem.offer_ids, dtype=np.int64)
    need_order, offer_order = np.argsort(need_ids), np.argsort(offer_ids)
    ends = np.asarray(problem.edges, dtype=np.int64).reshape(m, 2)
    # Nodes: 0 the source, then the needs, then the offers, then the sink, then a node for
    # each need and helper with two or more offers in its reach.
    n_needs, n_offers = len(need_ids), len(offer_ids)
    need_node = 1 + need_order[np.searchsorted(need_ids, ends[:, 0], sorter=need_order)]
    offer_node = (
        1 + n_needs + offer_order[np.searchsorted(offer_ids, ends[:, 1], sorter=offer_order)]
    )
    sink = 1 + n_needs + n_offers
    pair_tail, group_need = _one_per_helper(problem, need_node, first_free=sink + 1)
    n_groups = len(group_need)
    needs_nodes = np.arange(1, 1 + n_needs, dtype=np.int64)
    offers_nodes = np.arange(1 + n_needs, sink, dtype=np.int64)
    group_nodes = np.arange(sink + 1, sink + 1 + n_groups, dtype=np.int64)
    # Arcs: source → need, each pair's (need or group → offer), offer → sink, need → group.
    tails = np.concatenate([np.zeros(n_needs, dtype=np.int64), pair_tail, offers_nodes, group_need])
    heads = np.concatenate(
        [needs_nodes, offer_node, np.full(n_offers, sink, dtype=np.int64), group_nodes]
    )
    capacities = np.concatenate(
        [
            np.array([problem.need_cap[n] for n in problem.need_ids], dtype=np.int64),
            np.ones(m, dtype=np.int64),
            np.array([problem.offer_cap[o] for o in problem.offer_ids], dtype=np.int64),
            np.ones(n_groups, dtype=np.int64),
        ]
    )
    pair_cost = -np.rint(np.asarray(problem.scores, dtype=float) * SCORE_SCALE).astype(np.int64)
    costs = np.concatenate(
        [
            np.zeros(n_needs, dtype=np.int64),
            pair_cost,
            np.zeros(n_offers + n_groups, dtype=np.int64),
        ]
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


def _one_per_helper(
    problem: Problem, need_node: np.ndarray, *, first_free: int
) -> tuple[np.ndarray, np.ndarray]:
    """Where each pair's arc leaves from, and the need node feeding each new node: a pair
    whose need reaches no other offer of the same helper leaves from its need; the pairs of a
    need and a helper with two or more offers share a node of their own (numbered from
    `first_free`), fed by one unit from the need."""
    if not problem.edge_helpers:
        return need_node, np.zeros(0, dtype=np.int64)
    helper = np.asarray(problem.edge_helpers, dtype=np.int64)
    # One number per (need, helper): sorting numbers is several times faster than rows.
    keys = need_node.astype(np.int64) * (int(helper.max()) + 1) + helper
    _unique, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    group = group.reshape(-1)
    shared = counts[group] > 1
    # The groups that are shared, numbered in order from `first_free`.
    shared_groups, node_of = np.unique(group[shared], return_inverse=True)
    tail = need_node.copy()
    tail[shared] = first_free + node_of.reshape(-1)
    feeds = np.zeros(len(shared_groups), dtype=np.int64)
    feeds[node_of.reshape(-1)] = need_node[shared]
    return tail, feeds


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
