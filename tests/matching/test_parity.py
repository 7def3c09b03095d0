"""Parity: every place that decides who may be matched agrees, pair by pair.

On small seeded random worlds (two councils, categories with and without checks and a meal
category, blocks, suspended and deactivated people, valid, expired and revoked checks,
gender preferences, diets, weekly times, capacities and earlier matches in every status),
for every need × offer pair:

    the Python predicate (`eligibility.pair_eligible`)
    ⇔ the offer is among the need's candidates (`offer_candidates_for_need`)
    ⇔ the need is among the offer's candidates (`need_candidates_for_offer`)
    ⇔ the pair is an edge of the council's round problem (`rounds.build_problem`),

and the round's score of each edge equals the ranking's score of the same pair, from both
sides. The worlds are far smaller than the candidate pool and the rounds keep every edge, so
no limit hides a pair.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone, translation

from accounts.models import Council, User
from marketplace.models import DietaryTag, Need, Offer
from matching import candidates, eligibility, rounds, scoring
from matching.models import Feedback, Match
from tests.kit import factories as make
from trust.models import Block, HelperCheck

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SEEDS = range(3)
# Levels 0, 1 and 2, and a meal; the first most often, so that many pairs share one.
CATEGORIES = ("dog-walking", "dog-walking", "dog-walking", "befriending", "shopping", "hot-meals")
DIETS = (DietaryTag.HALAL, DietaryTag.VEGAN, DietaryTag.GLUTEN_FREE)
GENDERS = ("woman", "man", "non_binary", "")
TIMES = [(0, (9, 0), (12, 0)), (0, (13, 0), (15, 0)), (2, (18, 0), (20, 0)), (4, (10, 0), (11, 0))]
MATCH_STATUSES = ("proposed", "accepted", "active", "declined", "completed", "cancelled")
POOL = 1000  # far more than any world holds


def _somewhere(rng: random.Random):
    return make.point_at(rng.uniform(-4000, 4000), rng.uniform(-4000, 4000))


def _person(rng: random.Random, council: Council) -> User:
    person = make.person(
        council=council,
        home=_somewhere(rng),
        gender=rng.choice(GENDERS),
        preferred_languages=rng.choice([[], ["en"], ["pl"], ["en", "pl"]]),
    )
    roll = rng.random()
    if roll < 0.08:
        User.objects.filter(pk=person.pk).update(suspended_at=timezone.now())
    elif roll < 0.14:
        User.objects.filter(pk=person.pk).update(is_active=False)
    # The kinds of check matching reads (a category's level); training and references are
    # the vetting policy's, which opens offers, not a rule of who is suggested.
    levelled = [k for k, level in HelperCheck.LEVEL_FOR_KIND.items() if level]
    for kind in rng.sample(levelled, k=rng.choice([0, 1, 2, 2])):
        make.check(
            user=person,
            council=council,
            kind=kind,
            revoked=rng.random() < 0.15,
            expires_on=timezone.localdate() - dt.timedelta(days=1) if rng.random() < 0.15 else None,
        )
    return person


def _times(rng: random.Random):
    return rng.sample(TIMES, k=rng.choice([0, 0, 1, 2]))


def build_world(seed: int) -> list[Council]:
    """Two councils over the same town (so council is a rule, not just geography)."""
    rng = random.Random(seed)
    councils = [make.council(max_radius_m=6000), make.council(max_radius_m=3000)]
    people = {c.pk: [_person(rng, c) for _ in range(14)] for c in councils}
    offers, needs = [], []
    for council in councils:
        for _ in range(9):
            helper = rng.choice(people[council.pk])
            offers.append(
                make.offer_row(
                    council=council,
                    helper=helper,
                    at=_somewhere(rng),
                    cat=make.category(rng.choice(CATEGORIES)),
                    radius_m=rng.choice([2000, 4000, 6000, 8000]),
                    capacity=rng.choice([1, 1, 2]),
                    slots=_times(rng),
                    languages=rng.choice([[], ["pl"], ["en"]]),
                    dietary=rng.sample(DIETS, k=rng.choice([0, 1, 2, 3])),
                    checked=False,
                )
            )
        for _ in range(9):
            needs.append(
                make.need_row(
                    council=council,
                    owner=rng.choice(people[council.pk]),
                    at=_somewhere(rng),
                    cat=make.category(rng.choice(CATEGORIES)),
                    slots=_times(rng),
                    languages=rng.choice([[], ["pl"], ["en"]]),
                    dietary=rng.sample(DIETS, k=rng.choice([0, 0, 1, 2])),
                    gender=rng.choice(["", "", "woman", "man"]),
                    helpers_wanted=rng.choice([1, 1, 2]),
                    published_days_ago=rng.uniform(0, 20),
                )
            )
    # Blocks between people whose listings could otherwise meet, either way round, and one
    # between anybody.
    close = [
        (n.owner, o.helper)
        for n in needs
        for o in offers
        if (n.council_id, n.category_id) == (o.council_id, o.category_id)
        and n.owner_id != o.helper_id
    ]
    everyone = [p for group in people.values() for p in group]
    for a, b in [*rng.sample(close, k=min(3, len(close))), rng.sample(everyone, 2)]:
        blocker, blocked = (a, b) if rng.random() < 0.5 else (b, a)
        Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    for _ in range(10):
        need, offer = rng.choice(needs), rng.choice(offers)
        status = rng.choice(MATCH_STATUSES)
        if Match.objects.filter(need=need, offer=offer).exists():
            continue
        now = timezone.now()
        match = Match.objects.create(
            council=need.council,
            need=need,
            offer=offer,
            status=status,
            proposed_by="staff",
            accepted_at=now if status != "proposed" else None,
            completed_at=now if status == "completed" else None,
        )
        if status == "completed" and need.owner_id != offer.helper_id:
            Feedback.objects.create(
                match=match, author=need.owner, subject=offer.helper, rating=rng.randint(1, 5)
            )
    return councils


def _pairs(councils: list[Council]) -> tuple[list[Need], list[Offer]]:
    needs = list(
        Need.objects.select_related("owner", "category", "council").filter(council__in=councils)
    )
    offers = list(
        Offer.objects.select_related("helper", "category", "council").filter(council__in=councils)
    )
    return needs, offers


@pytest.mark.parametrize("seed", SEEDS)
def test_every_search_agrees_with_the_rules_pair_by_pair(seed, monkeypatch):
    councils = build_world(seed)
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # one `now` for every waiting score
    needs, offers = _pairs(councils)

    offer_side = {
        n.pk: {c.offer.pk for c in candidates.offer_candidates_for_need(need=n, limit=POOL)}
        for n in needs
    }
    need_side = {
        o.pk: {c.need.pk for c in candidates.need_candidates_for_offer(offer=o, limit=POOL)}
        for o in offers
    }
    problems = [rounds.build_problem(council=c, per_need=POOL) for c in councils]
    round_scores = {
        edge: score for p in problems for edge, score in zip(p.edges, p.scores, strict=True)
    }

    verdicts, disagree = {}, []
    for need in needs:
        for offer in offers:
            verdict = (
                eligibility.pair_eligible(need=need, offer=offer),
                offer.pk in offer_side[need.pk],
                need.pk in need_side[offer.pk],
                (need.pk, offer.pk) in round_scores,
            )
            verdicts[need.pk, offer.pk] = verdict[0]
            if len(set(verdict)) > 1:
                why = eligibility.pair_problem(need=need, offer=offer)
                disagree.append((need.pk, offer.pk, verdict, why))
    assert not disagree, (
        "(need, offer, (predicate, need's candidates, offer's candidates, round edge), "
        f"pair_problem): {disagree}"
    )
    eligible = sum(verdicts.values())
    assert eligible >= 5 and len(verdicts) - eligible >= 5, "the world should have both kinds"

    # Scores: the round's score of a pair is the ranking's, looked at from either side.
    ranked = {}
    for need in needs:
        for r in candidates.ranked_offers_for_need(need=need, limit=POOL):
            ranked[need.pk, r.offer.pk] = r.score
    for offer in offers:
        for r in candidates.ranked_needs_for_offer(offer=offer, limit=POOL):
            assert ranked[r.need.pk, offer.pk] == r.score, (r.need.pk, offer.pk)
    assert ranked == round_scores


def _reference_for_need(need: Need) -> list:
    """A need's ranking as every pair used to be scored: model instances for each candidate,
    then `scoring.score_pairs` (explaining every pair)."""
    found = candidates.offer_candidates_for_need(need=need, limit=POOL)
    context = scoring.ScoringContext(
        need_slots={need.pk: list(need.slots.all())},
        offer_slots={c.offer.pk: c.slots for c in found},
        history={c.offer.helper_id: c.history for c in found},
        good_pairs={(need.owner_id, c.offer.helper_id) for c in found if c.good_match},
        holding={c.offer.pk: c.holding for c in found},
    )
    pairs = [(need, c.offer, c.approx_m) for c in found]
    ranked = scoring.score_pairs(pairs=pairs, viewer="need", council=need.council, context=context)
    return candidates.first_of_each(ranked, lambda pair: pair.offer.helper_id)


def _reference_for_offer(offer: Offer) -> list:
    found, facts = candidates.need_candidates(offer=offer, limit=POOL)
    context = scoring.ScoringContext(
        need_slots={c.need.pk: c.slots for c in found},
        offer_slots={offer.pk: list(offer.slots.all())},
        history={offer.helper_id: facts.history},
        good_pairs={(c.need.owner_id, offer.helper_id) for c in found if c.good_match},
        holding={offer.pk: facts.holding},
    )
    pairs = [(c.need, offer, c.approx_m) for c in found]
    return scoring.score_pairs(pairs=pairs, viewer="offer", council=offer.council, context=context)


def _said(ranked) -> list:
    return [
        (
            r.need.pk,
            r.offer.pk,
            r.score,
            r.components,
            r.explanation,
            r.distance_band,
            r.approx_distance_m,
            r.offer.approx_location.coords,
            r.need.approx_location.coords,
        )
        for r in ranked
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("language", ["en", "cy"])
def test_ranking_on_plain_rows_says_what_scoring_every_pair_says(seed, language, monkeypatch):
    """The rankings score the candidate rows as plain values and explain only those they
    return; on the same worlds, in English and in Welsh, they return exactly what scoring
    and explaining every candidate with `score_pairs` returns: the same pairs in the same
    order, scores, components, explanations, bands and grid cells, for any limit."""
    councils = build_world(seed)
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    needs, offers = _pairs(councils)
    compared = 0
    with translation.override(language):
        for need in needs:
            reference = _said(_reference_for_need(need))
            assert _said(candidates.ranked_offers_for_need(need=need, limit=POOL)) == reference
            assert _said(candidates.ranked_offers_for_need(need=need, limit=3)) == reference[:3]
            compared += len(reference)
        for offer in offers:
            reference = _said(_reference_for_offer(offer))
            assert _said(candidates.ranked_needs_for_offer(offer=offer, limit=POOL)) == reference
            assert _said(candidates.ranked_needs_for_offer(offer=offer, limit=3)) == reference[:3]
            compared += len(reference)
    assert compared >= 10, "the world should have pairs to rank"
