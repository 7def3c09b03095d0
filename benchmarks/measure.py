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

from benchmarks import data, history_data

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


PYTHON_SPEED_LOOP = 1_000_000


def python_speed_ms(rounds: int = 5) -> float:
    """The CPU time (ms, best of `rounds`) of a fixed pure-Python loop of
    `PYTHON_SPEED_LOOP` additions: how fast this machine runs Python, recorded beside every
    run so that figures from machines of the same size but different speed can be compared
    (two such machines ran the same code half as fast as each other on one day)."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for i in range(PYTHON_SPEED_LOOP):
            total += i
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


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
        "python_speed_ms": python_speed_ms(),
    }


def _backend_cpu_s() -> float | None:
    """CPU seconds (user + system) the PostgreSQL backend of Django's connection has used,
    from /proc when the server runs on this machine (else None). Clock ticks are coarse
    (10 ms), so it is read per measure over all its iterations, never per call."""
    from django.db import connection

    pid = getattr(connection.connection, "info", None)
    pid = pid.backend_pid if pid is not None else None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fns: dict[str, Callable], items: list, iterations: int, counted: str):
    """Warm up twice over `items`, then time each function `iterations` times in turn.
    Returns the timings (ms) by function name, what `counted` returned each time, and the
    CPU each function used per call on average (ms: this process, and the database backend
    when it is on this machine)."""
    for item in items * 2:
        for fn in fns.values():
            fn(item)
    timings: dict[str, list[float]] = {name: [] for name in fns}
    cpu = {name: [0.0, 0.0] for name in fns}
    backend_seen = _backend_cpu_s() is not None
    found = []
    for i in range(iterations):
        item = items[i % len(items)]
        for name, fn in fns.items():
            backend = _backend_cpu_s() if backend_seen else None
            own = time.process_time()
            started = time.perf_counter()
            n = fn(item)
            timings[name].append((time.perf_counter() - started) * 1000)
            cpu[name][0] += time.process_time() - own
            if backend is not None:
                cpu[name][1] += (_backend_cpu_s() or backend) - backend
            if name == counted:
                found.append(n)
    cpu_ms = {
        name: {
            "process_ms": round(own * 1000 / iterations, 2),
            "database_ms": round(db * 1000 / iterations, 2) if backend_seen else None,
        }
        for name, (own, db) in cpu.items()
    }
    return timings, found, cpu_ms


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
    from matching.candidate_sql import knn_planner, offer_candidates_sql
    from matching.candidates import ranked_offers_for_need
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

    timings, found, cpu_ms = _timed(
        dict(zip(MEASURES, (raw, selector, endpoint), strict=True)),
        needs,
        iterations,
        counted="ranking_selector",
    )
    result = _summary(
        timings, found, offer_candidates_sql(need=needs[0]), listings="offer", scanned="o"
    )
    _with_cpu(result, cpu_ms)
    result["history_seen"] = _history_seen(
        [(need, ranked_offers_for_need(need=need, limit=10)) for need in needs], viewer="need"
    )
    return result


def measure_offers(*, offer_ids: list[int], iterations: int) -> dict:
    """An offer's ranking of needs: raw KNN SQL, `ranked_needs_for_offer`, and
    `GET /api/v1/offers/{id}/matches/` as the helper."""
    from django.db import connection

    from marketplace.models import Offer
    from matching.candidate_sql import knn_planner, need_candidates_sql
    from matching.candidates import ranked_needs_for_offer
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

    timings, found, cpu_ms = _timed(
        dict(zip(MEASURES, (raw, selector, endpoint), strict=True)),
        offers,
        iterations,
        counted="ranking_selector",
    )
    result = _summary(
        timings, found, need_candidates_sql(offer=offers[0]), listings="need", scanned="n"
    )
    _with_cpu(result, cpu_ms)
    result["history_seen"] = _history_seen(
        [(offer, ranked_needs_for_offer(offer=offer, limit=10)) for offer in offers],
        viewer="offer",
    )
    return result


def _with_cpu(result: dict, cpu_ms: dict) -> None:
    """Each measure's CPU per call beside its timings: this process's, the database
    backend's (when on this machine), and their sum (`total_ms`)."""
    for name, used in cpu_ms.items():
        database = used["database_ms"]
        total = used["process_ms"] + (database or 0.0)
        result[name]["cpu"] = {**used, "total_ms": round(total, 2)}


