"""`make lighthouse` — Google Lighthouse with Debian's Chromium on Kith's key pages.

Starts Kith itself (gunicorn, production settings, plain HTTP on loopback, a free port) against
a database of its own (`kith_lighthouse` beside the one in DATABASE_URL, else .env; or
LIGHTHOUSE_DATABASE_URL), migrated and loaded with the demo data as `make run` does. Signed-in
pages are opened with a session made without typing a password: `force_login` in a small
script run with the server's settings, the session cookie passed to Lighthouse as an extra
Cookie header (for staff, the session also records the second factor, as after the
authenticator code). Every page is run in Lighthouse's mobile form (the default: a phone-sized
screen, slow network and CPU simulated) and its desktop form.

Writes docs/lighthouse.md (a table per form factor beside the targets: accessibility 100,
best practices at least 95, cumulative layout shift under 0.1; performance for information,
noisy on a shared machine, hence the load average beside it) and each JSON report to
benchmarks/results/lighthouse/ (git-ignored). Exits non-zero when a target is missed.

Usage: python -m benchmarks.lighthouse [--only LABEL ...] [--form-factor mobile|desktop|both]
                                       [--base-url URL]  (a Kith already running: signed-out
                                       pages only, no server or database is prepared)
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage"
RESULTS = ROOT / "benchmarks" / "results" / "lighthouse"
DOC = ROOT / "docs" / "lighthouse.md"
CATEGORIES = ("accessibility", "best-practices", "performance")
FORM_FACTORS = ("mobile", "desktop")
ATTEMPTS = 3

ACCESSIBILITY_TARGET = 100
BEST_PRACTICES_TARGET = 95
CLS_LIMIT = 0.1


@dataclass(frozen=True)
class Page:
    who: str  # "signed out", "citizen", "helper" or "staff"
    label: str
    path: str  # may name {need} or {match}, filled in from the demo data


PAGES = [
    Page("signed out", "start page", "/"),
    Page("signed out", "sign in", "/accounts/login/"),
    Page("signed out", "create an account", "/accounts/signup/"),
    Page("signed out", "accessibility statement", "/accessibility/"),
    Page("signed out", "privacy", "/privacy/"),
    Page("citizen", "home", "/home/"),
    Page("citizen", "your needs", "/needs/"),
    Page("citizen", "a need", "/needs/{need}/"),
    Page("citizen", "ask for help: first question", "/needs/new/"),
    Page("citizen", "what's new", "/whats-new/"),
    Page("citizen", "a match", "/matches/{match}/"),
    Page("helper", "helping", "/helping/"),
    Page("helper", "offer help: first question", "/offers/new/"),
    Page("staff", "console home", "/staff/"),
    Page("staff", "moderation", "/staff/moderation/"),
    Page("staff", "oversight", "/staff/oversight/"),
]

DEMO_CITIZEN = "citizen@kith.example"
DEMO_HELPER = "helper@kith.example"
DEMO_STAFF = "admin@kith.example"  # the council admin: every console page

# Run with the server's settings (and secret key, which signs the sessions): the demo data
# when missing, an authenticator for the demo admin in this database only, and one signed-in
# session per person. Prints JSON: the Cookie headers and the ids of a need and a match.
_SESSIONS = (
    r"""
import json, time, django
django.setup()
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from accounts.models import User
from accounts.second_factor import has_authenticator
from marketplace.models import Need
from matching.models import Match

if not User.objects.filter(email="CITIZEN").exists():
    call_command("seed_demo", stdout=open("/dev/null", "w"))

def cookie(email, *, second_factor=False):
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if second_factor:
        if not has_authenticator(user):
            TOTP.activate(user, generate_totp_secret())
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"

need = Need.objects.filter(owner__email="CITIZEN").order_by("id").first()
match = Match.objects.filter(need__owner__email="CITIZEN").order_by("id").first()
print(json.dumps({
    "cookies": {
        "citizen": cookie("CITIZEN"),
        "helper": cookie("HELPER"),
        "staff": cookie("STAFF", second_factor=True),
    },
    "need": need.pk if need else None,
    "match": match.pk if match else None,
}))
""".replace("CITIZEN", DEMO_CITIZEN)
    .replace("HELPER", DEMO_HELPER)
    .replace("STAFF", DEMO_STAFF)
)


# --- The database and the server -------------------------------------------------------------
def database_url() -> str:
    """LIGHTHOUSE_DATABASE_URL, else `kith_lighthouse` on the server of DATABASE_URL (else
    .env's, else the quick start's)."""
    if os.environ.get("LIGHTHOUSE_DATABASE_URL"):
        return os.environ["LIGHTHOUSE_DATABASE_URL"]
    url = os.environ.get("DATABASE_URL", "")
    env_file = ROOT / ".env"
    if not url and env_file.is_file():
        for line in env_file.read_text().splitlines():
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1].strip()
    url = url or "postgis://postgres@127.0.0.1:5432/kith"
    return urlunparse(urlparse(url)._replace(path="/kith_lighthouse"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database: str, port: int) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KITH_"))}
    env.pop("REDIS_URL", None)  # each process caches in its own memory: nothing shared to set up
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        KITH_FIELD_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # No TLS terminator here: plain HTTP on loopback, everything else as deployed.
        DJANGO_SECURE_SSL_REDIRECT="False",
        DATABASE_URL=database,
        CELERY_TASK_ALWAYS_EAGER="True",
        KITH_BASE_URL=f"http://127.0.0.1:{port}",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    return env


def prepare(env: dict[str, str]) -> dict:
    """The database, its migrations, the static files and the demo data; then the sessions."""
    py = sys.executable
    steps = [
        [py, "scripts/ensure_database.py", env["DATABASE_URL"]],
        [py, "manage.py", "migrate", "--noinput", "-v0"],
        [py, "manage.py", "collectstatic", "--noinput", "-v0"],
    ]
    for step in steps:
        subprocess.run(step, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    out = subprocess.run(  # noqa: S603 – a fixed script
        [py, "-c", _SESSIONS], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 – fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}); see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"gunicorn did not become healthy; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """Stop gunicorn by its pid (its workers follow their master); failing that, its process
    group, which it leads (`start_new_session`)."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: gunicorn and its workers
            server.wait()


