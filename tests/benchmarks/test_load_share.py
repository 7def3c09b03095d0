"""`make bench-load`'s verdict on the API ranking's throughput beside the cheapest page's
(issue target: at least a quarter), from the figures of one run."""

from benchmarks.load_http import _ranking_share


def _row(target, rps, mode="busy", workers=2):
    return {"workers": workers, "target": target, "mode": mode, "rps": rps}


def test_the_share_is_against_the_fastest_signed_out_page_of_the_same_run():
    results = [
        _row("GET / (home page, signed out)", 1200.0),
        _row("GET /accounts/login/ (sign-in page)", 900.0),
        _row("GET /api/v1/needs/<id>/matches/ (API ranking)", 360.0),
        _row("GET /api/v1/needs/<id>/matches/ (API ranking)", 30.0, mode="people"),
        _row("GET / (home page, signed out)", 5000.0, workers=4),
    ]
    line = _ranking_share(results, 2)
    assert "360.0 req/s = 30% of the cheapest page" in line
    assert "GET / (home page, signed out): 1200.0 req/s" in line and line.rstrip().endswith("met")
    results[2]["rps"] = 240.0
    assert _ranking_share(results, 2).rstrip().endswith("MISSED")
    assert "not measured" in _ranking_share(results, 8)
