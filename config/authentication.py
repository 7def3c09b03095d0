"""API authentication: DRF's tokens, marked as never having used a second factor.

A staff member calling the API with a token alone reads what any person could and is refused
the staff endpoints (`accounts.permissions.staff_has_mfa`), until tokens carry a second-factor
step and a short expiry of their own.

A token's row and its person are kept in the cache for at most `TOKEN_CACHE_SECONDS` (30 s)
after the database last said the token was good and the person active, so a busy client does
not look its token up on every call. The cache is keyed by a hash of the token, never the
token itself. Safety:
- deleting a token (revoking it, "sign out everywhere", erasure) and saving its person
  (suspension, reinstatement, deactivation, erasure) drop the cached entry at once, through
  the receivers below, in every process that has loaded this module (every web process that
  serves the API);
- whatever changed it elsewhere (a job in a worker that never loaded the API, a raw
  `UPDATE`), a revoked token or a suspended or deactivated person keeps access for at most
  `TOKEN_CACHE_SECONDS`;
- a cache that fails is skipped: the token is then looked up in the database as before.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from rest_framework import authentication
from rest_framework.authtoken.models import Token

from accounts.second_factor import mark_second_factor

log = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 30
_PREFIX = "kith:api-token:v1:"


def token_cache_key(key: str) -> str:
    return _PREFIX + hashlib.sha256(key.encode()).hexdigest()


def forget_token(key: str) -> None:
    """Drop a token's cached entry (after it is revoked or its person changes)."""
    try:
        cache.delete(token_cache_key(key))
    except Exception:  # the entry then expires within TOKEN_CACHE_SECONDS
        log.warning("could not drop a cached API token", exc_info=True)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        cache_key = token_cache_key(key)
        try:
            token = cache.get(cache_key)
        except Exception:
            token = None
        if token is not None and hmac.compare_digest(token.key, key):
            user = token.user
        else:
            user, token = super().authenticate_credentials(key)
            try:
                cache.set(cache_key, token, TOKEN_CACHE_SECONDS)
            except Exception:
                log.warning("could not cache an API token", exc_info=True)
        mark_second_factor(user, used=False)
        return user, token


def _token_deleted(sender, instance, **kwargs) -> None:
    forget_token(instance.key)


def _person_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
            forget_token(key)


post_delete.connect(_token_deleted, sender=Token, dispatch_uid="kith_api_token_deleted")
# The user model by name: Django connects it once the model is loaded (this module may be
# imported while the app registry is still filling).
post_save.connect(
    _person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="kith_api_token_person"
)
