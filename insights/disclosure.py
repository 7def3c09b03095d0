"""The rule that keeps open data from picking anybody out, written once: every open-data
figure Kith publishes passes through `protect`.

As the ONS does for small areas:

- **primary suppression**: a count under `SUPPRESS_BELOW` (10) is withheld (null, or a
  hexagon left off the map);
- **rounding**: every other count is rounded to the nearest `ROUND_TO` (5): 10, 11 and 12 are
  shown as 10, 13 to 17 as 15, and so on, so no published figure is exact;
- **secondary suppression**: a table publishes a total and one or more breakdowns of it (by
  kind of help, by hexagon, by week of the month). Setting the total against the shown parts
  narrows down the withheld ones; whenever a withheld count under the threshold could then be
  pinned to fewer than `MIN_POSSIBLE_VALUES` values, the smallest shown count of that
  breakdown is withheld too (or, when the breakdown has none left, the total), and the table
  is checked again until no withheld small count can be narrowed that far.

The check (`audit`) works out, for every count, the values it could still have given everything
published: each shown figure stands for the counts that round to it, each withheld one for 0 to
9 — or, more cautiously, 10 and over when it was withheld only to protect another — and every
breakdown adds up to the same total. Because breakdowns share only their total, narrowing the
bounds of each sum until nothing changes gives the exact range of every count
(tests/insights/test_open_disclosure.py checks this against brute force on random tables).

A breakdown may also hold figures published earlier (`Breakdown.published`: the provisional
weekly totals of a month): those cannot be withdrawn, so they are never chosen for secondary
suppression, and the reader is assumed to know them as published.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SUPPRESS_BELOW = 10
ROUND_TO = 5
# A withheld small count must keep at least this many possible values for a reader who sets
# every published figure of its table against the others.
MIN_POSSIBLE_VALUES = 3
# "No upper bound": larger than any count Kith will hold.
_UNBOUNDED = 10**12
TOTAL = "total"


def rounded(count: int) -> int:
    """`count` to the nearest multiple of `ROUND_TO` (counts are whole, so there are no ties)."""
    return (count + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def shown(count: int) -> int | None:
    """What primary suppression and rounding alone make of `count`."""
    return None if count < SUPPRESS_BELOW else rounded(count)


def possible_counts(figure: int) -> tuple[int, int]:
    """The true counts a published figure can stand for (both ends included)."""
    return max(SUPPRESS_BELOW, figure - ROUND_TO // 2), figure + ROUND_TO // 2


@dataclass
class Breakdown:
    """One way of splitting a table's total: `counts` by key, adding up to the total.

    `hidden_together`: withheld parts are left out altogether, not listed as null (the hexagons
    of a map), so a reader sees only what the shown parts leave over; that remainder is
    protected like a small count. `published`: figures of some keys that were published before
    (None: withheld then) and stand whatever this table says."""

    name: str
    counts: dict[str, int]
    hidden_together: bool = False
    published: dict[str, int | None] = field(default_factory=dict)


@dataclass
class Protected:
    """A table after the rule: the total and each breakdown's figures (None: withheld)."""

    total: int | None
    breakdowns: dict[str, dict[str, int | None]]


# --- The reader's view: what each count could be ------------------------------------------
_PRIMARY, _SECONDARY, _SHOWN = "primary", "secondary", "shown"


def _domain(state: str, figure: int | None) -> tuple[int, int]:
    if state == _SHOWN:
        assert figure is not None
        return possible_counts(figure)
    if state == _PRIMARY:
        return 0, SUPPRESS_BELOW - 1
    return SUPPRESS_BELOW, _UNBOUNDED


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return max(a[0], b[0]), min(a[1], b[1])


def audit(
    total: tuple[int, int], parts: list[list[tuple[int, int]]]
) -> tuple[tuple[int, int], list[list[tuple[int, int]]]]:
    """The range each count can take, given the range the reader knows for the total and for
    each part of each breakdown, and that every breakdown adds up to the total. An empty range
    (low above high) means the figures contradict each other."""
    t = total
    ranges = [list(b) for b in parts]
    changed = True
    while changed:
        changed = False
        for b in ranges:
            low, high = sum(r[0] for r in b), sum(r[1] for r in b)
            narrowed = _intersect(t, (low, high))
            if narrowed != t:
                t, changed = narrowed, True
            for k, r in enumerate(b):
                others_low, others_high = low - r[0], high - r[1]
                new = _intersect(r, (t[0] - others_high, t[1] - others_low))
                if new != r:
                    b[k], changed = new, True
                    if new[0] > new[1]:
                        return t, ranges  # contradictory: stop rather than narrow forever
                    low, high = sum(x[0] for x in b), sum(x[1] for x in b)
            if t[0] > t[1]:
                return t, ranges
    return t, ranges


