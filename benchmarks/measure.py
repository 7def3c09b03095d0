"""What `make bench` measures: an offer ranking for a need and a need ranking for an offer
(raw KNN SQL, ranking selector, HTTP endpoint) at growing sizes, and a round.

Every function here runs on whatever database Django is connected to: the bench database
for `python -m benchmarks`, the test database for `tests/benchmarks/`, which runs each of
them at a tiny size so that a change to matching that breaks the benchmark fails the suite
instead of the next person's `make bench`.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import data

RAW_KNN_SQL = """
SELECT id FROM marketplace_offer
WHERE status = 'open' AND council_id = %(council)s::bigint AND category_id = %(category)s::bigint
  AND ST_DWithin(approx_location, %(point)s::geography, %(bound)s)
  AND ST_DWithin(approx_location, %(point)s::geography, radius_m)
ORDER BY approx_location <-> %(point)s::geography
LIMIT 50
"""

# The reverse: an offer's needs. The offer's radius is a constant here (no per-row radius).
RAW_NEED_KNN_SQL = """
SELECT id FROM marketplace_need
WHERE status = 'open' AND council_id = %(council)s::bigint AND category_id = %(category)s::bigint
  AND ST_DWithin(approx_location, %(point)s::geography, %(bound)s)
  AND ST_DWithin(approx_location, %(point)s::geography, %(radius)s)
ORDER BY approx_location <-> %(point)s::geography
LIMIT 50
"""

MEASURES = ("raw_knn_sql", "ranking_selector", "http_endpoint")


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages. Kept with every figure: on a shared
    machine a p95 measures the neighbours as much as Kith, and the load says how much."""
    return [round(x, 2) for x in os.getloadavg()]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def _stats(ms: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_pct(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "n": len(ms),
    }


def machine() -> dict:
    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), postgis_full_version()")
        pg, postgis = cursor.fetchone()
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "os": platform.platform(),
        "postgres": pg.split(",")[0],
        "postgis": postgis.split('"')[1] if '"' in postgis else postgis[:40],
        "jit": jit,
    }


def _timed(fns: dict[str, Callable], items: list, iterations: int, counted: str):
    """Warm up twice over `items`, then time each function `iterations` times in turn.
    Returns the timings (ms) by function name and what `counted` returned each time."""
    for item in items * 2:
        for fn in fns.values():
            fn(item)
    timings: dict[str, list[float]] = {name: [] for name in fns}
    found = []
    for i in range(iterations):
        item = items[i % len(items)]
        for name, fn in fns.items():
            started = time.perf_counter()
            n = fn(item)
            timings[name].append((time.perf_counter() - started) * 1000)
            if name == counted:
                found.append(n)
    return timings, found


def _signed_in_clients(people) -> dict:
    from django.test import Client

    clients = {}
    for person in people:
        if person.pk not in clients:
            client = Client()
            client.force_login(person)
            clients[person.pk] = client
    return clients


def measure(*, need_ids: list[int], iterations: int) -> dict:
    """A need's ranking of offers: raw KNN SQL, `ranked_offers_for_need`, and
    `GET /api/v1/needs/{id}/matches/` as the need's owner."""
    from django.db import connection

    from marketplace.models import Need
    from matching.candidates import knn_planner, offer_candidates_sql, ranked_offers_for_need
    from matching.eligibility import search_bound_m

    needs = [
        Need.objects.select_related("council", "category", "owner").get(pk=i) for i in need_ids
    ]
    clients = _signed_in_clients(need.owner for need in needs)

    def raw(need):
        # The same planner setting as the candidate statement (see knn_planner).
        with knn_planner(), connection.cursor() as cursor:
            cursor.execute(
                RAW_KNN_SQL,
                {
                    "council": need.council_id,
                    "category": need.category_id,
                    "point": need.approx_location.ewkt,
                    "bound": search_bound_m(need.council),
                },
            )
            return len(cursor.fetchall())

    def selector(need):
        return len(ranked_offers_for_need(need=need, limit=10))

    def endpoint(need):
        response = clients[need.owner_id].get(f"/api/v1/needs/{need.pk}/matches/")
        assert response.status_code == 200, response.status_code
        return len(response.json())

    timings, found = _timed(
        dict(zip(MEASURES, (raw, selector, endpoint), strict=True)),
        needs,
        iterations,
        counted="ranking_selector",
    )
    return _summary(
        timings, found, offer_candidates_sql(need=needs[0]), listings="offer", scanned="o"
    )


