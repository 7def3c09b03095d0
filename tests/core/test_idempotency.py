"""`Idempotency-Key` on creating requests (core.idempotency): a retry with the same key and
body replays the first answer and makes nothing new, even when both arrive at once; the same
key with another body is refused; keys are kept a day and go with the person's erasure."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.idempotency import idempotency_keys_expire
from core.models import IdempotencyKey
from marketplace.models import Need
from privacy.erasure import person_erase
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

NEED = {
    "category": "dog-walking",
    "title": "Walk my spaniel",
    "description": "He is friendly and likes the park.",
    "location": {"lat": 53.80, "lon": -1.55},
    "slots": [{"weekday": 0, "start": "09:00", "end": "11:00"}],
}
KEY = "5f0c6a3e-2b7d-4c1e-9a51-0d9d3c7b8e21"


@pytest.fixture
def citizen():
    return make.person(council=make.CouncilFactory(), display_name="Margaret")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client, body=NEED, key=KEY):
    return client.post("/api/v1/needs/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_answer_and_makes_nothing_new(citizen):
    api = client_for(citizen)
    first = _create(api)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    # Key order and spacing are not what makes a request different.
    again = _create(api, body=dict(reversed(list(NEED.items()))))
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Need.objects.filter(owner=citizen).count() == 1
    # Without a key, or with another, a second need is a second need.
    assert api.post("/api/v1/needs/", NEED, format="json").status_code == 201
    assert _create(api, key="another-key").status_code == 201
    assert Need.objects.filter(owner=citizen).count() == 3


def test_the_same_key_for_another_request_is_refused(citizen):
    api = client_for(citizen)
    assert _create(api).status_code == 201
    other = _create(api, body={**NEED, "title": "Feed my cat"})
    assert other.status_code == 422
    problem = other.json()
    assert problem["type"] == "urn:kith:problem:idempotency-key-reused"
    assert problem["code"] == "idempotency_key_reused"
    # The same key on another operation is another request too.
    offer = {
        "category": "dog-walking",
        "description": "I walk my own dog every morning.",
        "location": {"lat": 53.80, "lon": -1.55},
        "radius_m": 3000,
    }
    refused = api.post("/api/v1/offers/", offer, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert refused.status_code == 422
    assert Need.objects.filter(owner=citizen).count() == 1


def test_keys_are_each_persons_own(citizen):
    other = make.person(council=citizen.council, display_name="Bill")
    assert _create(client_for(citizen)).status_code == 201
    theirs = _create(client_for(other))
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs
    assert Need.objects.filter(owner=other).count() == 1


def test_a_refusal_is_not_kept_so_a_corrected_retry_works(citizen):
    api = client_for(citizen)
    refused = _create(api, body={**NEED, "title": ""})
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert _create(api, body={**NEED, "title": ""}).status_code == 400
    assert Need.objects.count() == 0


def test_a_key_that_is_not_one_is_refused(citizen):
    response = _create(client_for(citizen), key="has spaces in it")
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert Need.objects.count() == 0


def test_only_the_keys_hash_is_kept(citizen):
    _create(client_for(citizen))
    row = IdempotencyKey.objects.get()
    assert KEY not in row.key_hash and len(row.key_hash) == 64
    assert row.person_id == citizen.pk and row.status_code == 201


def test_keys_are_forgotten_after_a_day(citizen):
    api = client_for(citizen)
    _create(api)
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    # An old key is not replayed: the request is a new one.
    again = _create(api)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Need.objects.filter(owner=citizen).count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    fresh = _create(client_for(make.person(council=citizen.council)))
    assert fresh.status_code == 201
    assert idempotency_keys_expire() == 1
    assert IdempotencyKey.objects.count() == 1


def test_erasure_takes_the_persons_keys(citizen):
    _create(client_for(citizen))
    person_erase(person=citizen)
    assert not IdempotencyKey.objects.filter(person=citizen).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_retries_at_the_same_moment_make_one_need(citizen):
    """Both requests are held at the key's insert (a SHARE lock on its table, which reads pass)
    until both are in flight: without the row taken before the work, in the work's
    transaction, both would make a need."""
    answers: list = []
    ready = threading.Barrier(3)

    def send() -> None:
        try:
            client = client_for(citizen)
            ready.wait(timeout=10)
            answers.append(_create(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {IdempotencyKey._meta.db_table} IN SHARE MODE")
        for thread in threads:
            thread.start()
        ready.wait(timeout=10)
        threading.Event().wait(1.5)  # both requests are now in flight
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert answers[0].json() == answers[1].json()
    assert Need.objects.filter(owner=citizen).count() == 1
