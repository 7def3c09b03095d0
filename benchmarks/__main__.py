"""`make bench` — matching performance at 10k, 100k and 1M open offers, the reverse (an
offer's ranking of needs) at 10k, 100k and 1M open needs, and a round.

Runs against a separate database (`kith_bench`, or BENCH_DATABASE_URL), which it migrates
and refills on every run. For each size, in one run and for the same sample of needs (or
offers): the raw KNN SQL (the limit any ranking can reach), the ranking selector, and the
HTTP endpoint through Django's full request stack. Then a round of 10k needs × 5k offers.

Usage: python -m benchmarks [--sizes 10000,100000,1000000] [--iterations 300]
       [--need-sizes 10000,100000,1000000] [--skip-need-ranking] [--skip-round]
Only an offer's ranking: --sizes "" --skip-round (or --skip-need-ranking).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent

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


def _bench_url() -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    base = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/kith")
    return urlunparse(urlparse(base)._replace(path="/kith_bench"))


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


def measure(*, need_ids: list[int], iterations: int) -> dict:
    from django.db import connection
    from django.test import Client

    from marketplace.models import Need
    from matching.candidates import knn_planner, offer_candidates_sql, ranked_offers_for_need
    from matching.eligibility import search_bound_m

    needs = [
        Need.objects.select_related("council", "category", "owner").get(pk=i) for i in need_ids
    ]
    clients = {}
    for need in needs:
        if need.owner_id not in clients:
            client = Client()
            client.force_login(need.owner)
            clients[need.owner_id] = client

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

    for need in needs * 2:  # warm caches and connections
        raw(need), selector(need), endpoint(need)
    timings = {"raw_knn_sql": [], "ranking_selector": [], "http_endpoint": []}
    found = []
    for i in range(iterations):
        need = needs[i % len(needs)]
        for name, fn in (
            ("raw_knn_sql", raw),
            ("ranking_selector", selector),
            ("http_endpoint", endpoint),
        ):
            started = time.perf_counter()
            n = fn(need)
            timings[name].append((time.perf_counter() - started) * 1000)
            if name == "ranking_selector":
                found.append(n)
    return _summary(
        timings, found, offer_candidates_sql(need=needs[0]), listings="offer", scanned="o"
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


def _timed(fns: dict, items: list, iterations: int, counted: str) -> tuple[dict, list]:
    """Warm up twice over `items`, then time each function `iterations` times in turn."""
    for item in items * 2:
        for fn in fns.values():
            fn(item)
    timings = {name: [] for name in fns}
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


def measure_offers(*, offer_ids: list[int], iterations: int) -> dict:
    """An offer's ranking of needs: raw KNN SQL, `ranked_needs_for_offer`, and
    `GET /api/v1/offers/{id}/matches/` as the helper."""
    from django.db import connection
    from django.test import Client

    from marketplace.models import Offer
    from matching.candidates import knn_planner, need_candidates_sql, ranked_needs_for_offer
    from matching.eligibility import search_bound_m

    offers = [
        Offer.objects.select_related("council", "category", "helper").get(pk=i) for i in offer_ids
    ]
    clients = {}
    for offer in offers:
        if offer.helper_id not in clients:
            client = Client()
            client.force_login(offer.helper)
            clients[offer.helper_id] = client

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
        {"raw_knn_sql": raw, "ranking_selector": selector, "http_endpoint": endpoint},
        offers,
        iterations,
        counted="ranking_selector",
    )
    return _summary(
        timings, found, need_candidates_sql(offer=offers[0]), listings="need", scanned="n"
    )


def run_round(*, needs: int, offers: int) -> dict:
    from accounts.models import Council
    from benchmarks import data
    from matching.rounds import build_problem, greedy_assignment, optimal_assignment, round_run

    town = data.Town(index=999, lon=-1.9, lat=52.48, weight=1.0, sigma_m=4000)
    council, _ = Council.objects.update_or_create(
        code="B99999999",
        defaults={
            "name": "Bench Round City",
            "slug": "bench-round-city",
            "boundary": data._square(town.lon, town.lat, 0.4),
            "max_travel_radius_m": 8000,
        },
    )
    town.council_id = council.pk
    helpers = data.load_people(
        count=offers // 2, prefix="roundhelper", council_ids=[council.pk], seed=77
    )
    owners = data.load_people(
        count=needs // 2, prefix="roundcitizen", council_ids=[council.pk], seed=78
    )
    data.load_offers(
        count=offers, towns=[town], helper_ids=helpers, seed=79, radii=(1000, 2000, 3000)
    )
    data.load_needs(count=needs, towns=[town], owner_ids=owners, seed=80)
    data.analyze()
    started = time.perf_counter()
    problem = build_problem(council=council)
    built = time.perf_counter()
    best = optimal_assignment(problem)
    solved = time.perf_counter()
    greedy = greedy_assignment(problem)
    # The whole service as staff run it (build, solve, greedy, store proposals).
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
    }


def table(results: dict) -> str:
    lines = [
        f"{'size':>9}  {'measure':<17} {'p50 ms':>8} {'p95 ms':>8} {'×raw':>6}  target",
    ]
    sizes = results["sizes"]
    for size, r in sizes.items():
        for name in ("raw_knn_sql", "ranking_selector", "http_endpoint"):
            m = r[name]
            target = ""
            if name == "http_endpoint" and int(size) >= 1_000_000:
                ok = m["p95_ms"] <= 25 and m.get("ratio_to_raw_p95", 0) <= 10
                target = f"p95 ≤ 25 ms and ≤ 10× raw: {'met' if ok else 'NOT met'}"
            lines.append(
                f"{size:>9}  {name:<17} {m['p50_ms']:>8} {m['p95_ms']:>8} "
                f"{m.get('ratio_to_raw_p95', ''):>6}  {target}"
            )
    keys = sorted(sizes, key=int)
    if len(keys) >= 2:
        small, large = sizes[keys[0]], sizes[keys[-1]]
        growth = large["http_endpoint"]["p95_ms"] / small["http_endpoint"]["p95_ms"]
        lines.append(
            f"endpoint p95 at {keys[-1]} / at {keys[0]}: {growth:.2f}× "
            f"(target ≤ 2×: {'met' if growth <= 2 else 'NOT met'})"
        )
    for size, r in results.get("offer_sizes", {}).items():
        for name in ("raw_knn_sql", "ranking_selector", "http_endpoint"):
            m = r[name]
            lines.append(
                f"{size:>9}  {'needs ' + name:<23} {m['p50_ms']:>8} {m['p95_ms']:>8} "
                f"{m.get('ratio_to_raw_p95', ''):>6}  (open needs; an offer's ranking)"
            )
    if "round" in results:
        r = results["round"]
        best, greedy = r["optimal"], r["greedy"]
        ok = best["needs_met"] > greedy["needs_met"] or (
            best["needs_met"] == greedy["needs_met"]
            and best["total_score"] >= greedy["total_score"]
        )
        lines.append(
            f"round {r['needs']} needs × {r['offers']} offers: build {r['build_s']} s + solve "
            f"{r['solve_s']} s = {r['total_s']} s (target ≤ 5 s: "
            f"{'met' if r['total_s'] <= 5 else 'NOT met'}); optimal "
            f"{r['optimal']['needs_met']} met / score {r['optimal']['total_score']} vs greedy "
            f"{r['greedy']['needs_met']} / {r['greedy']['total_score']}"
            f" (optimal at least as good as greedy: {'yes' if ok else 'NO'})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--sample-needs", type=int, default=60)
    parser.add_argument("--round-needs", type=int, default=10_000)
    parser.add_argument("--round-offers", type=int, default=5_000)
    parser.add_argument("--skip-round", action="store_true")
    parser.add_argument(
        "--need-sizes",
        default="10000,100000,1000000",
        help="open needs for an offer's ranking (empty: skip)",
    )
    parser.add_argument("--sample-offers", type=int, default=60)
    parser.add_argument("--skip-need-ranking", action="store_true")
    args = parser.parse_args(argv)
    sizes = [] if args.skip_need_ranking else sorted(int(s) for s in args.sizes.split(",") if s)
    need_sizes = sorted(int(s) for s in args.need_sizes.split(",") if s)

    url = _bench_url()
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    # Our own interpreter running our own script on the configured URL.
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url], check=True
    )
    import django

    django.setup()
    from django.core.management import call_command

    from benchmarks import data

    call_command("migrate", verbosity=0)
    data.reset()
    towns = data.make_towns()
    council_ids = [t.council_id for t in towns]
    citizens = data.load_people(count=2000, prefix="citizen", council_ids=council_ids, seed=3)
    results: dict = {"machine": machine(), "sizes": {}}
    loaded = 0
    sample = None
    for size in sizes:
        started = time.perf_counter()
        delta = size - loaded
        helpers = data.load_people(
            count=max(1, delta // 2), prefix=f"helper{size}-", council_ids=council_ids, seed=size
        )
        data.load_offers(count=delta, towns=towns, helper_ids=helpers, seed=size + 1)
        loaded = size
        if sample is None:
            # The same needs are measured at every size.
            sample = data.load_needs(
                count=args.sample_needs, towns=towns, owner_ids=citizens, seed=11
            )
        data.analyze()
        load_s = time.perf_counter() - started
        print(f"… {size} open offers loaded in {load_s:.1f} s; measuring", file=sys.stderr)
        results["sizes"][str(size)] = measure(need_ids=sample, iterations=args.iterations)
        results["sizes"][str(size)]["load_s"] = round(load_s, 1)
    if need_sizes:
        # An offer's ranking of needs, on its own data: the offers and sample needs above
        # are removed, then open needs are loaded up to each size, measured for the same
        # sample of offers (placed like the population, most in dense towns).
        data.reset()
        results["offer_sizes"] = {}
        loaded = 0
        sample = None
        for size in need_sizes:
            started = time.perf_counter()
            delta = size - loaded
            owners = data.load_people(
                count=max(1, delta // 2),
                prefix=f"owner{size}-",
                council_ids=council_ids,
                seed=size + 5,
            )
            data.load_needs(count=delta, towns=towns, owner_ids=owners, seed=size + 6)
            loaded = size
            if sample is None:
                helpers = data.load_people(
                    count=args.sample_offers,
                    prefix="samplehelper",
                    council_ids=council_ids,
                    seed=13,
                )
                sample = data.load_offers(
                    count=args.sample_offers, towns=towns, helper_ids=helpers, seed=14
                )
            data.analyze()
            load_s = time.perf_counter() - started
            print(f"… {size} open needs loaded in {load_s:.1f} s; measuring", file=sys.stderr)
            r = measure_offers(offer_ids=sample, iterations=args.iterations)
            r["load_s"] = round(load_s, 1)
            results["offer_sizes"][str(size)] = r
    if not args.skip_round:
        print("… round", file=sys.stderr)
        results["round"] = run_round(needs=args.round_needs, offers=args.round_offers)
    print(json.dumps(results, indent=2))
    print()
    print(table(results))
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