def measure_offers(*, offer_ids: list[int], iterations: int) -> dict:
    """An offer's ranking of needs: raw KNN SQL, `ranked_needs_for_offer`, and
    `GET /api/v1/offers/{id}/matches/` as the helper."""
    from django.db import connection

    from marketplace.models import Offer
    from matching.candidates import knn_planner, need_candidates_sql, ranked_needs_for_offer
    from matching.eligibility import search_bound_m

    offers = [
        Offer.objects.select_related("council", "category", "helper").get(pk=i) for i in offer_ids
    ]
    clients = _signed_in_clients(offer.helper for offer in offers)

    def raw(offer):
        bound = search_bound_m(offer.council)
        with knn_planner(), connection.cursor() as cursor:
            cursor.execute(
                RAW_NEED_KNN_SQL,
                {
                    "council": offer.council_id,
                    "category": offer.category_id,
                    "point": offer.approx_location.ewkt,
                    "bound": bound,
                    "radius": min(offer.radius_m, bound),
                },
            )
            return len(cursor.fetchall())

    def selector(offer):
        return len(ranked_needs_for_offer(offer=offer, limit=10))

    def endpoint(offer):
        response = clients[offer.helper_id].get(f"/api/v1/offers/{offer.pk}/matches/")
        assert response.status_code == 200, response.status_code
        return len(response.json())

    timings, found = _timed(
        dict(zip(MEASURES, (raw, selector, endpoint), strict=True)),
        offers,
        iterations,
        counted="ranking_selector",
    )
    return _summary(
        timings, found, need_candidates_sql(offer=offers[0]), listings="need", scanned="n"
    )


def _summary(timings: dict, found: list, statement: tuple, *, listings: str, scanned: str):
    """Percentiles of each measurement, their ratio to the raw KNN's p95, and what the plan of
    the candidate statement scans (`listings`: "offer" or "need"; `scanned`: its alias)."""
    from django.db import connection

    from matching.candidates import knn_planner

    sql, params = statement
    table = f"marketplace_{listings}"
    with knn_planner(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef ILIKE '%%USING gist%%'",
            [table],
        )
        gist = [row[0] for row in cursor.fetchall()]
    result = {name: _stats(ms) for name, ms in timings.items()}
    raw_p95 = result["raw_knn_sql"]["p95_ms"]
    for name in ("ranking_selector", "http_endpoint"):
        result[name]["ratio_to_raw_p95"] = round(result[name]["p95_ms"] / raw_p95, 2)
    result["mean_results"] = round(statistics.fmean(found), 1)
    result[f"plan_{listings}_indexes"] = [name for name in gist if f" {name} " in plan + " "]
    seq = re.findall(r"Seq Scan on marketplace_(?:offer|need)\b(?!slot).*", plan)
    result["plan_listing_seq_scans"] = [line.split("(cost")[0] for line in seq]
    marker = f"on {table} {scanned} " if listings == "need" else f"on {table} "
    result[f"plan_{listings}_scan"] = [line.strip() for line in plan.splitlines() if marker in line]
    return result


def _progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr)


