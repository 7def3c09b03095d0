"""What scoring knows of people's past: a helper's completed and failed matches and ratings,
and whether a person and a helper completed a match the person did not rate badly.

One definition of each, as SQL fragments that every reader composes: the two candidate
statements (per candidate, for only the LIMIT rows), the rounds (per council) and scoring's
own loader (`load_history`, for pairs that came from elsewhere). A helper "failed" a match
only when the helper ended it by cancelling: a block or a suspension ends matches without
counting against anyone (see tests/matching/test_block_ends_matches.py).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from django.db import connection

# A helper's completions and cancellations, and the matches they are helping with now
# ({helper} is an SQL expression).
STATS_SQL = """SELECT count(*) FILTER (WHERE sm.status = 'completed') AS completed,
           count(*) FILTER (WHERE sm.status = 'cancelled' AND sm.ended_by_id = {helper})
               AS failed,
           count(*) FILTER (WHERE sm.status IN ('accepted', 'active')) AS going
    FROM matching_match sm JOIN marketplace_offer so ON so.id = sm.offer_id
    WHERE so.helper_id = {helper}"""
# Ratings a helper received as the helper of a match (1–5 each).
RATINGS_SQL = """SELECT COALESCE(sum(f.rating), 0) AS rating_sum, count(*) AS rating_n
    FROM matching_feedback f
    JOIN matching_match fm ON fm.id = f.match_id
    JOIN marketplace_offer fo ON fo.id = fm.offer_id AND fo.helper_id = f.subject_id
    WHERE f.subject_id = {helper}"""
# Completed matches, with their need (pn) and offer (po), for `good_where`.
GOOD_FROM = """matching_match pm
           JOIN marketplace_need pn ON pn.id = pm.need_id
           JOIN marketplace_offer po ON po.id = pm.offer_id"""


def good_where(*, owner: str | None = None, helper: str | None = None) -> str:
    """Rows of `GOOD_FROM` that are good past matches (of `owner` with `helper`, when given):
    completed, and not rated 1 or 2 by the person helped."""
    parts = ["pm.status = 'completed'"]
    if owner is not None:
        parts.append(f"pn.owner_id = {owner}")
    if helper is not None:
        parts.append(f"po.helper_id = {helper}")
    parts.append(
        "NOT EXISTS (SELECT 1 FROM matching_feedback bf WHERE bf.match_id = pm.id\n"
        "                             AND bf.author_id = pn.owner_id AND bf.rating <= 2)"
    )
    return "\n             AND ".join(parts)


_GOOD_EXISTS_SQL = """EXISTS (
           SELECT 1 FROM {good_from}
           WHERE {where}
       )"""
_HISTORIES_SQL = """SELECT h.id, st.completed, st.failed, fb.rating_sum, fb.rating_n, st.going
FROM {helpers_from}
CROSS JOIN LATERAL ({stats}) st
CROSS JOIN LATERAL ({ratings}) fb"""
_GOOD_PAIRS_SQL = """SELECT DISTINCT pn.owner_id, po.helper_id FROM {good_from}
WHERE {where} AND {owners_where}"""


def good_exists_sql(*, owner: str, helper: str) -> str:
    """True if `owner` and `helper` (SQL expressions) had a good past match."""
    return _GOOD_EXISTS_SQL.format(
        good_from=GOOD_FROM, where=good_where(owner=owner, helper=helper)
    )


def histories_sql(helpers_from: str) -> str:
    """Each helper's history; `helpers_from` is a FROM item with one column `h.id`."""
    return _HISTORIES_SQL.format(
        helpers_from=helpers_from,
        stats=STATS_SQL.format(helper="h.id"),
        ratings=RATINGS_SQL.format(helper="h.id"),
    )


def good_pairs_sql(owners_where: str) -> str:
    """(person, helper) pairs with a good past match, for people picked by `owners_where`
    (a condition on `pn.owner_id`)."""
    return _GOOD_PAIRS_SQL.format(
        good_from=GOOD_FROM, where=good_where(), owners_where=owners_where
    )


@dataclass(frozen=True)
class HelperHistory:
    """A helper's record as reliability reads it (a new helper has all zeros), and how many
    matches they are helping with now, through any of their offers (`going`: not scored;
    it keeps the explanation from calling them new)."""

    completed: int = 0
    failed: int = 0
    rating_sum: float = 0.0
    rating_n: int = 0
    going: int = 0

    @classmethod
    def of(cls, completed, failed, rating_sum, rating_n, going=0) -> HelperHistory:
        return cls(int(completed), int(failed), float(rating_sum), int(rating_n), int(going))


NO_HISTORY = HelperHistory()


def read_histories(sql: str, params: dict) -> dict[int, HelperHistory]:
    """Run a `histories_sql` statement: {helper id: history}."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: HelperHistory.of(*row[1:]) for row in cursor.fetchall()}


def read_good_pairs(sql: str, params: dict) -> set[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(owner, helper) for owner, helper in cursor.fetchall()}


def load_history(
    *, owner_ids: Collection[int], helper_ids: Collection[int]
) -> tuple[dict[int, HelperHistory], set[tuple[int, int]]]:
    """Histories of `helper_ids` and the good past pairs among `owner_ids` × `helper_ids`
    (two queries, whatever the numbers)."""
    if not helper_ids:
        return {}, set()
    params = {"helpers": sorted(helper_ids), "owners": sorted(owner_ids)}
    histories = read_histories(histories_sql("unnest(%(helpers)s::bigint[]) AS h(id)"), params)
    good = (
        read_good_pairs(
            good_pairs_sql(
                "pn.owner_id = ANY(%(owners)s::bigint[])"
                " AND po.helper_id = ANY(%(helpers)s::bigint[])"
            ),
            params,
        )
        if owner_ids
        else set()
    )
    return histories, good
