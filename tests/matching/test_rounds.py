"""Rounds: optimal ≥ greedy (strictly better on crafted cases), the objective checked by
brute force and by a second solver (two LPs with HiGHS, kept here only to check OR-tools'
min-cost flow), the database problem, stored proposals, apply, and the management command."""

from __future__ import annotations

import itertools
import random
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.html import escape
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from accounts.services import web_profile_set_role
from core.errors import NotFound
from core.models import AuditEvent
from matching.models import Match, Round
from matching.rounds import (
    Problem,
    build_problem,
    greedy_assignment,
    optimal_assignment,
    round_apply,
    round_run,
)
from tests.kit import factories as make


def problem(edges, scores, need_cap, offer_cap, helper_of=None) -> Problem:
    """A round's problem; `helper_of` ({offer: helper}) gives offers a helper in common."""
    return Problem(
        need_ids=sorted(need_cap),
        offer_ids=sorted(offer_cap),
        need_cap=need_cap,
        offer_cap=offer_cap,
        edges=edges,
        scores=scores,
        edge_helpers=[helper_of[o] for _, o in edges] if helper_of else [],
    )


def helper_key(p: Problem, i: int) -> tuple[int, int]:
    """(need, helper) of pair `i`; an offer without a helper given is its own helper."""
    n, o = p.edges[i]
    return (n, p.edge_helpers[i] if p.edge_helpers else -o)


def test_optimal_meets_more_needs_than_greedy_when_greedy_grabs_the_best_pair():
    # Need 1 could use offer A (0.9) or B (0.5); need 2 only A (0.8). Greedy gives A to need 1.
    p = problem([(1, 10), (1, 11), (2, 10)], [0.9, 0.5, 0.8], {1: 1, 2: 1}, {10: 1, 11: 1})
    greedy, best = greedy_assignment(p), optimal_assignment(p)
    assert (greedy.needs_met, greedy.total_score) == (1, 0.9)
    assert (best.needs_met, best.total_score) == (2, 1.3)


def test_optimal_scores_higher_when_both_meet_the_same_number():
    p = problem(
        [(1, 10), (1, 11), (2, 10), (2, 11)],
        [0.9, 0.85, 0.85, 0.1],
        {1: 1, 2: 1},
        {10: 1, 11: 1},
    )
    greedy, best = greedy_assignment(p), optimal_assignment(p)
    assert greedy.needs_met == best.needs_met == 2
    assert greedy.total_score == pytest.approx(1.0)
    assert best.total_score == pytest.approx(1.7)


def test_a_need_wanting_two_helpers_gets_two_people_not_two_offers_of_one():
    """Offers 10 and 11 are one helper's (two areas, say), 12 another's. A need wanting two
    helpers is proposed to both helpers, not to the first one twice, though that one's two
    offers score highest; with no other helper, one place stays open."""
    p = problem(
        [(1, 10), (1, 11), (1, 12)],
        [0.9, 0.8, 0.3],
        {1: 2},
        {10: 1, 11: 1, 12: 1},
        {10: 7, 11: 7, 12: 8},
    )
    for result in (optimal_assignment(p), greedy_assignment(p)):
        assert sorted(p.edges[i][1] for i in result.chosen) == [10, 12]
        assert (result.needs_met, result.total_score) == (2, 1.2)
    alone = problem([(1, 10), (1, 11)], [0.9, 0.8], {1: 2}, {10: 1, 11: 1}, {10: 7, 11: 7})
    assert optimal_assignment(alone).needs_met == greedy_assignment(alone).needs_met == 1
    # The rule is per need: the helper's two offers may each help a different need.
    two_needs = problem(
        [(1, 10), (1, 11), (2, 11)], [0.9, 0.8, 0.7], {1: 2, 2: 1}, {10: 1, 11: 1}, {10: 7, 11: 7}
    )
    best = optimal_assignment(two_needs)
    assert sorted(two_needs.edges[i] for i in best.chosen) == [(1, 10), (2, 11)]


