"""The benchmarks' own database (`kith_bench`, or BENCH_DATABASE_URL): made if missing,
migrated, and Django set up on it; and where each run's figures are kept as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent


def bench_url(name: str = "kith_bench") -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    base = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/kith")
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def open_bench_database(name: str = "kith_bench") -> None:
    """Point Django at the bench database `name` (never the quick start's; BENCH_DATABASE_URL
    wins), make it if missing, set Django up and migrate."""
    url = bench_url(name)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
    # Our own interpreter running our own script on the configured URL.
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py"), url], check=True
    )
    import django  # noqa: PLC0415 - only once the settings are chosen

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    call_command("migrate", verbosity=0)


def keep_results(results: dict, name: str) -> Path:
    """Write a run's figures to benchmarks/results/<name>-<time>.json."""
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    return path