def _history_seen(rankings: list, *, viewer: str) -> dict:
    """What the rankings of the measured listings show of people's past, in English: how
    many ranked pairs carry a helper's record (reliability other than a new helper's), say
    "has completed", or had a good past match (continuity); and how many returned pairs are
    blocked (either way) or were declined for that very need, both of which must be 0."""
    from django.utils import translation

    from matching.models import Match
    from matching.scoring import RELIABILITY_NEW
    from trust.models import Block

    new_helper = round(RELIABILITY_NEW, 4)
    pairs = [pair for _, ranked in rankings for pair in ranked]
    people = {(p.need.owner_id, p.offer.helper_id) for p in pairs}
    ids = {person for pair in people for person in pair}
    blocks = set(
        Block.objects.filter(blocker_id__in=ids, blocked_id__in=ids).values_list(
            "blocker_id", "blocked_id"
        )
    )
    declined = set(
        Match.objects.filter(need_id__in={p.need.pk for p in pairs}, status="declined").values_list(
            "need_id", "offer__helper_id"
        )
    )
    with translation.override("en"):
        said = "has completed" if viewer == "need" else "you have helped them before"
        return {
            "ranked": len(pairs),
            "with_record": sum(p.components["reliability"] != new_helper for p in pairs),
            "said_in_explanation": sum(said in p.explanation for p in pairs),
            "helped_before": sum(p.components["continuity"] == 1 for p in pairs),
            "blocked_returned": sum((o, h) in blocks or (h, o) in blocks for o, h in people),
            "declined_returned": sum((p.need.pk, p.offer.helper_id) in declined for p in pairs),
        }


def _summary(timings: dict, found: list, statement: tuple, *, listings: str, scanned: str):
    """Percentiles of each measurement, their ratio to the raw KNN's p95, and what the plan of
    the candidate statement scans (`listings`: "offer" or "need"; `scanned`: its alias)."""
    from django.db import connection

    from matching.candidate_sql import knn_planner

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
    # The scan of the listings themselves (PostgreSQL numbers an alias used at two levels,
    # "n_1"); on the need side, not the past needs that history reads ("pn").
    marker = re.compile(
        rf"on {table} {scanned}(?:_\d+)? " if listings == "need" else rf"on {table} "
    )
    result[f"plan_{listings}_scan"] = [
        line.strip() for line in plan.splitlines() if marker.search(line)
    ]
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
        offer_ids = data.load_offers(count=delta, towns=towns, helper_ids=helpers, seed=size + 1)
        history_data.load_history(offer_ids=offer_ids, owner_ids=citizens, seed=size + 2)
        loaded = size
        if not sample:
            # The same needs are measured at every size.
            sample = data.load_needs(count=sample_needs, towns=towns, owner_ids=citizens, seed=11)
            history_data.link_sample_history(need_ids=sample)
        data.analyze()
        load_s = time.perf_counter() - started
        _progress(f"{size} open offers loaded in {load_s:.1f} s; measuring")
        before = load_average()
        r = measure(need_ids=sample, iterations=iterations)
        r["history_loaded"] = history_data.history_counts()
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
            history_data.load_history(offer_ids=sample, owner_ids=owners, seed=15)
            history_data.link_sample_history(offer_ids=sample)
        data.analyze()
        load_s = time.perf_counter() - started
        _progress(f"{size} open needs loaded in {load_s:.1f} s; measuring")
        before = load_average()
        r = measure_offers(offer_ids=sample, iterations=iterations)
        r["history_loaded"] = history_data.history_counts()
        r["load_s"] = round(load_s, 1)
        r["load_average"] = {"before": before, "after": load_average()}
        results[str(size)] = r
    return results


