"""Score components, council weights, the explanation sentence and ranking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from marketplace.models import Need, Offer
from matching import scoring, words
from matching.candidates import ranked_needs_for_offer, ranked_offers_for_need
from matching.history import HelperHistory
from matching.models import Feedback, Match
from tests.kit import factories as make

TUE, THU, SAT = 1, 3, 5


def t(h, m=0):
    return dt.time(h, m)


def test_proximity_is_one_at_the_door_and_zero_at_the_radius():
    assert scoring.proximity(distance_m=0, radius_m=2000) == 1.0
    assert scoring.proximity(distance_m=1000, radius_m=2000) == 0.5
    assert scoring.proximity(distance_m=2500, radius_m=2000) == 0.0


def test_availability_share_and_unknown():
    need = [(TUE, t(18), t(20)), (THU, t(18), t(20))]
    assert scoring.availability(need_slots=need, offer_slots=[(TUE, t(18), t(20))]) == 0.5
    assert scoring.availability(need_slots=need, offer_slots=need) == 1.0
    assert scoring.availability(need_slots=need, offer_slots=[]) == scoring.UNKNOWN_AVAILABILITY


def test_language():
    assert scoring.language(wanted=[], spoken=[]) == 1.0
    assert scoring.language(wanted=["Polish"], spoken=["English", "polish"]) == 1.0
    assert scoring.language(wanted=["Polish"], spoken=["English"]) == 0.0


def test_a_language_code_and_its_name_are_the_same_language():
    assert scoring.language(wanted=["pl"], spoken=["Polish"]) == 1.0
    assert scoring.language(wanted=["Welsh"], spoken=[" CY "]) == 1.0
    assert scoring.language(wanted=["pl"], spoken=["Welsh", ""]) == 0.0


def test_reliability_prior_does_not_punish_a_new_helper():
    new = scoring.reliability(completed=0, failed=0)
    assert new == pytest.approx(0.8)
    proven = scoring.reliability(completed=10, failed=0, rating_sum=50, rating_n=10)
    flaky = scoring.reliability(completed=1, failed=4, rating_sum=4, rating_n=2)
    assert proven > new > flaky
    assert flaky >= 0 and proven <= 1


def test_continuity_waiting_and_load():
    assert scoring.continuity(had_good_match=True) == 1.0
    assert scoring.continuity(had_good_match=False) == 0.0
    now = timezone.now()
    assert scoring.waiting(published_at=now, now=now) == 0.0
    assert scoring.waiting(published_at=now - dt.timedelta(days=7), now=now) == 0.5
    assert scoring.waiting(published_at=now - dt.timedelta(days=40), now=now) == 1.0
    assert scoring.load(holding=0, capacity=3) == 1.0
    assert scoring.load(holding=2, capacity=4) == 0.5


def test_council_weights_override_normalise_and_ignore_junk(mcouncil):
    mcouncil.settings = {"matching_weights": {"proximity": 3, "language": "x", "bogus": 9}}
    weights = scoring.council_weights(mcouncil)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["proximity"] > scoring.DEFAULT_WEIGHTS["proximity"]
    assert set(weights) == set(scoring.DEFAULT_WEIGHTS)
    assert scoring.council_weights(None) == pytest.approx(scoring.DEFAULT_WEIGHTS)


def test_times_phrase():
    need = [(TUE, t(18), t(20)), (THU, t(18), t(20)), (SAT, t(9), t(11))]
    offer = [(TUE, t(17), t(21)), (THU, t(19), t(21))]
    assert (
        words.times_phrase(need_slots=need, offer_slots=offer, viewer="need")
        == "free Tuesday and Thursday evenings, 2 of your 3 times"
    )
    assert words.times_phrase(need_slots=need, offer_slots=[], viewer="need") == (
        "times to be arranged"
    )
    one = words.times_phrase(need_slots=need[2:], offer_slots=[(SAT, t(8), t(10))], viewer="offer")
    assert one == "free Saturday morning, their only time"


@pytest.mark.django_db
def test_ranked_pair_carries_components_band_and_sentence(mcouncil):
    need = make.need_row(
        council=mcouncil,
        slots=[(TUE, (18, 0), (20, 0)), (THU, (18, 0), (20, 0)), (SAT, (9, 0), (11, 0))],
        languages=["Polish"],
    )
    offer = make.offer_row(
        council=mcouncil,
        at=make.point_at(1400, 0),
        slots=[(TUE, (17, 0), (21, 0)), (THU, (18, 0), (21, 0))],
        languages=["English", "Polish"],
    )
    [pair] = ranked_offers_for_need(need=need)
    assert pair.offer == offer
    assert set(pair.components) == set(scoring.COMPONENTS)
    assert all(0.0 <= v <= 1.0 for v in pair.components.values())
    assert pair.components["language"] == 1.0
    assert pair.components["availability"] == pytest.approx(2 / 3, abs=1e-3)
    assert pair.distance_band in {"less than 1 km away", "about 1 to 2 km away"}
    assert pair.explanation == (
        f"{pair.distance_band} · free Tuesday and Thursday evenings, 2 of your 3 times · "
        "speaks Polish · new to Kith"
    )
    assert 0 < pair.score <= 1


@pytest.mark.django_db
def test_closer_and_proven_helpers_rank_higher(mcouncil):
    need = make.need_row(council=mcouncil)
    near = make.offer_row(council=mcouncil, at=make.point_at(300, 0), radius_m=5000)
    far = make.offer_row(council=mcouncil, at=make.point_at(4000, 0), radius_m=5000)
    ranked = ranked_offers_for_need(need=need)
    assert [p.offer for p in ranked] == [near, far]
    assert ranked[0].components["proximity"] > ranked[1].components["proximity"]


@pytest.mark.django_db
def test_continuity_and_reliability_come_from_past_matches_and_feedback(mcouncil):
    citizen = make.person(council=mcouncil)
    offer = make.offer_row(council=mcouncil, capacity=3)
    old_need = make.need_row(council=mcouncil, owner=citizen)
    past = Match.objects.create(
        council=mcouncil,
        need=old_need,
        offer=offer,
        proposed_by="helper",
        status="completed",
        accepted_at=timezone.now(),
        completed_at=timezone.now(),
    )
    Feedback.objects.create(match=past, author=citizen, subject=offer.helper, rating=5)
    need = make.need_row(council=mcouncil, owner=citizen, published_days_ago=7)
    [pair] = ranked_offers_for_need(need=need)
    assert pair.components["continuity"] == 1.0
    assert pair.components["reliability"] > 0.8
    assert pair.components["waiting"] == pytest.approx(0.5, abs=0.01)
    assert "has helped you before" in pair.explanation
    # A poor rating breaks continuity.
    Feedback.objects.filter(match=past).update(rating=1)
    [pair] = ranked_offers_for_need(need=need)
    assert pair.components["continuity"] == 0.0
    assert pair.components["reliability"] < 0.8


@pytest.mark.django_db
def test_helper_view_mentions_waiting_and_load(mcouncil):
    offer = make.offer_row(council=mcouncil, capacity=2)
    waited = make.need_row(council=mcouncil, published_days_ago=10, at=make.point_at(500, 0))
    fresh = make.need_row(council=mcouncil, at=make.point_at(500, 0))
    ranked = ranked_needs_for_offer(offer=offer)
    assert [p.need for p in ranked] == [waited, fresh]
    assert "waiting 10 days" in ranked[0].explanation
    assert "of their" not in ranked[0].explanation  # no times given: "to be arranged"
    assert ranked[0].components["load"] == 1.0


@pytest.mark.django_db
def test_ranking_runs_a_fixed_number_of_queries(mcouncil, django_assert_max_num_queries):
    need = make.need_row(council=mcouncil)
    for i in range(8):
        make.offer_row(council=mcouncil, at=make.point_at(200 * i, 0))
    need = Need.objects.select_related("owner", "category", "council").get(pk=need.pk)
    # need slots, candidates, then one query each for slots, history, ratings, past matches
    with django_assert_max_num_queries(7):
        ranked = ranked_offers_for_need(need=need)
    assert len(ranked) == 8


def test_language_codes_read_as_names_and_english_is_not_mentioned():
    facts = scoring.PairFacts(
        approx_m=500.0,
        radius_m=5000.0,
        need_slots=[],
        offer_slots=[],
        wanted=["en", "pl"],
        spoken=["pl", "en"],
        history=HelperHistory(completed=2),
        good_match=False,
        published_at=None,
        now=timezone.now(),
        holding=0,
        capacity=1,
    )
    text = scoring.explain(
        viewer="need",
        band="less than 1 km away",
        facts=facts,
        components=scoring.components_of(facts),
    )
    assert text == (
        "less than 1 km away · times to be arranged · speaks Polish · has completed 2 matches"
    )


@pytest.mark.django_db
def test_offer_ranking_runs_two_queries_whatever_the_number_of_needs(
    mcouncil, django_assert_num_queries
):
    offer = make.offer_row(council=mcouncil, radius_m=5000)
    for i in range(8):
        make.need_row(council=mcouncil, at=make.point_at(200 * i, 0))
    offer = Offer.objects.select_related("helper", "category", "council").get(pk=offer.pk)
    # The offer's weekly times, then the candidate statement (history, ratings and places
    # come with it); the rest are knn_planner's transaction and planner settings.
    with django_assert_num_queries(6) as captured:
        ranked = ranked_needs_for_offer(offer=offer)
    assert len(ranked) == 8
    statements = [q["sql"] for q in captured.captured_queries]
    assert sum("marketplace_need n" in sql for sql in statements) == 1
    assert sum("marketplace_offerslot" in sql for sql in statements) == 1
