"""The candidate statements are planned once per connection (server-side prepared), return
exactly what the same statement returns when bound on the client, and still count as queries
for Django (so query-count pins and the slow-query log see them)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db import PREPARE_THRESHOLD
from matching import candidate_sql, candidates
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_the_need_side_candidate_statement_is_prepared_and_answers_as_unprepared(mcouncil):
    need = make.need_row(council=mcouncil)
    for east in (300, 900, 1500):
        make.offer_row(council=mcouncil, at=make.point_at(east, 0), radius_m=3000)
    sql, params = candidates.offer_candidates_sql(need=need)
    with candidate_sql.knn_planner(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        unprepared = cursor.fetchall()
    assert unprepared, "the factories should give the need some candidates"

    with CaptureQueriesContext(connection) as queries:
        runs = [
            [c.offer.pk for c in candidates.offer_candidates_for_need(need=need)]
            for _ in range(PREPARE_THRESHOLD + 1)
        ]
    assert runs == [[row[0] for row in unprepared]] * len(runs)
    # Two statements per run in Django's log (it cannot show a prepared run's text): the
    # candidates, then their weekly times and their helpers' history.
    candidate_runs = [
        q
        for q in queries.captured_queries
        if q["sql"] is None or "FROM marketplace_offer o" in q["sql"] or "FROM unnest(" in q["sql"]
    ]
    assert len(candidate_runs) == 2 * len(runs)
    prepared = _prepared_statements()
    assert any("marketplace_offer o" in s for s in prepared)
    assert any("FROM unnest(" in s for s in prepared)


def test_the_offer_side_candidate_statement_is_prepared(mcouncil):
    offer = make.offer_row(council=mcouncil, at=make.point_at(500, 0), radius_m=3000)
    make.need_row(council=mcouncil)
    rankings = [
        candidates.ranked_needs_for_offer(offer=offer) for _ in range(PREPARE_THRESHOLD + 1)
    ]
    assert all(len(r) == 1 for r in rankings)
    assert any("marketplace_need n" in s for s in _prepared_statements())


def test_every_run_is_planned_with_its_own_values(mcouncil):
    """Prepared, but never on a generic plan (see `knn_planner`): PostgreSQL counts which
    kind of plan each run of a prepared statement used."""
    need = make.need_row(council=mcouncil)
    make.offer_row(council=mcouncil, at=make.point_at(300, 0), radius_m=3000)
    for _ in range(8):  # PostgreSQL considers a generic plan from the sixth run
        candidates.offer_candidates_for_need(need=need)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE NOT from_sql AND statement LIKE %s",
            ["%FROM marketplace_offer o%"],
        )
        ((generic, custom),) = cursor.fetchall()
    assert generic == 0
    assert custom == 8 - PREPARE_THRESHOLD
