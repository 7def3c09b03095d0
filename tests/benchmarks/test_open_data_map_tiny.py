"""`python -m benchmarks.open_data_map` at a tiny size, so that it cannot silently stop working.

The benchmark's own functions and arguments run on the test database through the real map
code: the generator loads the needs, the background computation stores the map, and the
public endpoint serves it, whole and "not modified". Timings are not asserted (they measure
the machine); what each part found is, and so is the report that reads the figures against
the targets.
"""

import json

import pytest

from benchmarks.open_data_map import checks, parse_args, run, table
from insights.models import OpenDemandMap

ITERATIONS = 3


@pytest.mark.django_db
def test_the_map_benchmark_runs_at_a_tiny_size_and_serves_the_stored_map():
    results = run(parse_args(["--needs=300", f"--iterations={ITERATIONS}", "--computations=2"]))

    assert results["needs"] == results["waiting"] == 300
    compute = results["compute"]
    assert compute["runs"] == 2 and all(s > 0 for s in compute["seconds"])
    # Each period counts again; the same needs give the same document.
    assert compute["counted"] == [True, True] and compute["changed"] == [True, False]
    [stored] = OpenDemandMap.objects.all()
    document = json.loads(stored.document)
    assert compute["features"] == len(document["features"]) > 0
    assert 0 < compute["needs_shown"] <= 300
    assert compute["document_bytes"] == len(stored.document.encode())

    served = results["served"]
    assert served["answers"] == {"200": ITERATIONS, "304": ITERATIONS, "other": 0}
    assert served["etag"] == f'"{stored.etag}"'
    assert served["cache_control"].startswith("public, max-age=")
    for kind in ("full_map", "not_modified"):
        timing = served[kind]
        assert timing["n"] == ITERATIONS and 0 < timing["p50_ms"] <= timing["p95_ms"]
    assert len(results["load_average"]["start"]) == len(results["load_average"]["end"]) == 3

    printed = table(results)
    assert "300 needs loaded, 300 waiting" in printed
    assert "not comparable (other size)" in printed  # a tiny size is never read as a target
    assert "load average" in printed


def _results(*, served_ms: float, compute_s: float) -> dict:
    return {
        "needs": 50_000,
        "compute": {"max_s": compute_s, "runs": 3},
        "served": {"full_map": {"p95_ms": served_ms}},
    }


def test_a_full_size_run_is_read_against_both_targets():
    assert [c.met for c in checks(_results(served_ms=12.0, compute_s=1.5))] == [True, True]
    assert [c.met for c in checks(_results(served_ms=140.0, compute_s=6.5))] == [False, False]