def test_capacities_on_both_sides():
    p = problem(
        [(1, 10), (2, 10), (3, 10), (3, 11)],
        [0.5, 0.6, 0.7, 0.2],
        {1: 1, 2: 1, 3: 2},
        {10: 2, 11: 1},
    )
    best = optimal_assignment(p)
    chosen = [p.edges[i] for i in best.chosen]
    assert best.needs_met == 3
    assert sum(1 for _, o in chosen if o == 10) <= 2


def brute_force(p: Problem) -> tuple[int, float]:
    best = (0, 0.0)
    for r in range(len(p.edges) + 1):
        for subset in itertools.combinations(range(len(p.edges)), r):
            used_n, used_o, asked = {}, {}, set()
            ok = True
            for i in subset:
                n, o = p.edges[i]
                used_n[n] = used_n.get(n, 0) + 1
                used_o[o] = used_o.get(o, 0) + 1
                if used_n[n] > p.need_cap[n] or used_o[o] > p.offer_cap[o]:
                    ok = False
                    break
                if helper_key(p, i) in asked:
                    ok = False
                    break
                asked.add(helper_key(p, i))
            if ok:
                value = (len(subset), round(sum(p.scores[i] for i in subset), 4))
                best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_objective_matches_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    needs = {n: rng.choice([1, 1, 2]) for n in range(1, 6)}
    offers = {o: rng.choice([1, 1, 2]) for o in range(10, 14)}
    pairs = [(n, o) for n in needs for o in offers if rng.random() < 0.55][:13]
    scores = [round(rng.uniform(0.05, 1.0), 3) for _ in pairs]
    p = problem(pairs, scores, needs, offers)
    best, greedy = optimal_assignment(p), greedy_assignment(p)
    assert (best.needs_met, best.total_score) == pytest.approx(brute_force(p))
    assert (best.needs_met, best.total_score) == pytest.approx(lp_objective(p))
    assert (best.needs_met, best.total_score) >= (greedy.needs_met, greedy.total_score)


def lp_objective(p: Problem) -> tuple[int, float]:
    """The second solver: the lexicographic objective as two LPs with HiGHS' dual simplex
    (most places filled, then the best total score among assignments filling that many).
    A bipartite b-matching's constraint matrix is totally unimodular, and stays so with a
    row per need and helper (nested in the need's row: a network matrix still), so both
    optima are those of the integer problem."""
    m = len(p.edges)
    if not m:
        return (0, 0.0)
    rows = {("n", n): k for k, n in enumerate(p.need_ids)}
    rows |= {("o", o): len(p.need_ids) + k for k, o in enumerate(p.offer_ids)}
    caps = [p.need_cap[n] for n in p.need_ids] + [p.offer_cap[o] for o in p.offer_ids]
    # A need and a helper: at most one of the helper's offers (a row each, capacity 1).
    for key in sorted({helper_key(p, i) for i in range(m)}):
        rows["h", key] = len(caps)
        caps.append(1)
    ends = [
        (rows["n", n], rows["o", o], rows["h", helper_key(p, i)])
        for i, (n, o) in enumerate(p.edges)
    ]
    a = coo_matrix(
        (np.ones(3 * m), (np.ravel(ends), np.repeat(np.arange(m), 3))), shape=(len(caps), m)
    ).tocsr()
    first = linprog(-np.ones(m), A_ub=a, b_ub=caps, bounds=(0, 1), method="highs-ds")
    filled = round(-first.fun)
    second = linprog(
        -np.asarray(p.scores),
        A_ub=a,
        b_ub=caps,
        A_eq=np.ones((1, m)),
        b_eq=[filled],
        bounds=(0, 1),
        method="highs-ds",
    )
    assert first.status == 0 and second.status == 0
    return (filled, round(-second.fun, 4))


