"""`make simulate`: every policy on the same arrival streams, several seeds, in its own
database (`kith_sim`, or BENCH_DATABASE_URL).

The comparison runs the two scenarios of `world.SCENARIOS` (helpers outnumber needs; needs
outnumber helpers) under every policy of `engine.POLICIES`; `--timing` also runs the target
size once (a 20k-person council for 8 weeks, nearest-first and Kith's own) and reads
its time against the 10-minute target. Figures are printed beside their targets with the
machine's load average, kept as JSON in `benchmarks/results/`, and drawn as PNGs in
`docs/img/` (`--plots`). `tests/benchmarks/test_simulate.py` runs it at a tiny size.

Usage: python -m benchmarks.simulate [--seeds 3] [--first-seed 1000] [--days 14] [--scale 1.0]
       [--timing] [--timing-days 56] [--policies NAME ...] [--scenarios NAME ...] [--plots docs/img]
       python -m benchmarks.simulate --merge benchmarks/results/simulate-*.json
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.database import ROOT, keep_results, open_bench_database


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per policy")
    parser.add_argument(
        "--first-seed", type=int, default=1000, help="seeds are first-seed, first-seed + 1, …"
    )
    parser.add_argument("--days", type=int, default=0, help="days simulated (0: the scenario's)")
    parser.add_argument("--scale", type=float, default=1.0, help="people and needs multiplied")
    parser.add_argument("--policies", nargs="*", default=None, help="names (default: all)")
    parser.add_argument(
        "--scenarios", nargs="*", default=None, help="names (default: both; bare: none)"
    )
    parser.add_argument("--timing", action="store_true", help="also the 20k-person 8 weeks")
    parser.add_argument(
        "--timing-days", type=int, default=56, help="days of the 20k-person run (8 weeks: 56)"
    )
    parser.add_argument("--plots", default=str(ROOT / "docs" / "img"), help="'' for none")
    parser.add_argument("--keep", default="", help="also rewrite this JSON after each run")
    parser.add_argument(
        "--merge", nargs="*", default=None, help="report kept runs (JSON) instead of running"
    )
    return parser.parse_args(argv)


def _sized(scenario, args: argparse.Namespace):
    return dataclasses.replace(
        scenario,
        helpers=max(4, round(scenario.helpers * args.scale)),
        citizens=max(4, round(scenario.citizens * args.scale)),
        needs_per_day=scenario.needs_per_day * args.scale,
        days=args.days or scenario.days,
    )


def _one(scenario, policy, seed: int) -> dict:
    from django.utils import timezone  # noqa: PLC0415 - after Django is set up

    from benchmarks.simulate.engine import Simulation  # noqa: PLC0415
    from benchmarks.simulate.measures import measure  # noqa: PLC0415
    from benchmarks.simulate.world import draw  # noqa: PLC0415
    from marketplace.models import Category  # noqa: PLC0415

    kinds = Category.objects.filter(is_active=True).count()
    world = draw(scenario, seed, kinds=kinds)
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time(), tzinfo=timezone.get_current_timezone())
    began = time.perf_counter()
    record = Simulation(world, policy, start=start).run()
    seconds = time.perf_counter() - began
    return measure(world, record) | {"seed": seed, "seconds": round(seconds, 1)}


def _needs_in(scenario, seed: int) -> int:
    from benchmarks.simulate.world import draw  # noqa: PLC0415
    from marketplace.models import Category  # noqa: PLC0415

    kinds = Category.objects.filter(is_active=True).count()
    return len(draw(scenario, seed, kinds=kinds).needs.at_h)


def fast_commits() -> None:
    """The simulator's own throwaway database need not wait for each commit to reach the disk
    (`synchronous_commit = off`, this connection only): a crash could lose the last moments
    of a run that would be run again anyway, never a committed row's consistency. Kith's
    databases keep PostgreSQL's default."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")


