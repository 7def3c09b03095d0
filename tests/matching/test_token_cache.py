"""API tokens are looked up once per `TOKEN_CACHE_SECONDS`, and never outlive a revocation:
deleting a token, deactivating, suspending or erasing its person drops the cached entry at
once; whatever skips the receivers (a raw update) is bounded by the 30 s expiry; a cache that
fails falls back to the database."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.cache.backends import locmem
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User
from config.authentication import TOKEN_CACHE_SECONDS, TokenAuthentication, token_cache_key
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(mcouncil):
    cache.clear()
    person = make.person(council=mcouncil)
    return Token.objects.create(user=person)


def _auth(key: str):
    return TokenAuthentication().authenticate_credentials(key)


def test_a_token_is_looked_up_once_then_served_from_the_cache(token, django_assert_num_queries):
    with django_assert_num_queries(1):
        user, found = _auth(token.key)
    assert (user.pk, found.key) == (token.user_id, token.key)
    with django_assert_num_queries(0):
        user, found = _auth(token.key)
    assert (user.pk, found.key) == (token.user_id, token.key)
    # The cache is keyed by a hash: the token itself is never a cache key.
    assert token.key not in token_cache_key(token.key)
    assert cache.get(token_cache_key(token.key)).key == token.key


def test_a_wrong_token_is_refused_and_not_cached(token):
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth("0" * 40)
    assert cache.get(token_cache_key("0" * 40)) is None


def test_a_revoked_token_is_refused_at_once(token):
    _auth(token.key)
    Token.objects.filter(key=token.key).delete()  # as "sign out everywhere" and erasure do
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(token.key)


def test_a_deactivated_person_is_refused_at_once(token):
    _auth(token.key)
    person = User.objects.get(pk=token.user_id)
    person.is_active = False
    person.save(update_fields=["is_active"])
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(token.key)


def test_a_suspension_is_seen_at_once(token):
    user, _ = _auth(token.key)
    assert not user.is_suspended
    person = User.objects.get(pk=token.user_id)
    person.suspended_at = person.date_joined
    person.save(update_fields=["suspended_at"])  # as safeguarding's suspension does
    user, _ = _auth(token.key)
    assert user.is_suspended


def test_a_change_the_receivers_miss_lasts_no_longer_than_the_expiry(token, monkeypatch):
    _auth(token.key)
    User.objects.filter(pk=token.user_id).update(is_active=False)  # no signal
    _auth(token.key)  # still cached: the bound is the expiry
    later = time.time() + TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(token.key)
    assert TOKEN_CACHE_SECONDS <= 30


def test_a_failing_cache_falls_back_to_the_database(token, monkeypatch, django_assert_num_queries):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    for _ in range(2):
        with django_assert_num_queries(1):
            user, _ = _auth(token.key)
        assert user.pk == token.user_id


def test_the_api_answers_with_a_cached_token_and_refuses_it_once_revoked(token, api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.get("/api/v1/me/").status_code == 200
    token.delete()
    assert api_client.get("/api/v1/me/").status_code == 401
