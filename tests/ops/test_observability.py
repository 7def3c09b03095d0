"""Structured logs with the request id, slow-query logging, and Prometheus metrics."""

import io
import json
import logging
import os

import pytest
import redis
from django.db import connection
from django.test import override_settings

from config.logging import JsonFormatter, RequestIdFilter
from tests.kit import factories as make
from tests.kit.tokens import api_token
from tests.kit.worker import BROKER

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """Formatted output of the kith.* loggers, as the production handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("kith")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


def test_access_log_is_json_with_the_request_id(client, user, json_log):
    client.force_login(user)
    response = client.get("/api/v1/me/", HTTP_X_REQUEST_ID="req-12345678")
    assert response["X-Request-ID"] == "req-12345678"
    entries = [e for e in json_log() if e.get("event") == "request"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["request_id"] == "req-12345678"
    assert entry["logger"] == "kith.request"
    assert entry["method"] == "GET" and entry["path"] == "/api/v1/me/"
    assert entry["status"] == 200 and entry["user_id"] == user.pk
    assert entry["duration_ms"] >= 0
    assert entry["time"].endswith("+00:00")
    assert user.email not in json.dumps(entries)


@override_settings(KITH_SLOW_QUERY_MS=50)
def test_slow_queries_are_logged_without_parameters(json_log):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s), %s", [0.08, "secret-value"])
        cursor.execute("SELECT 1")
    slow = [e for e in json_log() if e.get("event") == "slow_query"]
    assert len(slow) == 1
    assert slow[0]["sql"] == "SELECT pg_sleep(%s), %s"
    assert slow[0]["duration_ms"] >= 50
    assert "secret-value" not in json.dumps(slow)


def _metrics(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def operator():
    """A platform operator with an authenticator app (force_login records its code)."""
    user = make.UserFactory(is_superuser=True, is_staff=True)
    make.enrol_totp(user)
    return user


def test_metrics_refused_to_people_who_are_not_staff(client):
    assert client.get("/metrics").status_code == 403
    client.force_login(make.UserFactory())
    response = client.get("/metrics")
    assert response.status_code == 403
    assert "operators" in response.content.decode()


def test_metrics_are_for_operators_with_their_second_factor_not_council_staff(client):
    """Every council's figures: council staff, even with two-factor sign-in, see only their
    own council's (the oversight page); an operator needs the code in this session."""
    council = make.council()
    client.force_login(make.staff(council=council, lives_here=True, with_home=False))
    assert client.get("/metrics").status_code == 403
    password_only = make.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(password_only)  # no authenticator: no second factor in the session
    assert client.get("/metrics").status_code == 403
    client.force_login(operator())
    assert client.get("/metrics").status_code == 200


@override_settings(KITH_METRICS_TOKEN="scrape-token-for-tests-0123456789")
def test_metrics_for_a_scraper_with_the_token(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests-0123456789")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")


def test_metrics_count_matches_and_time_to_match(client):
    import datetime as dt

    from django.utils import timezone

    from marketplace.models import Need
    from matching.services import match_accept, match_request

    council = make.council(slug="metric-town")
    need = make.need_row(council=council)
    offer = make.offer_row(council=council)
    match = match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=offer.helper, match_id=match.pk)
    # The need was recorded two hours before its match was accepted.
    Need.objects.filter(pk=need.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    make.need_row(council=council)  # still waiting

    client.force_login(operator())
    response = client.get("/metrics")
    assert response.status_code == 200
    values = _metrics(response.content.decode())
    assert values['kith_matches_made_total{council="metric-town"}'] == 1
    ttm = values['kith_time_to_match_seconds{council="metric-town",quantile="0.5"}']
    assert 7100 < ttm < 7300
    assert values['kith_needs_waiting{council="metric-town"}'] == 1


FULL, EMPTY = f"depth-a-{os.getpid()}", f"depth-b-{os.getpid()}"


@override_settings(CELERY_BROKER_URL=BROKER, KITH_CELERY_QUEUES=[FULL, EMPTY])
def test_metrics_report_queue_depth_from_the_broker(client):
    broker = redis.Redis.from_url(BROKER)
    broker.delete(FULL, EMPTY)
    try:
        broker.rpush(FULL, "a", "b", "c")
        person = operator()
        secret = api_token(person)
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Token {secret}")
        # A DRF token is not a session: /metrics wants a signed-in operator or its token.
        assert response.status_code == 403
        client.force_login(person)
        values = _metrics(client.get("/metrics").content.decode())
    finally:
        broker.delete(FULL, EMPTY)
    assert values[f'kith_queue_depth{{queue="{FULL}"}}'] == 3
    assert values[f'kith_queue_depth{{queue="{EMPTY}"}}'] == 0
    assert values["kith_broker_up"] == 1