# --- Lighthouse ----------------------------------------------------------------------------
def run_lighthouse(url: str, *, form_factor: str, cookie: str | None, report: Path) -> dict:
    """One Lighthouse run; returns the page's figures and what it found wrong."""
    if not LIGHTHOUSE.exists():
        raise FileNotFoundError(
            "node_modules/.bin/lighthouse is missing: run `bash scripts/kith.sh node`."
        )
    report.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--max-wait-for-load=60000",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    # On a busy machine Chromium now and then loses the trace of a load (Lighthouse's
    # NO_NAVSTART, NO_FCP): such a run measured nothing, so it is run again, up to three times.
    for attempt in range(1, ATTEMPTS + 1):
        report.unlink(missing_ok=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
        if done.returncode == 0 and report.exists():
            found = figures(json.loads(report.read_text()))
            if not found["runtime_error"]:
                return found
            error = found["runtime_error"]
        else:
            error = done.stderr[-3000:]
        print(f"  Lighthouse run {attempt} on {url} failed: {error.strip()[:300]}", flush=True)
    raise RuntimeError(f"Lighthouse failed {ATTEMPTS} times on {url}:\n{error}")


def figures(lhr: dict) -> dict:
    def score(category: str) -> int | None:
        value = lhr["categories"][category]["score"]
        return None if value is None else round(value * 100)

    audits = lhr["audits"]
    documents = [
        item
        for item in audits["network-requests"].get("details", {}).get("items", [])
        if item.get("resourceType") == "Document" and item.get("url") == lhr["finalDisplayedUrl"]
    ]
    failing = []
    for category in ("accessibility", "best-practices"):
        for ref in lhr["categories"][category]["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{ref['id']}: {audit['title']}")
    return {
        "url": lhr["finalDisplayedUrl"],
        "requested": lhr["requestedUrl"],
        "accessibility": score("accessibility"),
        "best_practices": score("best-practices"),
        "performance": score("performance"),
        "cls": audits["cumulative-layout-shift"].get("numericValue"),
        "status": documents[0].get("statusCode") if documents else None,
        "failing": failing,
        "runtime_error": (lhr.get("runtimeError") or {}).get("message"),
    }


def met(f: dict) -> bool:
    return (
        f["status"] == 200
        and f["accessibility"] == ACCESSIBILITY_TARGET
        and (f["best_practices"] or 0) >= BEST_PRACTICES_TARGET
        and f["cls"] is not None
        and f["cls"] < CLS_LIMIT
    )


# --- The report ----------------------------------------------------------------------------
def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()  # noqa: S607
    return (
        f"{platform.node()}, {os.cpu_count()} CPUs; load average {one:.2f} {five:.2f} "
        f"{fifteen:.2f} (`uptime`: {uptime})"
    )


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(rows: list[tuple[Page, dict]]) -> str:
    lines = [
        "| who | page | accessibility (100) | best practices (≥ 95) | CLS (< 0.1) "
        "| performance | targets |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page, f in rows:
        cls = "–" if f["cls"] is None else f"{f['cls']:.3f}"
        lines.append(
            f"| {page.who} | {page.label} (`{page.path}`) | {f['accessibility']} "
            f"| {f['best_practices']} | {cls} | {f['performance']} | {_mark(met(f))} |"
        )
    return "\n".join(lines)


def write_doc(results: dict[str, list[tuple[Page, dict]]], *, started: str, load: str) -> str:
    parts = [
        "# Lighthouse on Kith's key pages",
        "",
        "Written by `make lighthouse` (`benchmarks/lighthouse.py`), which overwrites this file "
        "with its latest run. Google Lighthouse (npm package `lighthouse`, pinned in "
        "package.json) with Debian's Chromium, headless, against Kith served by gunicorn with "
        "production settings on loopback over plain HTTP, with the demo data in a database of "
        "its own (`kith_lighthouse`). Signed-in pages use a session made with `force_login` "
        f"for the demo citizen ({DEMO_CITIZEN}), helper ({DEMO_HELPER}) and council admin "
        f"({DEMO_STAFF}, with the second factor recorded). JSON reports: "
        "`benchmarks/results/lighthouse/` (git-ignored).",
        "",
        "Targets (issue 19): accessibility 100, best practices at least 95, cumulative layout "
        "shift under 0.1. Performance is shown for information only: Lighthouse simulates a "
        "slow phone and network, and on this machine the CPU is shared with other work, so "
        "its figure moves with the load below.",
        "",
        f"- Run: {started}",
        f"- Machine: {load} at the start",
        f"- At the end: {load_line()}",
        f"- Lighthouse {_lighthouse_version()}, {_chromium_version()}",
    ]
    for form_factor, rows in results.items():
        missed = [f"{page.who}: {page.label}" for page, f in rows if not met(f)]
        parts += [
            "",
            f"## {'Mobile (Lighthouse default)' if form_factor == 'mobile' else 'Desktop'}",
            "",
            table(rows),
            "",
            f"All targets met on {len(rows) - len(missed)} of {len(rows)} pages"
            + (f"; missed on {', '.join(missed)}." if missed else "."),
        ]
        problems = sorted({item for _, f in rows for item in f["failing"]})
        if problems:
            parts += ["", "Audits not passed:", ""] + [f"- {p}" for p in problems]
    text = "\n".join(parts) + "\n"
    DOC.write_text(text)
    return text


def _lighthouse_version() -> str:
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"] if package.exists() else "(missing)"


def _chromium_version() -> str:
    out = subprocess.run([CHROME_PATH, "--version"], capture_output=True, text=True)  # noqa: S603
    found = re.search(r"Chromium [\d.]+", out.stdout)
    return found.group(0) if found else "Chromium"


# --- The run -------------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lighthouse")
    parser.add_argument("--only", nargs="*", help="page labels to run (default: every page)")
    parser.add_argument("--form-factor", choices=[*FORM_FACTORS, "both"], default="both")
    parser.add_argument(
        "--base-url", help="a Kith already running: only the signed-out pages, no server"
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="print the tables but leave docs/lighthouse.md"
    )
    return parser.parse_args(argv)


def run_pages(base: str, pages: list[Page], form_factors, ids: dict) -> dict:
    results: dict[str, list[tuple[Page, dict]]] = {}
    for form_factor in form_factors:
        rows = results.setdefault(form_factor, [])
        for page in pages:
            path = page.path.format(need=ids.get("need"), match=ids.get("match"))
            slug = re.sub(r"[^a-z0-9]+", "-", f"{page.who} {page.label}".lower()).strip("-")
            cookie = ids.get("cookies", {}).get(page.who)
            f = run_lighthouse(
                base + path,
                form_factor=form_factor,
                cookie=cookie,
                report=RESULTS / f"{form_factor}-{slug}.json",
            )
            if f["status"] != 200 or (
                page.who != "signed out" and urlparse(f["url"]).path.startswith("/accounts/")
            ):
                # Not the page meant (refused, or sent to sign in): its figures say nothing.
                f["failing"].append(f"{page.label}: answered {f['status']} at {f['url']}")
                f["status"] = f["status"] if f["status"] != 200 else "sign-in"
            rows.append((page, f))
            cls = "–" if f["cls"] is None else f"{f['cls']:.3f}"
            print(
                f"{form_factor:<7} {page.who:<10} {page.label:<30} accessibility "
                f"{f['accessibility']}  best practices {f['best_practices']}  CLS {cls}  "
                f"performance {f['performance']}  {'ok' if met(f) else 'MISSED'}",
                flush=True,
            )
    return results


def main(argv=None) -> int:
    opts = parse_args(argv)
    form_factors = FORM_FACTORS if opts.form_factor == "both" else (opts.form_factor,)
    pages = [p for p in PAGES if not opts.only or p.label in opts.only]
    if not pages:
        raise SystemExit(f"No page is called {opts.only}: {[p.label for p in PAGES]}")
    if not shutil.which(CHROME_PATH):
        raise SystemExit(f"{CHROME_PATH} is missing: run `bash scripts/kith.sh browser`.")
    started = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load = load_line()
    print(f"Lighthouse on Kith — {started}; {load}", flush=True)
    if opts.base_url:
        pages = [p for p in pages if p.who == "signed out"]
        results = run_pages(opts.base_url.rstrip("/"), pages, form_factors, {})
    else:
        port = free_port()
        env = server_env(database_url(), port)
        print(f"Preparing {urlparse(env['DATABASE_URL']).path.lstrip('/')} …", flush=True)
        ids = prepare(env)
        RESULTS.mkdir(parents=True, exist_ok=True)
        server = start_server(env, port, RESULTS / "gunicorn.log")
        print(f"Kith on http://127.0.0.1:{port} (gunicorn pid {server.pid})", flush=True)
        try:
            results = run_pages(f"http://127.0.0.1:{port}", pages, form_factors, ids)
        finally:
            stop_server(server)
    if not opts.no_doc:
        write_doc(results, started=started, load=load)
        print(f"Written to {DOC.relative_to(ROOT)}")
    return 0 if all(met(f) for rows in results.values() for _, f in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
