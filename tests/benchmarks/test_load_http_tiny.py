"""`make bench-load` at a tiny size, so that it cannot rot: the real command (gunicorn with
production settings behind nginx, driven by wrk) on a database of its own with the demo
data, one worker, two connections, one second per run. It checks what every run found (every
page and API call answered, none failed), never the timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import urlparse, urlunparse

import pytest

from benchmarks.load_http import ROOT

pytestmark = pytest.mark.slow


def _own_database() -> str:
    base = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/kith")
    url = urlunparse(urlparse(base)._replace(path="/kith_load_tiny"))
    subprocess.run(  # noqa: S603 - our interpreter, our script
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url],
        check=True,
        capture_output=True,
    )
    return url


def test_bench_load_runs_every_target_without_an_error(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _own_database(),
        "BENCH_LOAD_PORT": "8187",  # nginx on 8186
        "BENCH_LOAD_REDIS_URL": "redis://127.0.0.1:6379/13",
    }
    done = subprocess.run(  # noqa: S603 - our interpreter, our module
        [
            sys.executable, "-m", "benchmarks.load_http", "--workers", "1",
            "--concurrency", "2", "--seconds", "1", "--warmup", "1", "--think", "100",
            "--results", str(tmp_path),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    runs = json.loads((tmp_path / "load-http.json").read_text())["results"]
    targets = {run["target"] for run in runs}
    assert any("API ranking" in t for t in targets)
    assert any("need page" in t for t in targets)
    assert {run["mode"] for run in runs} == {"busy", "people"}
    for run in runs:
        assert run["requests"] > 0, run
        assert run["errors"] == 0, run
    assert "of the cheapest page" in done.stdout
