"""The explanation says what counted against a pair as well as for it, from the same score
components that ranked it, and the lists say how they are ordered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.services import moderation_approve
from matching import scoring
from matching.candidates import ranked_offers_for_need
from matching.history import NO_HISTORY, HelperHistory
from tests.kit import factories as make

TUE, THU, SAT = 1, 3, 5
NOW = timezone.now()
EVENINGS = [(TUE, dt.time(18), dt.time(20)), (THU, dt.time(18), dt.time(20))]


def facts(**changes) -> scoring.PairFacts:
    """A pair with nothing against it (near, all times shared, a shared language, a helper
    with a good record and room to spare, a need waiting a week); `changes` spoil it."""
    base = {
        "approx_m": 400.0,
        "radius_m": 5000.0,
        "need_slots": EVENINGS,
        "offer_slots": EVENINGS,
        "wanted": ["Polish"],
        "spoken": ["English", "Polish"],
        "history": HelperHistory(completed=3, failed=0, rating_sum=15.0, rating_n=3),
        "good_match": False,
        "published_at": NOW - dt.timedelta(days=7),
        "now": NOW,
        "holding": 0,
        "capacity": 3,
    }
    base.update(changes)
    return scoring.PairFacts(**base)


def explain(viewer: str = "need", weights=None, **changes) -> str:
    f = facts(**changes)
    return scoring.explain(
        viewer=viewer,
        band="less than 1 km away",
        facts=f,
        components=scoring.components_of(f),
        weights=weights,
    )


def test_nothing_against_says_nothing_against():
    text = explain()
    assert text == (
        "less than 1 km away · free Tuesday and Thursday evenings, both your times · "
        "speaks Polish · has completed 3 matches"
    )
    assert " but " not in text


def test_a_language_mismatch_is_named():
    assert explain(spoken=["English"]) == (
        "less than 1 km away · free Tuesday and Thursday evenings, both your times · "
        "has completed 3 matches · but does not speak Polish"
    )
    # The helper, looking at the need, reads which language the person speaks.
    assert explain(viewer="offer", wanted=["pl"], spoken=["English"]).endswith(
        "but no shared language (they speak Polish)"
    )


def test_a_far_helper_is_said_to_be_far_for_them():
    f = facts(approx_m=4200.0)
    text = scoring.explain(
        viewer="need",
        band="about 2 to 5 km away",
        facts=f,
        components=scoring.components_of(f),
    )
    assert text.startswith("about 2 to 5 km away · free Tuesday")  # a band, never a place
    assert text.endswith(" · but far for them to travel")
    assert explain(viewer="offer", approx_m=4200.0).endswith("but far for you to travel")


def test_partial_and_no_shared_times_count_against():
    need = [*EVENINGS, (SAT, dt.time(9), dt.time(11))]
    text = explain(need_slots=need, offer_slots=EVENINGS[:1])
    assert text == (
        "less than 1 km away · speaks Polish · has completed 3 matches · "
        "but free for only 1 of your 3 times (Tuesday evening)"
    )
    assert explain(offer_slots=[(SAT, dt.time(9), dt.time(11))]).endswith("but no shared times")
    # Times to be arranged neither help nor count against.
    assert "times to be arranged" in explain(offer_slots=[])
    assert " but " not in explain(offer_slots=[])


def test_a_busy_helper_and_a_new_helper():
    assert explain(holding=2).endswith("but already helping 2 people")
    assert explain(holding=1).endswith("but already helping 1 person")
    # A new helper starts at the prior, no worse than most: a plain fact, not against them.
    assert explain(history=NO_HISTORY).endswith("speaks Polish · new to Kith")
    # Helping someone now, though nothing is completed yet: not "new" (their profile says
    # they have helped someone), and the help going on is said.
    busy_new = explain(history=NO_HISTORY, holding=1)
    assert "new to Kith" not in busy_new and busy_new.endswith("but already helping 1 person")
    # The same through another of their offers: not new either (and nothing against them).
    elsewhere = explain(history=HelperHistory(going=1))
    assert elsewhere.endswith("speaks Polish"), elsewhere
    # A helper who ended a match, with nothing completed: a mixed record, not new.
    ended_one = explain(history=HelperHistory(completed=0, failed=1, rating_sum=0.0, rating_n=0))
    assert "new to Kith" not in ended_one and ended_one.endswith("but a mixed record on Kith")
    mixed = explain(history=HelperHistory(completed=1, failed=3, rating_sum=4.0, rating_n=2))
    assert mixed.endswith("has completed 1 match · but a mixed record on Kith")


def test_the_helper_reads_how_long_the_person_has_waited():
    assert explain(viewer="offer").endswith("speaks Polish · waiting 7 days")
    assert explain(viewer="offer", published_at=NOW - dt.timedelta(days=1)).endswith(
        "but waiting only 1 day"
    )
    assert explain(viewer="offer", published_at=NOW).endswith("but waiting less than a day")
    # The helper's own record and load are the same for every need: not said to them.
    assert " but " not in explain(viewer="offer", history=NO_HISTORY, holding=2)


def test_what_cost_most_comes_first_and_what_the_council_does_not_weigh_is_not_said():
    text = explain(spoken=["English"], approx_m=4200.0, holding=2, history=NO_HISTORY)
    assert text.endswith(
        "both your times · but far for them to travel, does not speak Polish "
        "and already helping 2 people"
    )
    weights = dict(scoring.DEFAULT_WEIGHTS, language=0.0)
    assert "Polish" not in explain(spoken=["English"], weights=weights)


def test_the_ordering_sentence_for_each_side():
    assert "nearest helper is not always first" in scoring.ordering_sentence("need")
    assert "nearest request is not always first" in scoring.ordering_sentence("offer")
    for viewer in ("need", "offer"):
        assert scoring.ordering_sentence(viewer).startswith("Best match first")


# --- The scenario --------------------------------------------------------------------
@pytest.mark.django_db
def test_the_nearest_helper_ranked_below_further_ones_says_why(mcouncil):
    # Weekly times must overlap (a hard rule): the nearest shares one of three.
    slots = [(TUE, (18, 0), (20, 0)), (THU, (18, 0), (20, 0)), (SAT, (9, 0), (11, 0))]
    need = make.need_row(council=mcouncil, slots=slots, languages=["Polish"])
    nearest = make.offer_row(
        council=mcouncil,
        at=make.point_at(100, 0),
        radius_m=5000,
        slots=[(SAT, (9, 0), (12, 0))],
        languages=["English"],
    )
    for i in range(6):
        make.offer_row(
            council=mcouncil,
            at=make.point_at(1500 + 150 * i, 0),
            radius_m=5000,
            slots=slots,
            languages=["Polish"],
        )
    ranked = ranked_offers_for_need(need=need)
    assert [p.offer for p in ranked].index(nearest) == 6  # seventh, under six further away
    pair = ranked[6]
    assert pair.approx_distance_m < min(p.approx_distance_m for p in ranked[:6])
    assert pair.explanation.endswith(
        " · but free for only 1 of your 3 times (Saturday morning) and does not speak Polish"
    )
    assert all(" but " not in p.explanation for p in ranked[:6])


# --- The staff page of suggestions -----------------------------------------------------------
@pytest.mark.django_db
def test_the_staff_suggestions_page_says_how_it_is_ordered(
    client, safeguarding_lead, citizen, helper, moderator
):
    need = make.need(
        owner=citizen, recorded_by=safeguarding_lead, consent_given=True, languages=["pl"]
    )
    offer = make.offer(helper=helper, languages=["English"])
    moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    client.force_login(safeguarding_lead)
    page = client.get(reverse("staff:assisted_need_detail", args=[need.pk])).content.decode()
    assert scoring.ordering_sentence("need") in page
    assert "but does not speak Polish" in page


def test_a_helper_is_not_called_far_within_three_quarters_of_their_radius():
    # Half way, and a little beyond: the helper chose to travel this far.
    assert " but " not in explain(approx_m=2500.0, radius_m=5000)
    assert " but " not in explain(approx_m=3600.0, radius_m=5000)
    assert explain(approx_m=3900.0, radius_m=5000).endswith("but far for them to travel")


def test_two_times_both_shared_are_both_not_all_2():
    assert "both your times" in explain()
    assert "both their times" in explain(viewer="offer")
    three = [*EVENINGS, (SAT, dt.time(9), dt.time(11))]
    assert "all 3 of your times" in explain(need_slots=three, offer_slots=three)