def protect(total: int, breakdowns: list[Breakdown]) -> Protected:
    """The table as it may be published: small counts withheld, the rest rounded, and more
    withheld until no small count can be narrowed to fewer than `MIN_POSSIBLE_VALUES`."""
    table = _Table(total, breakdowns)
    while (pinned := table.first_pinned()) is not None:
        if not table.withhold_more(pinned):
            break  # everything that can be withheld is (only figures published before remain)
    return table.protected()


class _Table:
    """A table while the rule runs: which counts are shown, withheld as small (primary), or
    withheld to protect another (secondary)."""

    def __init__(self, total: int, breakdowns: list[Breakdown]) -> None:
        self.total, self.breakdowns = total, breakdowns
        self.total_state = _PRIMARY if total < SUPPRESS_BELOW else _SHOWN
        self.states: list[dict[str, str]] = []
        for b in breakdowns:
            state = {k: _PRIMARY if n < SUPPRESS_BELOW else _SHOWN for k, n in b.counts.items()}
            for key, figure in b.published.items():
                state[key] = _SHOWN if figure is not None else _PRIMARY
            self.states.append(state)

    def figure(self, i: int, key: str) -> int:
        published = self.breakdowns[i].published.get(key)
        return published if published is not None else rounded(self.breakdowns[i].counts[key])

    def listed(self, i: int) -> list[str]:
        """The keys of breakdown `i` a reader sees (shown, or listed as withheld)."""
        b, state = self.breakdowns[i], self.states[i]
        return [k for k in b.counts if not (b.hidden_together and state[k] != _SHOWN)]

    def has_remainder(self, i: int) -> bool:
        """A map's hexagons not shown, together: a reader cannot tell whether there are any."""
        return self.breakdowns[i].hidden_together

    def ranges(self):
        total = _domain(self.total_state, rounded(self.total))
        parts = []
        for i in range(len(self.breakdowns)):
            state = self.states[i]
            listed = [
                _domain(state[k], self.figure(i, k) if state[k] == _SHOWN else None)
                for k in self.listed(i)
            ]
            if self.has_remainder(i):
                listed.append((0, _UNBOUNDED))  # what the shown hexagons leave over
            parts.append(listed)
        return audit(total, parts)

    def first_pinned(self) -> int | None:
        """A breakdown holding a withheld small count a reader could narrow too far (-1: the
        total itself); None when there is none."""
        t, parts = self.ranges()
        if t[0] > t[1] or any(r[0] > r[1] for b in parts for r in b):
            return None  # figures that contradict each other (changed since): nothing exact
        if self.total_state == _PRIMARY and _width(t) < MIN_POSSIBLE_VALUES:
            return -1
        for i, b in enumerate(self.breakdowns):
            state = self.states[i]
            for key, r in zip(self.listed(i), parts[i], strict=False):
                if state[key] == _PRIMARY and _width(r) < MIN_POSSIBLE_VALUES:
                    return i
            if self.has_remainder(i):
                small = any(state[k] == _PRIMARY for k in b.counts)
                if small and _width(parts[i][-1]) < MIN_POSSIBLE_VALUES:
                    return i
        return None

    def _withhold_smallest(self, i: int) -> bool:
        b, state = self.breakdowns[i], self.states[i]
        shown_now = [(b.counts[k], k) for k in b.counts if state[k] == _SHOWN]
        candidates = sorted(x for x in shown_now if x[1] not in b.published)
        if not candidates:
            return False
        state[candidates[0][1]] = _SECONDARY
        return True

    def withhold_more(self, pinned: int) -> bool:
        """Withhold one more figure to protect the small count in breakdown `pinned`: the
        smallest shown count of that breakdown, else the total, else the smallest shown
        count of another breakdown. False when nothing is left to withhold."""
        if pinned >= 0 and self._withhold_smallest(pinned):
            return True
        if self.total_state == _SHOWN:
            self.total_state = _SECONDARY
            return True
        return any(self._withhold_smallest(i) for i in range(len(self.breakdowns)))

    def protected(self) -> Protected:
        return Protected(
            total=rounded(self.total) if self.total_state == _SHOWN else None,
            breakdowns={
                b.name: {
                    key: self.figure(i, key) if self.states[i][key] == _SHOWN else None
                    for key in self.listed(i)
                }
                for i, b in enumerate(self.breakdowns)
            },
        )


def _width(r: tuple[int, int]) -> int:
    return r[1] - r[0] + 1