def offer_rankings(
    *,
    sizes: list[int],
    towns: list[data.Town],
    citizens: list[int],
    sample_needs: int,
    iterations: int,
) -> dict[str, dict]:
    """A need's ranking of offers at each size: open offers are loaded up to each size in
    turn (incrementally) and the same sample of needs is measured at every size."""
    council_ids = [t.council_id for t in towns]
    results: dict[str, dict] = {}
    loaded = 0
    sample: list[int] = []
    for size in sorted(sizes):
        started = time.perf_counter()
        delta = size - loaded
        helpers = data.load_people(
            count=max(1, delta // 2), prefix=f"helper{size}-", council_ids=council_ids, seed=size
        )
        data.load_offers(count=delta, towns=towns, helper_ids=helpers, seed=size + 1)
        loaded = size
        if not sample:
            # The same needs are measured at every size.
            sample = data.load_needs(count=sample_needs, towns=towns, owner_ids=citizens, seed=11)
        data.analyze()
        load_s = time.perf_counter() - started
        _progress(f"{size} open offers loaded in {load_s:.1f} s; measuring")
        before = load_average()
        r = measure(need_ids=sample, iterations=iterations)
        r["load_s"] = round(load_s, 1)
        r["load_average"] = {"before": before, "after": load_average()}
        results[str(size)] = r
    return results


def need_rankings(
    *, sizes: list[int], towns: list[data.Town], sample_offers: int, iterations: int
) -> dict[str, dict]:
    """An offer's ranking of needs, on its own data: the listings loaded so far are removed,
    then open needs are loaded up to each size, measured for the same sample of offers
    (placed like the population, most in dense towns)."""
    council_ids = [t.council_id for t in towns]
    data.reset()
    results: dict[str, dict] = {}
    loaded = 0
    sample: list[int] = []
    for size in sorted(sizes):
        started = time.perf_counter()
        delta = size - loaded
        owners = data.load_people(
            count=max(1, delta // 2), prefix=f"owner{size}-", council_ids=council_ids, seed=size + 5
        )
        data.load_needs(count=delta, towns=towns, owner_ids=owners, seed=size + 6)
        loaded = size
        if not sample:
            helpers = data.load_people(
                count=sample_offers, prefix="samplehelper", council_ids=council_ids, seed=13
            )
            sample = data.load_offers(count=sample_offers, towns=towns, helper_ids=helpers, seed=14)
        data.analyze()
        load_s = time.perf_counter() - started
        _progress(f"{size} open needs loaded in {load_s:.1f} s; measuring")
        before = load_average()
        r = measure_offers(offer_ids=sample, iterations=iterations)
        r["load_s"] = round(load_s, 1)
        r["load_average"] = {"before": before, "after": load_average()}
        results[str(size)] = r
    return results


def run_round(*, needs: int, offers: int) -> dict:
    """A round in one council of its own: `build_problem`, `optimal_assignment` and
    `greedy_assignment` on the same input, then the whole `round_run` service as staff run it
    (build, solve, greedy, store proposals)."""
    from accounts.models import Council
    from matching.rounds import build_problem, greedy_assignment, optimal_assignment, round_run

    town = data.Town(index=999, lon=-1.9, lat=52.48, weight=1.0, sigma_m=4000)
    council, _ = Council.objects.update_or_create(
        code="B99999999",
        defaults={
            "name": "Bench Round City",
            "slug": "bench-round-city",
            "boundary": data.square(town.lon, town.lat, 0.4),
            "max_travel_radius_m": 8000,
        },
    )
    town.council_id = council.pk
    helpers = data.load_people(
        count=max(1, offers // 2), prefix="roundhelper", council_ids=[council.pk], seed=77
    )
    owners = data.load_people(
        count=max(1, needs // 2), prefix="roundcitizen", council_ids=[council.pk], seed=78
    )
    data.load_offers(
        count=offers, towns=[town], helper_ids=helpers, seed=79, radii=(1000, 2000, 3000)
    )
    data.load_needs(count=needs, towns=[town], owner_ids=owners, seed=80)
    data.analyze()
    load_before = load_average()
    started = time.perf_counter()
    problem = build_problem(council=council)
    built = time.perf_counter()
    best = optimal_assignment(problem)
    solved = time.perf_counter()
    greedy = greedy_assignment(problem)
    started_service = time.perf_counter()
    rnd = round_run(council=council)
    service_s = time.perf_counter() - started_service
    return {
        "needs": needs,
        "offers": offers,
        "pairs_considered": len(problem.edges),
        "build_s": round(built - started, 3),
        "solve_s": round(solved - built, 3),
        "total_s": round(solved - started, 3),
        "round_run_service_s": round(service_s, 3),
        "optimal": {"needs_met": best.needs_met, "total_score": best.total_score},
        "greedy": {"needs_met": greedy.needs_met, "total_score": greedy.total_score},
        "stored_proposals": rnd.proposals.count(),
        "load_average": {"before": load_before, "after": load_average()},
    }
