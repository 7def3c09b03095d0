"""Outages answer "try again", not a server error, and lose nothing.

Kith runs here as in production (gunicorn, production settings) against a Redis of the
test's own, which the test stops by its process id, and against a database port nobody
listens on:
- with the cache gone, rate limits fall back to counting in the process, so open data and
  the sign-in page still answer;
- with the database unreachable, pages and API calls answer 503 with Retry-After: a
  problem document under /api/, a page of Kith's own elsewhere.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from cryptography.fernet import Fernet

from tests.kit.worker import _database_url

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, on a port of its own, stopped by its process id."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("This test needs redis-server: apt-get install redis-server")
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 – fixed arguments
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the private redis-server did not start")
            time.sleep(0.05)
    yield {"port": port, "process": proc}
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def _serve(*, database_url: str, redis_port: int, log: Path, **extra_env: str):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KITH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        KITH_FIELD_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=database_url,
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        KITH_API_RATE_ANON="5/min",
    )
    env.update(extra_env)
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 – fixed arguments
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(base + "/healthz", timeout=10)
            return proc, base
        except (requests.ConnectionError, requests.Timeout):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(**kwargs):
        proc, base = _serve(log=tmp_path / f"gunicorn-{len(started)}.log", **kwargs)
        started.append(proc)
        return base

    yield start
    for proc in started:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_cache_stopped_open_data_and_sign_in_still_answer(private_redis, serve):
    from django.db import connection

    database_url = _database_url(connection.settings_dict)
    base = serve(database_url=database_url, redis_port=private_redis["port"])
    assert requests.get(base + "/api/v1/open/stats/", timeout=10).status_code == 200

    private_redis["process"].kill()
    private_redis["process"].wait(timeout=10)

    answers = [requests.get(base + "/api/v1/open/stats/", timeout=10) for _ in range(7)]
    # Rate limits still count (5 a minute here), in the process instead of in Redis.
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert "too many requests" in answers[-1].json()["detail"]

    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": "nobody@example.org", "password": "x" * 12},
        headers={"Referer": base + "/accounts/login/"},
        # The CSRF cookie is Secure in production; this test speaks plain HTTP on loopback.
        cookies={"__Host-kith_csrf": page.cookies["__Host-kith_csrf"]},
        timeout=10,
    )
    assert answer.status_code == 200  # the form again, with its message: not a server error
    assert "Server Error" not in answer.text


def test_with_the_database_unreachable_everything_answers_503_try_again(private_redis, serve):
    nobody = _free_port()  # nothing listens here
    base = serve(
        database_url=f"postgis://postgres@127.0.0.1:{nobody}/kith", redis_port=private_redis["port"]
    )
    api = requests.get(base + "/api/v1/open/stats/", timeout=10)
    assert api.status_code == 503
    assert int(api.headers["Retry-After"]) > 0
    assert api.headers["Content-Type"].startswith("application/problem+json")
    problem = api.json()
    assert problem["status"] == 503 and "try again" in problem["detail"].lower()

    # A returning visitor: their session is read from the database.
    page = requests.get(base + "/", cookies={"__Host-kith_session": "a" * 32}, timeout=10)
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert page.headers["Content-Type"].startswith("text/html")
    assert "try again" in page.text.lower() and "Server Error (500)" not in page.text
