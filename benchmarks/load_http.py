"""`make bench-load` and `make bench-soak` — Kith over HTTP, through gunicorn, on loopback.

Starts gunicorn (production settings, plain HTTP on loopback, Redis cache) against the
database in DATABASE_URL (else .env, else the quick-start database), loads the demo data when
it is missing, puts nginx in front of it as a deployment does (deploy/nginx.conf), and drives
that with wrk (C, one event-loop thread, so the load generator takes little of the CPU it
shares with gunicorn and PostgreSQL): C concurrent keep-alive connections, closed loop.

The requests are spread over up to 50 demo people, each with their own API token or signed-in
session and their own open need, as many people using Kith at once would be.

Load (default): each key page and API call in turn, for each worker count, twice: `busy`
connections that send the next request as soon as the last is answered (the most the machine
serves), and `people` connections that pause about a second between requests, as people do.
Prints requests per second, p50/p95/p99 latency and errors beside the targets (0 errors; p99
under 250 ms for the API ranking call). Soak (`--soak 600`): every target mixed for the whole
time on connections that pause as people do (`--think`), figures and the gunicorn processes'
memory each minute, worker recycling off so that a leak would show.
JSON goes to benchmarks/results/.

The load generator, PostgreSQL and Redis run on the same machine and compete with gunicorn for
CPU: the figures are a floor for one machine of this size, not a capacity figure.

Usage: python -m benchmarks.load_http [--workers 2,4] [--concurrency 50] [--seconds 10]
                                      [--think 1000]
       python -m benchmarks.load_http --soak 600 [--workers 4]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8097"))  # gunicorn
PROXY_PORT = PORT - 1  # nginx, in front of it as in a deployment
LUA = ROOT / "benchmarks" / "wrk_report.lua"
GUNICORN_LOG = ROOT / "benchmarks" / "results" / "load-gunicorn.log"  # gunicorn's log of a run
RANKING_P99_LIMIT_MS = 250
# The API ranking's throughput, busy, at least this share of the cheapest page's.
RANKING_SHARE_TARGET = 0.25
# A Redis address where nothing listens (port 1), for `--redis-down`.
REDIS_DOWN_URL = "redis://127.0.0.1:1/0"
PEOPLE = 50


def _database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    env_file = ROOT / ".env"
    if env_file.is_file():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                return line.split("=", 1)[1]
    return "postgis://postgres@127.0.0.1:5432/kith"


def _server_env(*, redis_down: bool = False) -> dict[str, str]:
    """gunicorn's environment; `redis_down` points Kith at a Redis address where nothing
    listens, as when Redis has stopped (cache, throttles, broker and /healthz must cope)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KITH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        # Production settings refuse the development key; the run reads no encrypted field.
        KITH_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="False",
        DATABASE_URL=_database_url(),
        REDIS_URL=REDIS_DOWN_URL
        if redis_down
        else os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/12"),
        CELERY_TASK_ALWAYS_EAGER="True",
        # Each demo person here sends several requests a second, far above what the per-person
        # API throttle allows a real person: lift it for the run.
        KITH_API_RATE_USER="100000000/min",
        KITH_API_RATE_ANON="100000000/min",
        # One access-log line per request would measure the terminal, not Kith.
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


_PREPARE = r"""
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from tests.kit.tokens import api_token
from accounts.models import User
from marketplace.models import Need
from matching.candidates import ranked_offers_for_need
if not User.objects.filter(email="citizen@kith.example").exists():
    call_command("seed_demo")
people = []
needs = (
    Need.objects.filter(status="open", owner__email__endswith="kith.example")
    .select_related("owner", "category", "council")
    .order_by("owner__email", "id")
)
seen = set()
for need in needs:
    if need.owner_id in seen or not ranked_offers_for_need(need=need):
        continue
    seen.add(need.owner_id)
    token = api_token(need.owner, scopes=("read",), days=7, name="Load test")
    client = Client(HTTP_HOST="localhost")
    client.force_login(need.owner, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    people.append({"need": need.pk, "token": token, "cookie": cookie})
    if len(people) >= PEOPLE:
        break
print(json.dumps(people))
""".replace("PEOPLE", str(PEOPLE))