def run_round(*, needs: int, offers: int, second_solver_pairs: int = 500_000) -> dict:
    """A round in one council of its own: `build_problem`, `optimal_assignment` (OR-tools'
    min-cost flow) and `greedy_assignment` on the same input, and the tests' second solver
    (two LPs with HiGHS, `tests.matching.test_rounds.lp_objective`) on the same problem when
    it has at most `second_solver_pairs` pairs; then the whole `round_run` service as a
    round's job runs it (build, solve, greedy, explanations in English and Welsh, proposals
    stored), timed end to end in a fresh process of its own, as a worker runs it, with that
    process's peak resident memory (VmHWM). Inside a test's transaction, whose data no other
    process sees, it runs in this process instead, its peak counted from the start of the
    round (/proc/self/clear_refs)."""
    import contextlib
    import json
    import subprocess

    from django.db import connection

    from accounts.models import Council
    from matching.models import Round
    from matching.rounds import build_problem, greedy_assignment, optimal_assignment, round_run
    from tests.matching.test_rounds import lp_objective

    # A round as a worker runs it, in a process of its own: its seconds and peak memory.
    worker_code = """
import json, sys, time
from pathlib import Path
import django
django.setup()
from accounts.models import Council
from matching.rounds import round_run

def mib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)

council = Council.objects.get(pk=int(sys.argv[1]))
start = mib("VmRSS")
started = time.perf_counter()
rnd = round_run(council=council)
seconds = time.perf_counter() - started
print(json.dumps({"round_id": rnd.pk, "seconds": round(seconds, 3),
                  "peak_rss_mib": mib("VmHWM"), "rss_at_start_mib": start}))
"""

    def rss_mib(field: str) -> float | None:
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

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
    pairs = len(problem.edges)
    second: dict = {"run": pairs <= second_solver_pairs}
    if second["run"]:
        second_started = time.perf_counter()
        filled, score = lp_objective(problem)
        second |= {
            "needs_met": filled,
            "total_score": score,
            "seconds": round(time.perf_counter() - second_started, 3),
            "score_difference": round(best.total_score - score, 6),
            "equal": filled == best.needs_met and abs(best.total_score - score) <= 1e-3,
        }
    del problem
    load_service = load_average()
    if connection.in_atomic_block:
        # A test's data is not committed: the round runs here, its peak measured from now.
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")
        rss_start = rss_mib("VmRSS")
        started_service = time.perf_counter()
        rnd = round_run(council=council)
        service_s = time.perf_counter() - started_service
        peak = rss_mib("VmHWM")
    else:
        # As a worker runs it: a fresh process, its own peak memory (not this one's data).
        # Our own interpreter running our own code on the configured database.
        worker = subprocess.run(  # noqa: S603
            [sys.executable, "-c", worker_code, str(council.pk)],
            check=True,
            capture_output=True,
            text=True,
        )
        measured = json.loads(worker.stdout.strip().splitlines()[-1])
        rnd = Round.objects.get(pk=measured["round_id"])
        service_s, peak, rss_start = (
            measured["seconds"],
            measured["peak_rss_mib"],
            measured["rss_at_start_mib"],
        )
    return {
        "needs": needs,
        "offers": offers,
        "pairs_considered": pairs,
        "build_s": round(built - started, 3),
        "solve_s": round(solved - built, 3),
        "total_s": round(solved - started, 3),
        "round_run_service_s": round(service_s, 3),
        "peak_rss_mib": peak,
        "rss_at_start_mib": rss_start,
        "optimal": {"needs_met": best.needs_met, "total_score": best.total_score},
        "greedy": {"needs_met": greedy.needs_met, "total_score": greedy.total_score},
        "second_solver": second,
        "stored_proposals": rnd.proposals.count(),
        "status": rnd.status,
        "load_average": {
            "before": load_before,
            "service_before": load_service,
            "after": load_average(),
        },
    }
