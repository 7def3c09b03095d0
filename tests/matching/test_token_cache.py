"""API tokens are looked up once per `TOKEN_CACHE_SECONDS`, and never outlive a revocation:
revoking a token, deactivating, suspending or erasing its person drops the cached entry at
once; whatever skips the receivers (a raw update) is bounded by the 30 s expiry; a cache that
fails falls back to the database."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.core.cache.backends import locmem
from rest_framework import exceptions

from accounts import tokens
from accounts.models import User
from accounts.token_models import PersonalAccessToken
from config.authentication import TOKEN_CACHE_SECONDS, TokenAuthentication, token_cache_key
from tests.kit import factories as make
from tests.kit.tokens import api_token

pytestmark = pytest.mark.django_db


class Made:
    def __init__(self, secret: str):
        self.key = secret
        self.row = PersonalAccessToken.objects.get(digest=tokens.token_digest(secret))
        self.user_id = self.row.user_id
        self.digest = self.row.digest


@pytest.fixture
def token(mcouncil):
    cache.clear()
    person = make.person(council=mcouncil)
    return Made(api_token(person))


def _auth(key: str):
    return TokenAuthentication().authenticate_credentials(key)


def test_a_token_is_looked_up_once_then_served_from_the_cache(token, django_assert_num_queries):
    # The lookup, and the first use recorded (then at most every few minutes).
    with django_assert_num_queries(2):
        user, found = _auth(token.key)
    assert (user.pk, found.pk) == (token.user_id, token.row.pk)
    with django_assert_num_queries(0):
        user, found = _auth(token.key)
    assert (user.pk, found.pk) == (token.user_id, token.row.pk)
    # The cache is keyed by a hash: the token itself is never a cache key.
    assert token.key not in token_cache_key(token.digest)
    assert cache.get(token_cache_key(token.digest)).pk == token.row.pk
    cache.clear()
    with django_assert_num_queries(1):  # used a moment ago: not written again
        _auth(token.key)


def test_a_wrong_token_is_refused_and_not_cached(token):
    wrong = "kith_pat_" + "0" * 43
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(wrong)
    assert cache.get(token_cache_key(tokens.token_digest(wrong))) is None


def test_a_revoked_token_is_refused_at_once(token, django_capture_on_commit_callbacks):
    _auth(token.key)
    with django_capture_on_commit_callbacks(execute=True):
        tokens.token_revoke(user=User.objects.get(pk=token.user_id), token_id=token.row.pk)
    with pytest.raises(exceptions.AuthenticationFailed):
        _auth(token.key)


def test_an_expired_token_is_refused_at_once_even_from_the_cache(token):
    _auth(token.key)
    cached = cache.get(token_cache_key(token.digest))
    cached.expires_at = cached.created_at  # as if its time ran out a moment ago
    cache.set(token_cache_key(token.digest), cached, TOKEN_CACHE_SECONDS)
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
    for queries in (2, 1):  # the first use is recorded once
        with django_assert_num_queries(queries):
            user, _ = _auth(token.key)
        assert user.pk == token.user_id


def test_the_api_answers_with_a_cached_token_and_refuses_it_once_revoked(token, api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/v1/me/").status_code == 200
    assert api_client.get("/api/v1/me/").status_code == 200
    PersonalAccessToken.objects.filter(pk=token.row.pk).delete()  # as erasure does
    assert api_client.get("/api/v1/me/").status_code == 401
