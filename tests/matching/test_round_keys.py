"""A round asks each score component once per combination of the facts it reads
(`matching.round_problem._combined` makes one key per combination): two pairs share a key exactly
when every fact is equal, however large the numbers the facts are coded as."""

from __future__ import annotations

import numpy as np
import pytest

from matching.round_problem import _combined


@pytest.mark.parametrize(
    "widths",
    [
        (3, 2),
        (50_000, 25_000, 8_001, 2),
        # Digits that cannot all fit in one 64-bit number: made small again on the way.
        (2**40, 2**30, 2**20),
    ],
)
def test_equal_keys_exactly_when_all_columns_equal(widths):
    rng = np.random.default_rng(7)
    rows = 5_000
    # Few distinct values per column, so that many rows share some facts and not others.
    columns = [rng.choice(rng.integers(0, w, size=6), size=rows) for w in widths]
    keys = _combined(columns)
    facts = list(zip(*(c.tolist() for c in columns), strict=True))
    first_key: dict[tuple, int] = {}
    owner: dict[int, tuple] = {}
    for fact, key in zip(facts, keys.tolist(), strict=True):
        assert first_key.setdefault(fact, key) == key  # equal facts, equal key
        assert owner.setdefault(key, fact) == fact  # equal key, equal facts
    assert len(owner) == len(set(facts))
