"""The disclosure rule of open data (`insights.disclosure`), checked on many random tables:
no withheld small count can be worked out — exactly or nearly — from what is published.

The reader here is the strongest one: they know the rule, every published figure, that every
breakdown adds up to the total, and even which withheld counts are small (0 to 9) and which were
withheld only to protect another (10 and over). Their knowledge is worked out by brute force
(sets of sums), independently of the rule's own check.
"""

from __future__ import annotations

import random

import pytest

from insights import disclosure
from insights.disclosure import (
    MIN_POSSIBLE_VALUES,
    SUPPRESS_BELOW,
    Breakdown,
    audit,
    possible_counts,
    protect,
    rounded,
    shown,
)

CAP = 80  # larger than any total of these tables: "10 and over" stops here


def _sumset(domains: list[set[int]]) -> set[int]:
    sums = {0}
    for domain in domains:
        sums = {s + v for s in sums for v in domain if s + v <= CAP}
    return sums


def _reader_domains(published, true_counts, *, hidden_together=False):
    """What the strongest reader knows of each part of a breakdown, by key; a map's hidden
    hexagons together under ''."""
    domains = {}
    for key, count in true_counts.items():
        figure = published.get(key, None)
        if figure is not None:
            low, high = possible_counts(figure)
            domains[key] = set(range(low, high + 1))
        elif hidden_together and key not in published:
            continue
        elif count < SUPPRESS_BELOW:
            domains[key] = set(range(SUPPRESS_BELOW))
        else:
            domains[key] = set(range(SUPPRESS_BELOW, CAP + 1))
    if hidden_together:  # whether any hexagon is hidden, a reader cannot tell
        domains[""] = set(range(CAP + 1))
    return domains


def _what_a_reader_can_tell(total, total_figure, breakdowns, protected):
    """Every count's possible values, by brute force: the totals every breakdown allows, then
    each part's values that some total allows."""
    if total_figure is not None:
        low, high = possible_counts(total_figure)
        totals = set(range(low, high + 1))
    else:
        totals = set(range(SUPPRESS_BELOW) if total < SUPPRESS_BELOW else range(10, CAP + 1))
    per_breakdown = []
    for b in breakdowns:
        domains = _reader_domains(
            protected.breakdowns[b.name], b.counts, hidden_together=b.hidden_together
        )
        per_breakdown.append(domains)
        totals &= _sumset(list(domains.values()))
    possible = {"total": totals}
    for b, domains in zip(breakdowns, per_breakdown, strict=True):
        for key, domain in domains.items():
            others = _sumset([d for k, d in domains.items() if k != key])
            possible[(b.name, key)] = {v for v in domain if any(t - v in others for t in totals)}
    return possible


def _random_table(rng: random.Random):
    def counts(n):
        return {
            f"k{i}": rng.choice([0, 0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 17, 22])
            for i in range(n)
        }

    categories = counts(rng.randint(1, 4))
    total = sum(categories.values())
    # The same needs by hexagon: split the total among a few cells.
    cells, left = {}, total
    for i in range(rng.randint(1, 4)):
        take = left if i == 3 else rng.randint(0, left)
        if take:
            cells[f"h{i}"] = take
        left -= take
    if left:
        cells["h9"] = left
    # And by week, some weeks' figures published before (as the provisional weeks are).
    weeks, left = {}, total
    for i in range(3):
        weeks[f"w{i}"] = left if i == 2 else rng.randint(0, left)
        left -= weeks[f"w{i}"]
    published = {k: shown(n) for k, n in weeks.items() if rng.random() < 0.5}
    return total, [
        Breakdown("category", categories),
        Breakdown("cell", cells, hidden_together=True),
        Breakdown("week", weeks, published=published),
    ]


@pytest.mark.parametrize("seed", range(40))
def test_no_withheld_small_count_can_be_worked_out_from_a_random_table(seed):
    rng = random.Random(seed)
    for _ in range(60):
        total, breakdowns = _random_table(rng)
        protected = protect(total, breakdowns)
        # What is shown is the rounded truth, never under the threshold.
        assert protected.total in (None, rounded(total))
        for b in breakdowns:
            for key, figure in protected.breakdowns[b.name].items():
                assert figure is None or figure == shown(b.counts[key])
                if key in b.published:  # what was published before stands
                    assert figure == b.published[key]
        possible = _what_a_reader_can_tell(total, protected.total, breakdowns, protected)
        assert total in possible["total"]
        if protected.total is None and total < SUPPRESS_BELOW:
            assert len(possible["total"]) >= MIN_POSSIBLE_VALUES
        for b in breakdowns:
            published = protected.breakdowns[b.name]
            for key, count in b.counts.items():
                if published.get(key) is None and key in published:
                    values = possible[(b.name, key)]
                    assert count in values
                    if count < SUPPRESS_BELOW:
                        assert len(values) >= MIN_POSSIBLE_VALUES, (b.counts, published)
            hidden = [k for k in b.counts if k not in published]
            if b.hidden_together and any(b.counts[k] < SUPPRESS_BELOW for k in hidden):
                values = possible[(b.name, "")]
                assert sum(b.counts[k] for k in hidden) in values
                assert len(values) >= MIN_POSSIBLE_VALUES, (b.counts, published)