def run(args: argparse.Namespace) -> dict:
    from benchmarks.simulate.engine import BASELINE, KITHS_OWN, POLICIES  # noqa: PLC0415
    from benchmarks.simulate.world import COUNCIL_20K, SCENARIOS  # noqa: PLC0415

    policies = [p for p in POLICIES if not args.policies or p.name in args.policies]
    # `--scenarios` with no names runs none (say, only the timing run).
    names = list(SCENARIOS) if args.scenarios is None else args.scenarios
    results: dict = {
        "load_average": {"start": list(os.getloadavg())},
        "cpus": os.cpu_count(),
        "baseline": BASELINE,
        "seeds": args.seeds,
        "scale": args.scale,
        "scenarios": {},
    }
    for name in names:
        scenario = _sized(SCENARIOS[name], args)
        runs: dict = {p.name: {"runs": []} for p in policies}
        results["scenarios"][name] = runs | {"_size": dataclasses.asdict(scenario)}
        # Seed by seed, every policy each time: a run stopped early has compared them all.
        for s in range(args.seeds):
            for p in policies:
                runs[p.name]["runs"].append(_one(scenario, p, args.first_seed + s))
                results["scenarios"][name][p.name] = runs[p.name]
                if args.keep:
                    Path(args.keep).write_text(json.dumps(results, indent=2))
    if args.timing:
        size = dataclasses.replace(COUNCIL_20K, days=args.timing_days)
        timed = {policy.name: _one(size, policy, 1000) for policy in (POLICIES[0], KITHS_OWN)}
        results["timing"] = {
            "size": dataclasses.asdict(size),
            "runs": timed,
            # Weekly repeats pile up, so 8 weeks hold far more than 8 times a week's needs: a
            # shorter run is scaled by needs, not by days.
            "needs_8_weeks": _needs_in(dataclasses.replace(COUNCIL_20K, days=56), 1000),
        }
    results["load_average"]["end"] = list(os.getloadavg())
    return results


def report(results: dict, plots_to: str = "") -> str:
    from benchmarks.simulate.report import (  # noqa: PLC0415
        SECONDS_8_WEEKS_20K,
        checks,
        checks_table,
        plots,
        table,
    )

    lines = []
    found = []
    for name, policies in results["scenarios"].items():
        size = policies["_size"]
        runs = {p: v["runs"] for p, v in policies.items() if p != "_size"}
        lines.append(
            f"{size['helpers']} helpers, {size['citizens']} people asking, "
            f"{size['needs_per_day']:g} needs a day, {size['days']} days, "
            f"{max(len(r) for r in runs.values())} seeds each"
        )
        lines.append(table(name, runs))
        lines.append("")
        found += checks(name, runs, results["baseline"])
    lines.append(
        "Targets, on the average of the seeds; times to a match over the met needs of every "
        "seed together, and the urgent p95's gap to nearest-first in the middle 90 % of "
        "resamples of the seeds:\n"
    )
    lines.append(checks_table(found))
    if "timing" in results:
        size = results["timing"]["size"]
        lines.append(
            f"\n{size['helpers'] + size['citizens']} people, {size['days']} days "
            f"({size['needs_per_day']:g} needs a day): target ≤ {SECONDS_8_WEEKS_20K} s"
        )
        needs8 = results["timing"].get("needs_8_weeks")
        for name, run_ in results["timing"]["runs"].items():
            # A shorter run is scaled to 8 weeks by its needs (weekly repeats pile up, so
            # 8 weeks hold more than 8 times one week's), or by its days in older results.
            per_need = run_["seconds"] / max(1, run_["needs"])
            weeks8 = per_need * needs8 if needs8 else run_["seconds"] * 56 / size["days"]
            verdict = "met" if weeks8 <= SECONDS_8_WEEKS_20K else "NOT met"
            scaled = (
                ""
                if size["days"] == 56
                else f", {weeks8:.0f} s for the {needs8 or '?'} needs of 8 weeks at this rate"
            )
            lines.append(
                f"  {name}: {run_['seconds']} s for {run_['needs']} needs "
                f"({per_need:.2f} s a need), {run_['steps']} steps{scaled} ({verdict})"
            )
    else:
        lines.append("\n8 weeks of a 20k-person council: not run (--timing)")
    load = results["load_average"]
    lines.append(f"load average start {load['start']}, end {load['end']} on {results['cpus']} CPUs")
    if plots_to:
        for path in plots(results, Path(plots_to)):
            lines.append(f"plot: {path}")
    return "\n".join(lines)


def merged(paths: list[str]) -> dict:
    """Runs kept by separate processes (one scenario each, or more seeds of one: the runs of
    the same scenario and policy are put together), reported as one."""
    parts = [json.loads(Path(p).read_text()) for p in paths]
    results = dict(parts[0]) | {"scenarios": {}}
    for part in parts:
        for name, policies in part["scenarios"].items():
            into = results["scenarios"].setdefault(name, {"_size": policies["_size"]})
            for policy, kept in policies.items():
                if policy != "_size":
                    into.setdefault(policy, {"runs": []})["runs"] += kept["runs"]
        results["timing"] = part.get("timing", results.get("timing"))
    results["load_average"] = {
        "start": parts[0]["load_average"]["start"],
        "end": parts[-1]["load_average"].get("end", []),
    }
    if results.get("timing") is None:
        results.pop("timing")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.merge:
        print(report(merged(args.merge), args.plots))
        return 0
    open_bench_database("kith_sim")
    fast_commits()
    results = run(args)
    print(report(results, args.plots))
    print(f"figures kept in {keep_results(results, 'simulate')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
