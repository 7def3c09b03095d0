"""Candidate search: radius, category, vetting, every hard constraint, and the query plan."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.utils import timezone

from marketplace.models import Need, Offer
from matching import eligibility
from matching.candidate_sql import knn_planner, need_candidates_sql, offer_candidates_sql
from matching.candidates import (
    need_candidates_for_offer,
    offer_candidates_for_need,
    ranked_offers_for_need,
)
from matching.models import Match
from matching.rounds import build_problem
from places.geo import approximate_point
from tests.kit import factories as make
from trust.models import Block, HelperCheck

pytestmark = pytest.mark.django_db
MON, TUE, THU = 0, 1, 3


def offer_ids(need):
    return [c.offer.pk for c in offer_candidates_for_need(need=need)]


def need_ids(offer):
    return [c.need.pk for c in need_candidates_for_offer(offer=offer)]


def test_nearest_first_within_each_helpers_radius(mcouncil):
    need = make.need_row(council=mcouncil)
    near = make.offer_row(council=mcouncil, at=make.point_at(800, 0), radius_m=1000)
    far_but_travels = make.offer_row(council=mcouncil, at=make.point_at(0, 4000), radius_m=5000)
    too_far_for_radius = make.offer_row(council=mcouncil, at=make.point_at(2500, 0), radius_m=2000)
    beyond_council_max = make.offer_row(council=mcouncil, at=make.point_at(9000, 0), radius_m=10000)
    assert offer_ids(need) == [near.pk, far_but_travels.pk]
    assert too_far_for_radius.pk not in offer_ids(need)
    assert beyond_council_max.pk not in offer_ids(need)
    # The other way round: each offer finds the need only if its radius covers it.
    assert need_ids(near) == [need.pk]
    assert need_ids(too_far_for_radius) == []


def test_only_open_offers_in_the_same_category(mcouncil):
    need = make.need_row(council=mcouncil, cat=make.category("befriending"))
    make.offer_row(council=mcouncil, cat=make.category("gardening"))
    make.offer_row(council=mcouncil, status=Offer.Status.PAUSED)
    make.offer_row(council=mcouncil, status=Offer.Status.PENDING_REVIEW)
    good = make.offer_row(council=mcouncil)
    assert offer_ids(need) == [good.pk]


@pytest.mark.parametrize(
    "kind, expires_in_days, revoked, eligible",
    [
        (HelperCheck.Kind.DBS_ENHANCED_BARRED, 30, False, True),
        (HelperCheck.Kind.ID, 30, False, False),  # too low for shopping
        (HelperCheck.Kind.DBS_ENHANCED_BARRED, -1, False, False),  # expired
        (HelperCheck.Kind.DBS_ENHANCED_BARRED, 30, True, False),  # revoked
    ],
)
def test_helper_must_hold_the_categorys_level(mcouncil, kind, expires_in_days, revoked, eligible):
    shopping = make.category("shopping")
    need = make.need_row(council=mcouncil, cat=shopping)
    helper = make.person(council=mcouncil)
    make.check(
        user=helper,
        council=mcouncil,
        kind=kind,
        expires_on=timezone.localdate() + dt.timedelta(days=expires_in_days),
        revoked=revoked,
        issued_days_ago=30,
    )
    offer = make.offer_row(council=mcouncil, helper=helper, cat=shopping)
    assert (offer.pk in offer_ids(need)) is eligible
    assert (need.pk in need_ids(offer)) is eligible


def test_no_check_needed_for_dog_walking(mcouncil):
    dogs = make.category("dog-walking")
    need = make.need_row(council=mcouncil, cat=dogs)
    offer = make.offer_row(council=mcouncil, cat=dogs, checked=False)
    assert offer_ids(need) == [offer.pk]


def test_capacity_left(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, capacity=1)
    other_need = make.need_row(council=mcouncil)
    Match.objects.create(
        council=mcouncil,
        need=other_need,
        offer=offer,
        proposed_by="helper",
        status="accepted",
        accepted_at=timezone.now(),
    )
    assert offer_ids(need) == []
    assert need_ids(offer) == []


def test_availability_must_overlap_when_both_give_times(mcouncil):
    need = make.need_row(council=mcouncil, slots=[(TUE, (18, 0), (20, 0))])
    overlapping = make.offer_row(council=mcouncil, slots=[(TUE, (19, 0), (21, 0))])
    disjoint = make.offer_row(council=mcouncil, slots=[(TUE, (9, 0), (12, 0))])
    no_times = make.offer_row(council=mcouncil, at=make.point_at(100, 0))
    assert set(offer_ids(need)) == {overlapping.pk, no_times.pk}
    assert need_ids(disjoint) == []
    assert need_ids(overlapping) == [need.pk]


def test_dietary_capability_for_meals(mcouncil):
    meals = make.category("hot-meals")
    need = make.need_row(council=mcouncil, cat=meals, dietary=["halal", "nut_free"])
    both = make.offer_row(council=mcouncil, cat=meals, dietary=["halal", "nut_free", "vegan"])
    one = make.offer_row(council=mcouncil, cat=meals, dietary=["halal"])
    assert offer_ids(need) == [both.pk]
    assert need_ids(one) == []
    assert need_ids(both) == [need.pk]


def test_stated_gender_preference(mcouncil):
    need = make.need_row(council=mcouncil, gender="woman")
    woman = make.offer_row(council=mcouncil, helper=make.person(council=mcouncil, gender="woman"))
    man = make.offer_row(council=mcouncil, helper=make.person(council=mcouncil, gender="man"))
    unsaid = make.offer_row(council=mcouncil, helper=make.person(council=mcouncil))
    assert offer_ids(need) == [woman.pk]
    assert need_ids(man) == [] and need_ids(unsaid) == []
    assert need_ids(woman) == [need.pk]


@pytest.mark.parametrize("direction", ["citizen_blocks", "helper_blocks"])
def test_no_block_either_way(mcouncil, direction):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    a, b = need.owner, offer.helper
    if direction == "helper_blocks":
        a, b = b, a
    Block.objects.create(blocker=a, blocked=b)
    assert offer_ids(need) == []
    assert need_ids(offer) == []


@pytest.mark.parametrize("who", ["helper", "citizen"])
def test_nobody_suspended(mcouncil, who):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    person = offer.helper if who == "helper" else need.owner
    person.suspended_at = timezone.now()
    person.save(update_fields=["suspended_at"])
    need.refresh_from_db()
    offer.refresh_from_db()
    assert offer_ids(need) == []
    assert need_ids(offer) == []


def test_not_their_own_offer_and_not_a_declined_pair(mcouncil):
    person = make.person(council=mcouncil)
    need = make.need_row(council=mcouncil, owner=person)
    make.offer_row(council=mcouncil, helper=person)
    declined = make.offer_row(council=mcouncil)
    Match.objects.create(
        council=mcouncil, need=need, offer=declined, proposed_by="helper", status="declined"
    )
    assert offer_ids(need) == []


def test_a_helper_matched_with_a_need_through_one_offer_is_not_suggested_through_another(
    mcouncil,
):
    """One proposal per need and helper: every search, the rule and the round agree."""
    need = make.need_row(council=mcouncil)
    Need.objects.filter(pk=need.pk).update(helpers_wanted=2)
    first = make.offer_row(council=mcouncil)
    second = make.offer_row(council=mcouncil, helper=first.helper)
    other = make.offer_row(council=mcouncil)
    Match.objects.create(
        council=mcouncil, need=need, offer=first, proposed_by="staff", status="proposed"
    )
    need.refresh_from_db()
    assert offer_ids(need) == [other.pk]
    assert need_ids(second) == []
    assert not eligibility.pair_eligible(need=need, offer=second)
    assert eligibility.pair_eligible(need=need, offer=other)
    edges = set(build_problem(council=mcouncil).edges)
    assert (need.pk, second.pk) not in edges and (need.pk, other.pk) in edges


def test_a_helper_with_two_offers_of_one_kind_is_suggested_once_through_the_better(mcouncil):
    """Two offers of one kind (say, from home and from work) are one person to ask: the
    need's ranking names the helper once, through the offer that ranks higher, and the next
    helper moves up. Candidate search itself still finds both offers (rounds and alerts
    choose among offers, and alerts tell each helper once)."""
    need = make.need_row(council=mcouncil)
    both = make.offer_row(council=mcouncil, at=make.point_at(600, 0), radius_m=2000)
    farther = make.offer_row(
        council=mcouncil, helper=both.helper, at=make.point_at(1500, 0), radius_m=2000
    )
    other = make.offer_row(council=mcouncil, at=make.point_at(1200, 0), radius_m=2000)
    assert set(offer_ids(need)) == {both.pk, farther.pk, other.pk}
    ranked = ranked_offers_for_need(need=need, limit=10)
    assert [pair.offer.pk for pair in ranked] == [both.pk, other.pk]
    assert [pair.offer.pk for pair in ranked_offers_for_need(need=need, limit=1)] == [both.pk]


def test_a_helper_helping_through_another_offer_is_not_called_new(mcouncil):
    """A helper whose only match going is through an offer of another kind has nothing
    completed, but is not new to Kith: the history counts matches going through any of
    their offers, and the explanation leaves "new to Kith" out."""
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, at=make.point_at(500, 0))
    assert ranked_offers_for_need(need=need)[0].explanation.endswith("new to Kith")
    other_kind = make.offer_row(
        council=mcouncil, helper=offer.helper, cat=make.category("befriending")
    )
    someone = make.need_row(council=mcouncil, cat=other_kind.category)
    Match.objects.create(
        council=mcouncil,
        need=someone,
        offer=other_kind,
        proposed_by="staff",
        status="accepted",
        accepted_at=timezone.now(),
    )
    [pair] = ranked_offers_for_need(need=need)
    assert pair.offer.pk == offer.pk
    assert "new to Kith" not in pair.explanation and " but " not in pair.explanation
    [found] = offer_candidates_for_need(need=need)
    assert (found.holding, found.history.going, found.history.completed) == (0, 1, 0)


def test_an_offer_finds_needs_only_within_every_constraint(mcouncil):
    """The offer side of each constraint the tests above check from the need side only."""
    offer = make.offer_row(council=mcouncil, at=make.point_at(0, 0), radius_m=10000, capacity=2)
    helper = offer.helper
    near = make.need_row(council=mcouncil, at=make.point_at(300, 0))
    beyond_council_max = make.need_row(council=mcouncil, at=make.point_at(9000, 0))  # bound 8 km
    own = make.need_row(council=mcouncil, owner=helper, at=make.point_at(100, 0))
    declined = make.need_row(council=mcouncil, at=make.point_at(200, 0))
    Match.objects.create(
        council=mcouncil, need=declined, offer=offer, proposed_by="helper", status="declined"
    )
    proposed = make.need_row(council=mcouncil, at=make.point_at(400, 0))
    Match.objects.create(
        council=mcouncil, need=proposed, offer=offer, proposed_by="helper", status="proposed"
    )
    # Cancelled earlier: may be suggested again (not in NOT_AGAIN).
    cancelled = make.need_row(council=mcouncil, at=make.point_at(500, 0))
    Match.objects.create(
        council=mcouncil, need=cancelled, offer=offer, proposed_by="helper", status="cancelled"
    )
    inactive = make.need_row(council=mcouncil, at=make.point_at(600, 0))
    inactive.owner.is_active = False
    inactive.owner.save(update_fields=["is_active"])
    # A need whose one place another helper already holds.
    full = make.need_row(council=mcouncil, at=make.point_at(700, 0))
    Match.objects.create(
        council=mcouncil,
        need=full,
        offer=make.offer_row(council=mcouncil),
        proposed_by="helper",
        status="active",
        accepted_at=timezone.now(),
    )
    withdrawn = make.need_row(council=mcouncil, at=make.point_at(800, 0))
    Need.objects.filter(pk=withdrawn.pk).update(status="closed", closed_reason="withdrawn")
    assert need_ids(offer) == [near.pk, cancelled.pk]
    for need in (beyond_council_max, own, declined, proposed, inactive, full, withdrawn):
        assert need.pk not in need_ids(offer)
    # The offer's own places: once both are taken it finds nobody.
    for _ in range(2):
        Match.objects.create(
            council=mcouncil,
            need=make.need_row(council=mcouncil, at=make.point_at(50, 50)),
            offer=offer,
            proposed_by="helper",
            status="accepted",
            accepted_at=timezone.now(),
        )
    assert need_ids(offer) == []


def test_a_paused_offer_or_an_unchecked_helper_finds_no_needs(mcouncil):
    shopping = make.category("shopping")
    make.need_row(council=mcouncil, cat=shopping)
    paused = make.offer_row(council=mcouncil, cat=shopping, status=Offer.Status.PAUSED)
    unchecked = make.offer_row(council=mcouncil, cat=shopping, checked=False)
    checked = make.offer_row(council=mcouncil, cat=shopping)
    assert need_ids(paused) == [] and need_ids(unchecked) == []
    assert len(need_ids(checked)) == 1


# --- Query plans ----------------------------------------------------------------------------
def _bulk_listings(council, n: int) -> None:
    """`n` offers and `n` needs (four in five open) over ~60 km, every category, with as many
    helpers and owners as a real area would have, then ANALYZE so the plans are realistic."""
    from accounts.models import User
    from marketplace.models import Category
    from trust.models import HelperCheck

    rng = random.Random(7)
    cats = list(Category.objects.all())
    people = User.objects.bulk_create(
        [
            User(
                email=f"bulk{i}@example.org",
                council=council,
                password="!",
                gender=("woman", "man", "woman", "")[i % 4],
            )
            for i in range(n)
        ]
    )
    today = timezone.localdate()
    HelperCheck.objects.bulk_create(
        [
            HelperCheck(
                user=p,
                council=council,
                kind=HelperCheck.Kind.DBS_ENHANCED_BARRED,
                issued_on=today,
                expires_on=today + dt.timedelta(days=300),
            )
            for p in people[: n // 2 : 2]
        ]
    )
    offers, needs = [], []
    for i in range(n):
        at = make.point_at(rng.uniform(-30000, 30000), rng.uniform(-30000, 30000))
        offers.append(
            Offer(
                council=council,
                category=cats[i % len(cats)],
                helper=people[i % (n // 2)],
                description="x",
                location=at,
                approx_location=approximate_point(at),
                radius_m=rng.choice([1000, 3000, 5000, 8000]),
                status="open" if i % 5 else "closed",
            )
        )
        at = make.point_at(rng.uniform(-30000, 30000), rng.uniform(-30000, 30000))
        needs.append(
            Need(
                council=council,
                category=cats[i % len(cats)],
                owner=people[n // 2 + i % (n // 2)],
                title="x",
                description="x",
                location=at,
                approx_location=approximate_point(at),
                status="open" if i % 5 else "closed",
                closed_reason="" if i % 5 else "withdrawn",
            )
        )
    Offer.objects.bulk_create(offers, batch_size=2000)
    Need.objects.bulk_create(needs, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE marketplace_offer; ANALYZE marketplace_need; ANALYZE accounts_user; "
            "ANALYZE accounts_helpercheck"
        )


def _sql_plan(sql, params) -> str:
    with knn_planner(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.slow
def test_every_matching_query_uses_the_gist_index_and_never_scans_listings(mcouncil):
    _bulk_listings(mcouncil, 10000)
    shopping = make.category("shopping")
    need = make.need_row(
        council=mcouncil,
        cat=shopping,
        slots=[(THU, (18, 0), (20, 0))],
        gender="woman",
    )
    meal_need = make.need_row(council=mcouncil, cat=make.category("hot-meals"), dietary=["halal"])
    offer = make.offer_row(
        council=mcouncil, cat=shopping, radius_m=5000, slots=[(MON, (9, 0), (12, 0))]
    )
    meal_offer = make.offer_row(council=mcouncil, cat=make.category("hot-meals"), dietary=["halal"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE marketplace_offer; ANALYZE marketplace_need")
    plans = {
        "offers for need": _sql_plan(*offer_candidates_sql(need=need)),
        "offers for meal need": _sql_plan(*offer_candidates_sql(need=meal_need)),
        "alert ring": _sql_plan(
            *offer_candidates_sql(need=need, ring_m=1000, alerts_opted_in=True)
        ),
        "needs for offer": _sql_plan(*need_candidates_sql(offer=offer)),
        "needs for meal offer": _sql_plan(*need_candidates_sql(offer=meal_offer)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('marketplace_offer', 'marketplace_need') AND indexdef ILIKE '%%USING gist%%'"
        )
        gist, on_cells = {}, set()
        for table, index, indexdef in cursor.fetchall():
            gist.setdefault(table, set()).add(index)
            if re.search(r"\(.*\bapprox_location\b.*\)", indexdef):
                on_cells.add(index)
    for name, plan in plans.items():
        table = "marketplace_need" if name.startswith("needs") else "marketplace_offer"
        used = {
            index for index in gist[table] if f" on {index}" in plan or f"using {index}" in plan
        }
        assert used, (name, plan)
        # Location privacy: only grid-cell indexes, and nothing in the plan measured from an
        # exact home (`location`), so no result depends on where inside its cell a home is.
        assert used <= on_cells, (name, plan)
        assert not re.search(r"\blocation\b", plan.replace("approx_location", "")), (name, plan)
        if name.startswith("offers"):
            # The hot path (a need's ranking): a KNN index scan on the composite (council,
            # category, cell) index. The alert ring is bounded by a constant radius, which
            # the planner may serve with either cell index.
            assert "matching_offer_open_council_cat_approx_gist" in used, (name, plan)
            assert re.search(r"Order By: \(approx_location <->", plan), (name, plan)
            # Nothing sorts the rows the scan yields: the LIMIT stops the scan.
            assert "Sort" not in plan, (name, plan)
        if name == "alert ring":
            # The ring bounds the index scan itself, not only a filter on what it yields.
            assert re.search(r"Index Cond: .*_st_expand\([^)]*'1000'", plan), plan
        if name.startswith("needs"):
            # An offer's ranking: the mirror image, on the needs' composite index.
            assert "matching_need_open_council_cat_approx_gist" in used, (name, plan)
            assert re.search(
                r"Index Scan using matching_need_open_council_cat_approx_gist", plan
            ), (name, plan)
            assert re.search(r"Order By: \(approx_location <->", plan), (name, plan)
            assert "Bitmap" not in plan and "Sort" not in plan.split("Limit")[1], (name, plan)
        assert not re.search(r"Seq Scan on marketplace_(offer|need)\b(?!slot)", plan), (name, plan)