@pytest.mark.parametrize("seed", range(10))
def test_the_rules_own_check_finds_exactly_what_brute_force_finds(seed):
    rng = random.Random(1000 + seed)
    for _ in range(100):
        parts = [
            [(lo, lo + rng.choice([0, 2, 4, 9])) for lo in (rng.randint(0, 20) for _ in range(n))]
            for n in (rng.randint(1, 3), rng.randint(1, 3))
        ]
        total = (rng.randint(0, 30), 0)
        total = (total[0], total[0] + rng.choice([2, 4, 9, 40]))
        t, ranges = audit(total, parts)
        totals = set(range(total[0], total[1] + 1))
        domains = [[set(range(lo, hi + 1)) for lo, hi in b] for b in parts]
        for b in domains:
            totals &= _sumset(b)
        if not totals:
            assert t[0] > t[1] or any(r[0] > r[1] for b in ranges for r in b)
            continue
        assert t == (min(totals), max(totals))
        for b, got in zip(domains, ranges, strict=True):
            for k, domain in enumerate(b):
                others = _sumset([d for j, d in enumerate(b) if j != k])
                values = {v for v in domain if any(x - v in others for x in totals)}
                assert got[k] == (min(values), max(values))


def test_a_total_set_against_shown_parts_is_not_enough_to_recover_a_small_count():
    """The case the rule exists for: 1, 13 and 13 needs. Rounded alone, the total (27) is shown
    as 25 (23 to 27) and the two 13s as 15 (13 to 17 each), which leaves 0 or 1 for the
    small one. One of the 13s is withheld too: the small one can then be anything from 0 to 9."""
    categories = {"a": 1, "b": 13, "c": 13}
    protected = protect(27, [Breakdown("category", categories)])
    assert protected.total == 25
    assert protected.breakdowns["category"] == {"a": None, "b": None, "c": 15}
    unprotected = {"a": None, "b": 15, "c": 15}
    low, high = possible_counts(25)
    assert (max(0, low - 17 - 17), high - 13 - 13) == (0, 1)  # what rounding alone would leave
    assert unprotected != protected.breakdowns["category"]


def test_rounding_and_the_threshold():
    assert [shown(n) for n in (0, 9, 10, 12, 13, 17, 18, 22, 23)] == [
        None,
        None,
        10,
        10,
        15,
        15,
        20,
        20,
        25,
    ]
    assert possible_counts(10) == (10, 12) and possible_counts(15) == (13, 17)


def test_without_secondary_suppression_the_same_tables_do_give_counts_away(monkeypatch):
    """The check above can fail: with rounding and primary suppression alone (no withheld
    count protected), brute force recovers some withheld small count exactly."""
    monkeypatch.setattr(disclosure, "MIN_POSSIBLE_VALUES", 1)
    rng, recovered = random.Random(7), 0
    for _ in range(400):
        total, breakdowns = _random_table(rng)
        protected = protect(total, breakdowns)
        possible = _what_a_reader_can_tell(total, protected.total, breakdowns, protected)
        for b in breakdowns:
            published = protected.breakdowns[b.name]
            for key, count in b.counts.items():
                if key in published and published[key] is None and count < SUPPRESS_BELOW:
                    recovered += len(possible[(b.name, key)]) == 1
    assert recovered > 0


def test_figures_published_before_stand_even_when_the_counts_moved_since():
    """A week withheld when it was provisional (then under 10) that has 15 by the month's end
    stays withheld; one shown then stays as shown. The month is protected around them."""
    weeks = {"w0": 15, "w1": 12, "w2": 4}
    protected = protect(31, [Breakdown("by_week", weeks, published={"w0": None, "w1": 15})])
    assert protected.breakdowns["by_week"]["w0"] is None
    assert protected.breakdowns["by_week"]["w1"] == 15
    assert protected.breakdowns["by_week"]["w2"] is None