def random_problem(rng: random.Random, needs: int, offers: int, density: float) -> Problem:
    need_cap = {n: rng.choice([1, 1, 1, 2, 3]) for n in range(1, needs + 1)}
    offer_cap = {o: rng.choice([1, 1, 2, 4]) for o in range(1000, 1000 + offers)}
    pairs = [(n, o) for n in need_cap for o in offer_cap if rng.random() < density]
    scores = [round(rng.uniform(0.0, 1.0), 4) for _ in pairs]
    used_n, used_o = {n for n, _ in pairs}, {o for _, o in pairs}
    # Some helpers hold two or three of the offers.
    helper_of = {o: 5000 + rng.randrange(max(1, offers * 2 // 3)) for o in offer_cap}
    return problem(
        pairs,
        scores,
        {n: c for n, c in need_cap.items() if n in used_n},
        {o: c for o, c in offer_cap.items() if o in used_o},
        helper_of,
    )


@pytest.mark.parametrize("seed", range(12))
def test_objective_equals_the_second_solvers_on_random_cases(seed):
    """OR-tools' min-cost flow and the two LPs reach the same lexicographic optimum, on
    problems too large for brute force (up to 60 needs × 40 offers, ties included)."""
    rng = random.Random(1000 + seed)
    p = random_problem(rng, rng.randint(5, 60), rng.randint(3, 40), rng.uniform(0.03, 0.3))
    if seed % 3 == 0:  # many equal scores: ties must not cost places or score
        p.scores = [round(rng.choice([0.25, 0.5, 0.75]), 4) for _ in p.edges]
    best, greedy = optimal_assignment(p), greedy_assignment(p)
    assert best.needs_met == pytest.approx(lp_objective(p)[0])
    assert best.total_score == pytest.approx(lp_objective(p)[1], abs=1e-6)
    # An assignment: no need or offer beyond its free places, each pair at most once.
    chosen = [p.edges[i] for i in best.chosen]
    assert len(set(best.chosen)) == len(best.chosen)
    for n, cap in p.need_cap.items():
        assert sum(1 for x, _ in chosen if x == n) <= cap
    for o, cap in p.offer_cap.items():
        assert sum(1 for _, y in chosen if y == o) <= cap
    for result in (best, greedy):
        asked = [helper_key(p, i) for i in result.chosen]
        assert len(set(asked)) == len(asked), "a need proposed to one helper twice"
    assert (best.needs_met, best.total_score) >= (greedy.needs_met, greedy.total_score)


@pytest.mark.django_db
def test_build_problem_uses_the_hard_constraints_and_free_places(mcouncil):
    need = make.need_row(council=mcouncil, gender="woman", helpers_wanted=2)
    woman = make.offer_row(council=mcouncil, helper=make.person(council=mcouncil, gender="woman"))
    make.offer_row(council=mcouncil, helper=make.person(council=mcouncil, gender="man"))
    make.offer_row(council=mcouncil, at=make.point_at(9000, 0), radius_m=3000)  # out of reach
    p = build_problem(council=mcouncil)
    assert p.edges == [(need.pk, woman.pk)]
    assert p.need_cap == {need.pk: 2} and p.offer_cap == {woman.pk: 1}
    assert 0 < p.scores[0] <= 1


@pytest.mark.django_db
def test_a_round_proposes_a_need_to_each_helper_once(mcouncil):
    """A need wanting two helpers, and a helper with two offers beside it: the round's
    problem knows whose offers they are, and proposes the need to two people."""
    need = make.need_row(council=mcouncil, helpers_wanted=2)
    near = make.offer_row(council=mcouncil, at=make.point_at(200, 0))
    also_hers = make.offer_row(council=mcouncil, helper=near.helper, at=make.point_at(300, 0))
    other = make.offer_row(council=mcouncil, at=make.point_at(1500, 0))
    p = build_problem(council=mcouncil)
    assert dict(zip(p.edges, p.edge_helpers, strict=True)) == {
        (need.pk, near.pk): near.helper_id,
        (need.pk, also_hers.pk): near.helper_id,
        (need.pk, other.pk): other.helper_id,
    }
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    rnd = round_run(council=mcouncil, actor=staff)
    helpers = sorted(rnd.proposals.values_list("offer__helper_id", flat=True))
    assert helpers == sorted([near.helper_id, other.helper_id])
    assert rnd.summary["optimal"]["needs_met"] == rnd.summary["greedy"]["needs_met"] == 2


@pytest.mark.django_db
def test_round_run_stores_proposals_with_a_summary_and_apply_proposes_matches(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    # The crafted case, on the map: need 1 near offers A and B, need 2 reaches only A.
    a = make.offer_row(council=mcouncil, at=make.point_at(0, 0), radius_m=1500)
    b = make.offer_row(council=mcouncil, at=make.point_at(-1200, 0), radius_m=1500)
    n1 = make.need_row(council=mcouncil, at=make.point_at(-100, 0))
    n2 = make.need_row(council=mcouncil, at=make.point_at(1200, 0))
    rnd = round_run(council=mcouncil, actor=staff)
    assert rnd.summary["optimal"]["needs_met"] == 2
    assert rnd.summary["greedy"]["needs_met"] == 1
    pairs = set(rnd.proposals.values_list("need_id", "offer_id"))
    assert pairs == {(n1.pk, b.pk), (n2.pk, a.pk)}
    assert all(p.explanation for p in rnd.proposals.all())
    assert AuditEvent.objects.filter(verb="round.proposed", target_id=rnd.pk).exists()
    result = round_apply(staff=staff, round_id=rnd.pk)
    assert result == {"sent": 2, "not_sent": 0, "skipped": 0}
    assert set(Match.objects.values_list("proposed_by", "status")) == {("round", "proposed")}
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.APPLIED


@pytest.mark.django_db
def test_staff_of_another_council_cannot_run_or_apply(mcouncil):
    away = make.staff(council=make.council(), lives_here=True, with_home=False)
    make.need_row(council=mcouncil)
    with pytest.raises(NotFound):
        round_run(council=mcouncil, actor=away)
    rnd = round_run(council=mcouncil)
    with pytest.raises(NotFound):
        round_apply(staff=away, round_id=rnd.pk)


@pytest.mark.django_db
def test_run_round_command(mcouncil):
    make.offer_row(council=mcouncil)
    make.need_row(council=mcouncil)
    out = StringIO()
    call_command("run_round", "--council", mcouncil.slug, stdout=out)
    text = out.getvalue()
    assert "optimal: 1 needs met" in text and "greedy:  1 needs met" in text
    assert Round.objects.filter(council=mcouncil).count() == 1


@pytest.mark.django_db
def test_why_a_round_chose_a_pair_reads_in_the_language_of_each_page(mcouncil, client):
    """A round's reasons are written in English and in Welsh when the round runs, so the
    staff who review it and the two people of a sent match each read them in their page's
    language, whoever ran the round and in whatever language."""
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    offer = make.offer_row(council=mcouncil, at=make.point_at(0, 0), radius_m=1500)
    need = make.need_row(council=mcouncil, at=make.point_at(-100, 0))
    with translation.override("cy"):  # a member of staff reading Welsh runs it
        rnd = round_run(council=mcouncil, actor=staff)
    proposal = rnd.proposals.get()
    assert proposal.explanation == "less than 1 km away · times to be arranged · new to Kith"
    welsh = "llai nag 1 km i ffwrdd · amseroedd i’w trefnu · newydd i Kith"
    assert proposal.explanation_cy == welsh
    round_apply(staff=staff, round_id=rnd.pk)
    match = Match.objects.get(need=need, offer=offer)
    assert (match.explanation, match.explanation_cy) == (
        proposal.explanation,
        proposal.explanation_cy,
    )
    web_profile_set_role(user=need.owner, role="need", onboarded=True)
    client.force_login(need.owner)
    for language, shown, hidden in (
        ("cy", proposal.explanation_cy, proposal.explanation),
        ("en-gb", proposal.explanation, proposal.explanation_cy),
    ):
        client.cookies["kith_language"] = language
        page = client.get(f"/matches/{match.pk}/").content.decode()
        assert escape(shown) in page and escape(hidden) not in page
