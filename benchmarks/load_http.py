"""`make bench-load` — requests per second through gunicorn with 1 and 2 workers.

Starts gunicorn (production settings, plain HTTP on loopback, Redis cache) against the
database in DATABASE_URL (else .env, else the quick-start database), loads the demo data when
it is missing, and drives each target with a closed-loop load generator: C concurrent
connections spread over several client processes, each request a new connection (gunicorn's
sync workers close after each response). Prints requests/second, p50/p95/p99 latency and
errors per target and worker count; the JSON goes to benchmarks/results/load-http.json.

The load generator runs on the same machine and competes with gunicorn for CPU: the figures
are a floor for one machine of this size, not a capacity figure for a real deployment.

Usage: python -m benchmarks.load_http [--workers 1,2] [--concurrency 50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8097"))


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    env_file = ROOT / ".env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                return line.split("=", 1)[1]
    return "postgis://postgres@127.0.0.1:5432/kith"


def _server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KITH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="False",
        DATABASE_URL=_database_url(),
        REDIS_URL=os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/12"),
        CELERY_TASK_ALWAYS_EAGER="True",
        # The load generator is one person sending thousands of requests: lift the throttle.
        KITH_API_RATE_USER="100000000/min",
        KITH_API_RATE_ANON="100000000/min",
        # One access-log line per request would measure the terminal, not Kith.
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


_PREPARE = r"""
import json, django
django.setup()
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from accounts.models import User
if not User.objects.filter(email="citizen@kith.example").exists():
    call_command("seed_demo")
citizen = User.objects.get(email="citizen@kith.example")
token, _ = Token.objects.get_or_create(user=citizen)
from marketplace.models import Need
need = Need.objects.filter(owner=citizen, status="open").order_by("id").first()
print(json.dumps({"token": token.key, "need": need.pk if need else None}))
"""


def _prepare(env: dict[str, str]) -> dict:
    subprocess.run(  # noqa: S603 – fixed arguments
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    out = subprocess.run(  # noqa: S603 – fixed script
        [sys.executable, "-c", _PREPARE], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _client(args) -> tuple[list[float], int, int]:
    path, headers, threads, seconds = args
    import threading

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop():
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                ok = response.status == 200
            except OSError:
                ok = False
            if ok:
                mine.append(time.perf_counter() - started)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return latencies, errors[0], len(latencies) + errors[0]


def _drive(path: str, headers: dict, *, concurrency: int, seconds: float) -> dict:
    procs = min(4, concurrency)
    per = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    with mp.get_context("fork").Pool(procs) as pool:
        results = pool.map(_client, [(path, headers, n, seconds) for n in per])
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    total = sum(r[2] for r in results)

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": total,
        "errors": errors,
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "p99_ms": round(pct(0.99), 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
    }


def _wait_healthy(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    opts = parser.parse_args()

    env = _server_env()
    prepared = _prepare(env)
    auth = {"Host": "localhost", "Authorization": f"Token {prepared['token']}"}
    targets = [("/healthz", "GET /healthz (database + Redis checks)", {"Host": "localhost"})]
    if prepared["need"]:
        targets.append(
            (f"/api/v1/needs/{prepared['need']}/matches/", "GET ranking for a need (API)", auth)
        )
    targets.append(("/api/v1/categories/", "GET /api/v1/categories/ (API)", auth))

    print(
        f"Kith HTTP load — {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"{opts.concurrency} concurrent connections, {opts.seconds:.0f} s per run, "
        "client on the same machine\n"
    )
    results = []
    for workers in [int(w) for w in opts.workers.split(",")]:
        server = subprocess.Popen(  # noqa: S603 – fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "--workers", str(workers), "--bind", f"127.0.0.1:{PORT}", "--backlog", "2048"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            _wait_healthy()
            for path, label, headers in targets:
                _drive(path, headers, concurrency=4, seconds=2)  # warm up
                figures = _drive(path, headers, concurrency=opts.concurrency, seconds=opts.seconds)
                results.append({"workers": workers, "target": label, "path": path, **figures})
                print(
                    f"workers={workers}  {label:<42} {figures['rps']:>8} req/s  "
                    f"p50 {figures['p50_ms']:>6} ms  p95 {figures['p95_ms']:>6} ms  "
                    f"p99 {figures['p99_ms']:>6} ms  "
                    f"errors {figures['errors']}/{figures['requests']}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    out = ROOT / "benchmarks" / "results" / "load-http.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"concurrency": opts.concurrency, "seconds": opts.seconds, "results": results}, indent=2
        )
    )
    print(f"\nJSON: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
