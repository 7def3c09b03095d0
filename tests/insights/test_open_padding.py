"""The padding attack, which beat Kith's old "fewer than 5" rule, fails.

Before: a kind of help in a council had 2 needs from other people, hidden as "fewer than 5".
An ordinary citizen and a helper added 3 matched needs of their own, the figure was published
live as 5, and 5 - 3 = 2: exactly what the database held.

Now a month's figures are published once, after it closes, from moderated needs, frozen, with
small counts withheld, the others rounded to 5 and secondary suppression. The attackers know
their own needs exactly — how many, in which kind of help, week and hexagon, all matched — and
every figure published. Whatever number of needs they add, the others' true count stays one of
several values, and they get one look per month.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from insights.disclosure import SUPPRESS_BELOW, possible_counts, shown
from insights.models import OpenPublication
from insights.publication import (
    MONTH,
    MonthCounts,
    asked_table,
    protect_month,
    publish,
    week_figures,
)
from insights.tasks import open_data_publish
from marketplace import services as marketplace_services
from marketplace.models import Need
from matching import services as matching_services
from matching.models import Match
from tests.insights.test_open_data import _asked, in_month, last_month
from tests.kit import factories as make

CAP = 60
OTHERS = 2  # the other people's befriending needs
WEEK_1 = "2026-11-01"
CELL = "H1000-1-1"


def _counts(*, padding: int) -> MonthCounts:
    """A month: 12 dog-walking needs and `OTHERS` befriending needs of other people, and the
    attackers' `padding` befriending needs, all matched; all in week 1 and one hexagon."""
    befriending = OTHERS + padding
    categories = {"dog-walking": 12, "befriending": befriending, "shopping": 0}
    return MonthCounts(
        asked=categories,
        matched={"dog-walking": 0, "befriending": padding, "shopping": 0},
        fulfilled=dict.fromkeys(categories, 0),
        weeks={WEEK_1: 12 + befriending, "2026-11-08": 0, "2026-11-15": 0},
        cells={CELL: 12 + befriending},
        geometries={CELL: {"type": "Polygon", "coordinates": []}},
    )


def _sums(domains: list[range | set]) -> set[int]:
    sums = {0}
    for domain in domains:
        sums = {s + v for s in sums for v in domain if s + v <= CAP}
    return sums


def _domain(figure: int | None, true: int, at_least: int = 0) -> set[int]:
    """What the attackers know of one count: what its figure stands for (withheld: 0–9, or 10
    and over when it was withheld to protect another — they are even told which), and that it
    holds at least their own needs."""
    if figure is not None:
        low, high = possible_counts(figure)
    elif true < SUPPRESS_BELOW:
        low, high = 0, SUPPRESS_BELOW - 1
    else:
        low, high = SUPPRESS_BELOW, CAP
    return set(range(max(low, at_least), high + 1))


def _others_possible(counts: MonthCounts, figures: dict, published_weeks: dict, padding: int):
    """The other people's befriending needs, as the attackers can narrow them from every
    published figure of the needs asked (by kind of help, week and hexagon, and the total):
    brute force over every count the figures allow."""
    total, breakdowns = asked_table(counts, published_weeks=published_weeks)
    asked = figures["needs_asked"]
    totals = _domain(asked["total"], total)
    own = {"by_category": {"befriending": padding}, "by_week": {WEEK_1: padding}}
    domains = []
    for b in breakdowns:
        published = asked[b.name]
        parts = {
            key: _domain(published[key], n, own.get(b.name, {}).get(key, 0))
            for key, n in b.counts.items()
            if key in published
        }
        if b.hidden_together:  # the hexagons not shown, together: they hold the attackers'
            parts[""] = set(range(padding if CELL not in published else 0, CAP + 1))
        domains.append(parts)
        totals &= _sums(list(parts.values()))
    categories = domains[0]
    rest = _sums([d for k, d in categories.items() if k != "befriending"])
    befriending = {v for v in categories["befriending"] if any(t - v in rest for t in totals)}
    return {v - padding for v in befriending}


@pytest.mark.parametrize("padding", range(0, 25))
def test_however_many_needs_they_add_the_others_count_is_not_revealed(padding):
    counts = _counts(padding=padding)
    # The attackers see the provisional week as well, and the month carries it.
    published_weeks = {WEEK_1: shown(counts.weeks[WEEK_1]), "2026-11-08": None, "2026-11-15": None}
    figures = protect_month(counts, published_weeks=published_weeks)
    others = _others_possible(counts, figures, published_weeks, padding)
    assert OTHERS in others
    assert len(others) >= 2, (padding, figures["needs_asked"], others)


@pytest.mark.django_db
def test_the_attack_through_kith_itself_gets_one_look_and_a_range(
    api_client, home_council, moderator, helper
):
    """The old attack replayed on a real month: 2 needs of others, and the attackers' own 8,
    matched. The month is published once, after it closes: befriending shows 10, which leaves
    the others at 2, 3 or 4. Adding needs later cannot make them look again."""
    month = last_month()
    _asked(council=home_council, moderator=moderator, count=12)  # other kinds of help
    _asked(council=home_council, moderator=moderator, count=OTHERS, category="befriending")
    attacker = make.person(council=home_council, display_name="Padding Citizen")
    make.record_checks_for(
        helper=helper, category=make.category("befriending"), moderator=moderator
    )
    offer = make.open_offer(
        helper=helper, moderator=moderator, category_slug="befriending", capacity=20
    )
    own = []
    for _ in range(8):
        need = make.open_need(owner=attacker, moderator=moderator, category_slug="befriending")
        match = matching_services.match_offer_help(
            helper=helper, need_id=need.pk, offer_id=offer.pk
        )
        matching_services.match_accept(user=attacker, match_id=match.pk)
        own.append(need.pk)
    Need.objects.filter(pk__in=own).update(created_at=in_month(month))
    Match.objects.filter(need_id__in=own).update(accepted_at=in_month(month, 4))

    open_data_publish()
    rows = api_client.get("/api/v1/open/stats/", {"council": home_council.code}).json()
    befriending = next(
        r
        for r in rows["results"]
        if r["category"] == "befriending" and r["month"] == month.strftime("%Y-%m")
    )
    assert befriending["needs_asked"] == 10  # 10 true: 10, 11 or 12
    low, high = possible_counts(befriending["needs_asked"])
    assert [n - 8 for n in range(low, high + 1)] == [2, 3, 4]
    assert befriending["needs_matched"] is None  # their own 8: withheld

    # One more need of theirs, and one of the others' turned down: the month does not move.
    extra = make.open_need(owner=attacker, moderator=moderator, category_slug="befriending")
    Need.objects.filter(pk=extra.pk).update(created_at=in_month(month, 5))
    others = Need.objects.filter(category__slug="befriending").exclude(owner=attacker).first()
    marketplace_services.moderation_reject(
        actor=moderator, kind="need", listing_id=others.pk, reason="Not something we can help."
    )
    open_data_publish(now=(timezone.now() + dt.timedelta(hours=2)).isoformat())
    again = api_client.get("/api/v1/open/stats/", {"council": home_council.code}).json()
    assert again == rows
    assert OpenPublication.objects.filter(kind=MONTH, period_start=month).count() == 1
    assert not publish(council=home_council, kind=MONTH, period_start=month).created
    assert week_figures(council=home_council, start=month)["needs_asked"]["total"] is not None
