"""Redis stopped: Kith degrades rather than fails.

Kith runs as in production (gunicorn with two workers, production settings) against a Redis
of this test's own, which the test stops by its process id. Then, from several clients at
once, the key pages and API calls (signed out and signed in, the ranking included, a sign-in
and a write) all answer without a single error: the cache and the rate limits fall back to
each process (`config.cache`), work for the worker waits in the database for the beat jobs.
`/healthz` answers 200 "degraded", naming the parts that are down, so a load balancer keeps
every web node in service.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.kit import factories as make
from tests.kit.tokens import api_token
from tests.kit.worker import _database_url
from tests.ops.test_outages import private_redis, serve  # noqa: F401 – fixtures

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery"
CLIENTS = 6
ROUNDS = 3


def _sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    # The cookies are Secure (__Host-) in production; this test speaks plain HTTP on loopback.
    csrf = page.cookies["__Host-kith_csrf"]
    answer = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": PASSWORD},
        headers={"Referer": base + "/accounts/login/"},
        cookies={"__Host-kith_csrf": csrf},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:2000]
    session.cookies.set("__Host-kith_session", answer.cookies["__Host-kith_session"])
    return session


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_redis_stopped_key_pages_and_api_calls_answer_and_healthz_is_degraded(
    private_redis,  # noqa: F811
    serve,  # noqa: F811
):
    from django.db import connection

    council = make.council()
    owner = make.person(council=council, home=make.point_at(0, 0))
    # Hashed as production checks it (the test settings hash with MD5, which it refuses).
    owner.password = PBKDF2PasswordHasher().encode(PASSWORD, "kithtestsalt", iterations=1000)
    owner.save(update_fields=["password"])
    need = make.need_row(council=council, owner=owner, at=make.point_at(0, 0))
    for east in (300, 900, 1500):
        make.offer_row(council=council, at=make.point_at(east, 0), radius_m=3000)
    api = {"Authorization": f"Bearer {api_token(owner)}"}

    base = serve(
        database_url=_database_url(connection.settings_dict),
        redis_port=private_redis["port"],
        WEB_CONCURRENCY="2",
        CELERY_TASK_ALWAYS_EAGER="False",
        KITH_API_RATE_ANON="10000/min",
        KITH_API_RATE_USER="10000/min",
    )
    ranking = requests.get(f"{base}/api/v1/needs/{need.pk}/matches/", headers=api, timeout=30)
    assert ranking.status_code == 200
    ranked = ranking.json()
    assert len(ranked) == 3  # the three helpers nearby
    assert requests.get(base + "/healthz", timeout=30).json()["checks"]["cache"]["ok"] is True

    private_redis["process"].kill()
    private_redis["process"].wait(timeout=10)

    signed_in = _sign_in(base, owner.email)  # allauth's rate limits count in the process
    anonymous = [
        "/",
        "/accounts/login/",
        "/api/v1/open/stats/",
    ]
    with_token = ["/api/v1/me/", f"/api/v1/needs/{need.pk}/matches/", "/api/v1/categories/"]
    with_session = ["/needs/", f"/needs/{need.pk}/"]

    def one_client(n: int) -> list[tuple[str, int]]:
        answers = []
        for _ in range(ROUNDS):
            for path in anonymous:
                answers.append((path, requests.get(base + path, timeout=30).status_code))
            for path in with_token:
                got = requests.get(base + path, headers=api, timeout=30)
                answers.append((path, got.status_code))
            for path in with_session:
                got = signed_in.get(base + path, allow_redirects=False, timeout=30)
                answers.append((path, got.status_code))
            put = requests.put(
                base + "/api/v1/me/alerts/", json={"opted_in": n % 2 == 0}, headers=api, timeout=30
            )
            answers.append(("PUT /api/v1/me/alerts/", put.status_code))
        return answers

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = [a for client in pool.map(one_client, range(CLIENTS)) for a in client]

    per_round = len(anonymous) + len(with_token) + len(with_session) + 1
    assert len(answers) == CLIENTS * ROUNDS * per_round
    errors = [(path, status) for path, status in answers if status != 200]
    assert errors == []
    # The ranking is the same as with Redis up.
    again = requests.get(f"{base}/api/v1/needs/{need.pk}/matches/", headers=api, timeout=30)
    assert again.status_code == 200 and again.json() == ranked

    health = requests.get(base + "/healthz", timeout=30)
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["down"] == ["cache", "broker", "worker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["cache"]["error"] == "cache unreachable"