def _prepare(env: dict[str, str]) -> list[dict]:
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(  # noqa: S603 – fixed arguments
            [sys.executable, "manage.py", *command],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
    out = subprocess.run(  # noqa: S603 – fixed script
        [sys.executable, "-c", _PREPARE], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    people = json.loads(out.stdout.strip().splitlines()[-1])
    if not people:
        raise SystemExit("No demo need has helpers to rank: run `manage.py seed_demo`.")
    return people


def _targets(people: list[dict]) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(label, requests) per target; each request is (path, headers)."""
    token = [(f"Authorization: Bearer {p['token']}", p) for p in people]
    cookie = [(f"Cookie: {p['cookie']}", p) for p in people]
    return [
        ("GET / (home page, signed out)", [("/", [])]),
        ("GET /accounts/login/ (sign-in page)", [("/accounts/login/", [])]),
        ("GET /needs/ (my needs, signed in)", [("/needs/", [h]) for h, _ in cookie]),
        (
            "GET /needs/<id>/ (need page + ranked helpers)",
            [(f"/needs/{p['need']}/", [h]) for h, p in cookie],
        ),
        (
            "GET /api/v1/needs/<id>/matches/ (API ranking)",
            [(f"/api/v1/needs/{p['need']}/matches/", [h]) for h, p in token],
        ),
        ("GET /api/v1/categories/ (API)", [("/api/v1/categories/", [h]) for h, _ in token]),
        ("GET /healthz (database + Redis checks)", [("/healthz", [])]),
    ]


def _check_all_answer_200(requests: list[tuple[str, list[str]]]) -> None:
    """wrk counts only 4xx/5xx as errors: make sure every request is a 200 (not, say, a
    redirect to the sign-in page) before and after a run."""
    for path, headers in requests:
        conn = http.client.HTTPConnection("127.0.0.1", PROXY_PORT, timeout=30)
        conn.request("GET", path, headers=dict(h.split(": ", 1) for h in headers))
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}, not 200")


def _wrk(requests, *, concurrency: int, seconds: float, think_ms: int = 0) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for path, headers in requests:
            listing.write("\t".join([path, *headers]) + "\n")
    try:
        out = subprocess.run(  # noqa: S603 – fixed arguments
            [shutil.which("wrk") or "wrk", "-t1", f"-c{concurrency}", f"-d{seconds:g}s",
             "--timeout", "30s", "-s", str(LUA), f"http://127.0.0.1:{PROXY_PORT}", "--",
             listing.name, str(think_ms)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    finally:
        os.unlink(listing.name)
    raw = json.loads(out.stdout.strip().splitlines()[-1])
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    errors += raw["status_errors"]
    seconds_run = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "errors": errors,
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p95_ms": round(raw["p95_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
    }


def _wait_healthy(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not become healthy")


_NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream kith {{ server 127.0.0.1:{port}; }}
    server {{
        listen 127.0.0.1:{proxy_port} backlog=4096;
        location / {{
            proxy_pass http://kith;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def _start_nginx(tmp: Path) -> subprocess.Popen:
    """nginx in front of gunicorn, as deploy/nginx.conf puts it in a deployment: it reads each
    request whole before handing it to a sync worker and holds the idle connections of people
    between requests, which a sync worker cannot do without being tied up."""
    conf = tmp / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(tmp=tmp, port=PORT, proxy_port=PROXY_PORT))
    proxy = subprocess.Popen(  # noqa: S603 – fixed arguments
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    return proxy


def _start_gunicorn(env: dict[str, str], workers: int) -> subprocess.Popen:
    GUNICORN_LOG.parent.mkdir(exist_ok=True)
    # Its log goes to a file: a pipe nobody reads fills up and then stalls every worker.
    with GUNICORN_LOG.open("ab") as log:
        server = subprocess.Popen(  # noqa: S603 – fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "--workers", str(workers), "--bind", f"127.0.0.1:{PORT}", "--backlog", "2048"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    _wait_healthy()
    return server


def _rss_kib(master: int) -> tuple[int, int]:
    """Resident memory of the gunicorn master and of all its workers (KiB)."""

    def rss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return rss(master), sum(rss(int(pid)) for pid in children)


def _machine_line() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start"
    )


def _line(workers: int, label: str, mode: str, f: dict, limit: str = "") -> str:
    return (
        f"workers={workers}  {label:<48} {mode:<7} {f['rps']:>7} req/s  p50 {f['p50_ms']:>6} ms  "
        f"p95 {f['p95_ms']:>6} ms  p99 {f['p99_ms']:>6} ms  errors {f['errors']}/{f['requests']}"
        f" (limit 0){limit}"
    )


def run_load(opts, env, people) -> list[dict]:
    """Each target twice with the same 50 connections: `busy`, every connection sending its
    next request as soon as the last is answered (the most the machine can serve: latency is
    then mostly queueing, 50 ÷ throughput), and `people`, each connection a person who pauses
    about `--think` ms between requests, as people reading pages (or an app between screens)
    do. The ranking limit is judged on both and printed beside each."""
    targets = _targets(people)
    print(f"Kith HTTP load — {_machine_line()}")
    print(
        f"{opts.concurrency} concurrent connections from wrk, {opts.seconds:g} s per run after a "
        f"{opts.warmup:g} s warm-up, requests spread over {len(people)} demo people; `people` "
        f"runs pause {opts.think} ms (±50 %) between a connection's requests; client on the same "
        "machine\n"
    )
    results = []
    for workers in [int(w) for w in opts.workers.split(",")]:
        server = _start_gunicorn(env, workers)
        try:
            for label, requests in targets:
                _check_all_answer_200(requests)
                _wrk(requests, concurrency=4, seconds=opts.warmup)  # warm up
                for mode, think in (("busy", 0), ("people", opts.think)):
                    figures = _wrk(
                        requests, concurrency=opts.concurrency, seconds=opts.seconds,
                        think_ms=think,
                    )  # fmt: skip
                    limit = ""
                    if "API ranking" in label:
                        met = figures["p99_ms"] < RANKING_P99_LIMIT_MS and not figures["errors"]
                        limit = f"; p99 limit {RANKING_P99_LIMIT_MS} ms: " + (
                            "met" if met else "MISSED"
                        )
                    results.append(
                        {"workers": workers, "target": label, "mode": mode, "think_ms": think,
                         **figures}
                    )  # fmt: skip
                    print(_line(workers, label, mode, figures, limit))
                _check_all_answer_200(requests)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(_ranking_share(results, workers))
    return results


def _ranking_share(results: list[dict], workers: int) -> str:
    """The API ranking's busy throughput as a share of the cheapest page's (the signed-out
    page served fastest in the same run), beside its target."""
    busy = {
        r["target"]: r["rps"] for r in results if r["workers"] == workers and r["mode"] == "busy"
    }
    pages = {t: rps for t, rps in busy.items() if "signed out" in t or "sign-in page" in t}
    ranking = next((rps for t, rps in busy.items() if "API ranking" in t), None)
    if not pages or ranking is None:
        return f"workers={workers}  ranking share: not measured"
    cheapest, top = max(pages.items(), key=lambda item: item[1])
    share = ranking / top if top else 0.0
    verdict = "met" if share >= RANKING_SHARE_TARGET else "MISSED"
    return (
        f"workers={workers}  API ranking {ranking} req/s = {share:.0%} of the cheapest page "
        f"({cheapest}: {top} req/s); target >= {RANKING_SHARE_TARGET:.0%}: {verdict}\n"
    )


def run_soak(opts, env, people) -> list[dict]:
    workers = int(opts.workers.split(",")[-1])
    mixed = [request for _, requests in _targets(people) for request in requests]
    env = {**env, "GUNICORN_MAX_REQUESTS": "0"}  # recycling would hide a leak
    print(f"Kith HTTP soak — {_machine_line()}")
    print(
        f"{opts.soak:g} s of every target mixed, {opts.concurrency} connections pausing "
        f"{opts.think} ms (±50 %) between requests, {workers} gunicorn workers, worker "
        "recycling off\n"
    )
    server = _start_gunicorn(env, workers)
    minutes = []
    try:
        _check_all_answer_200(mixed)
        _wrk(mixed, concurrency=4, seconds=5)  # warm up: imports, caches, connections
        start_master, start_workers = _rss_kib(server.pid)
        print(f"after warm-up: master {start_master / 1024:.0f} MiB, workers "
              f"{start_workers / 1024:.0f} MiB in all")  # fmt: skip
        elapsed = 0.0
        while elapsed < opts.soak:
            chunk = min(60.0, opts.soak - elapsed)
            figures = _wrk(mixed, concurrency=opts.concurrency, seconds=chunk, think_ms=opts.think)
            elapsed += chunk
            master, workers_rss = _rss_kib(server.pid)
            minutes.append({"t_s": elapsed, **figures, "workers_rss_kib": workers_rss,
                            "master_rss_kib": master})  # fmt: skip
            print(
                f"t={elapsed:>5.0f} s  {figures['rps']:>7} req/s  p99 {figures['p99_ms']:>6} ms  "
                f"errors {figures['errors']}/{figures['requests']}  "
                f"workers {workers_rss / 1024:.1f} MiB  master {master / 1024:.1f} MiB"
            )
        _check_all_answer_200(mixed)
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(m["requests"] for m in minutes)
    errors = sum(m["errors"] for m in minutes)
    growth = (minutes[-1]["workers_rss_kib"] - minutes[0]["workers_rss_kib"]) / 1024
    print(
        f"\n{total} requests, {errors} errors (limit 0); worker memory "
        f"{minutes[0]['workers_rss_kib'] / 1024:.1f} MiB after the first minute, "
        f"{minutes[-1]['workers_rss_kib'] / 1024:.1f} MiB at the end ({growth:+.1f} MiB)"
    )
    return minutes


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # show each figure as it comes, even in a file
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--think", type=int, default=1000, help="pause between requests, ms")
    parser.add_argument("--soak", type=float, default=0, help="soak for this many seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up per target, seconds")
    parser.add_argument(
        "--results", type=Path, default=ROOT / "benchmarks" / "results", help="JSON goes here"
    )
    parser.add_argument(
        "--redis-down",
        action="store_true",
        help="run with Redis unreachable: every page and API call must still answer 200",
    )
    opts = parser.parse_args()
    if not shutil.which("wrk") or not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        raise SystemExit("wrk or nginx is missing: `bash scripts/kith.sh loadgen` installs them.")

    env = _server_env(redis_down=opts.redis_down)
    if opts.redis_down:
        print(f"Redis unreachable for this run ({REDIS_DOWN_URL}): degraded, not failing")
    people = _prepare(env)
    with tempfile.TemporaryDirectory(prefix="kith-nginx-") as tmp:
        proxy = _start_nginx(Path(tmp))
        try:
            if opts.soak:
                results, name = run_soak(opts, env, people), "soak-http.json"
            else:
                results, name = run_load(opts, env, people), "load-http.json"
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)
    if opts.redis_down:
        name = name.replace(".json", "-redis-down.json")
    out = opts.results / name
    out.parent.mkdir(parents=True, exist_ok=True)
    options = {k: str(v) if isinstance(v, Path) else v for k, v in vars(opts).items()}
    out.write_text(json.dumps({"options": options, "results": results}, indent=2))
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
