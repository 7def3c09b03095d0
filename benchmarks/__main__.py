"""`make bench` — matching performance at 10k, 100k and 1M open offers, the reverse (an
offer's ranking of needs) at 10k, 100k and 1M open needs, and a round.

Runs against a separate database (`kith_bench`, or BENCH_DATABASE_URL), which it migrates
and refills on every run. For each size, in one run and for the same sample of needs (or
offers): the raw KNN SQL (the limit any ranking can reach), the ranking selector, and the
HTTP endpoint through Django's full request stack. Then a round of 10k needs × 5k offers.
What is measured is in `benchmarks.measure`; the figures are printed beside their targets
with the machine's load average (`benchmarks.report`), and kept as JSON in
`benchmarks/results/`. `tests/benchmarks/` runs every part at a tiny size.

Usage: python -m benchmarks [--sizes 10000,100000,1000000] [--iterations 300]
       [--need-sizes 10000,100000,1000000] [--skip-need-ranking] [--skip-round]
Only an offer's ranking: --sizes "" --skip-round (or --skip-need-ranking).
"""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.database import keep_results, open_bench_database


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--towns", type=int, default=60, help="towns, each its own council")
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
    args.sizes = (
        [] if args.skip_need_ranking else sorted(int(s) for s in args.sizes.split(",") if s)
    )
    args.need_sizes = sorted(int(s) for s in args.need_sizes.split(",") if s)
    return args


def run(args: argparse.Namespace) -> dict:
    """Every part of the benchmark the arguments ask for, on the connected database (emptied
    first: only ever the bench database or a test database)."""
    from benchmarks import data
    from benchmarks.measure import (
        load_average,
        machine,
        need_rankings,
        offer_rankings,
        run_round,
    )

    results: dict = {"machine": machine(), "load_average": {"start": load_average()}}
    data.reset()
    towns = data.make_towns(args.towns)
    citizens = data.load_people(
        count=2000, prefix="citizen", council_ids=[t.council_id for t in towns], seed=3
    )
    results["sizes"] = offer_rankings(
        sizes=args.sizes,
        towns=towns,
        citizens=citizens,
        sample_needs=args.sample_needs,
        iterations=args.iterations,
    )
    if args.need_sizes:
        results["offer_sizes"] = need_rankings(
            sizes=args.need_sizes,
            towns=towns,
            sample_offers=args.sample_offers,
            iterations=args.iterations,
        )
    if not args.skip_round:
        print("… round", file=sys.stderr)
        results["round"] = run_round(needs=args.round_needs, offers=args.round_offers)
    results["load_average"]["end"] = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    open_bench_database()
    from benchmarks.report import table  # noqa: PLC0415 - Django is set up by now

    results = run(args)
    print(json.dumps(results, indent=2))
    print()
    print(table(results))
    keep_results(results, "bench")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
