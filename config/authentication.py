"""API authentication: personal access tokens and OAuth 2.0 access tokens, and their scopes.

Both come in `Authorization: Bearer <token>`; a personal access token also in
`Authorization: Token <token>` (what clients of Kith's first API sent). Sessions (the web
pages' own calls) come last.

- `read` answers safe methods only; `write` reads and writes; a token with neither is
  refused. `staff` counts as a second factor (`accounts.second_factor.mark_second_factor`)
  for the staff endpoints; without it a staff member's token is refused them, as before.
  `TokenScopes`, in `DEFAULT_PERMISSION_CLASSES`, is the one place scopes are enforced.
- Expired and revoked tokens and deactivated people are refused with 401 at once.

A personal access token's row and its person are kept in the cache for at most
`TOKEN_CACHE_SECONDS` (30 s) after the database last said the token was good and the person
active, so a busy client does not look its token up on every call. The cache is keyed by the
token's hash (its digest), never the token itself. Safety:
- expiry is checked on every request, cached or not;
- revoking a token (by its person, "sign out everywhere", suspension, a password change) drops
  its entry once the revocation commits (`accounts.tokens.REVOKED_LISTENERS`), and saving or
  deleting its person (suspension, reinstatement, deactivation, erasure) drops every entry of
  theirs, through the receivers below, in every process that loaded this module (all of them:
  `config.apps`);
- whatever changed it elsewhere (a raw `UPDATE`), a revoked token or a deactivated person keeps
  access for at most `TOKEN_CACHE_SECONDS`;
- a cache that fails is skipped: the token is then looked up in the database.

OAuth access tokens are django-oauth-toolkit's, looked up by it on every request.
"""

from __future__ import annotations

import logging

from allauth.account.signals import password_changed, password_reset
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication as _OAuth2Authentication
from rest_framework import authentication, exceptions, permissions

from accounts import tokens
from accounts.second_factor import mark_second_factor
from accounts.token_models import STAFF_LIFE, PersonalAccessToken

log = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 30
_PREFIX = "kith:api-token:v2:"
INVALID = _("This token is not valid, has expired or has been revoked.")
READ_ONLY = _("This token may only read. Make one that may also change things.")


def token_cache_key(digest: str) -> str:
    """The cache key of a token, from its digest (`accounts.tokens.token_digest`)."""
    return _PREFIX + digest


def forget_token(digest: str) -> None:
    """Drop a token's cached entry (after it is revoked or its person changes)."""
    try:
        cache.delete(token_cache_key(digest))
    except Exception:  # the entry then expires within TOKEN_CACHE_SECONDS
        log.warning("could not drop a cached API token", exc_info=True)


tokens.REVOKED_LISTENERS.append(forget_token)


class TokenAuthentication(authentication.BaseAuthentication):
    """Personal access tokens, as `Bearer` or `Token`. A bearer token that is not a personal
    access token is left to `OAuth2Authentication`."""

    def authenticate(self, request):
        words = authentication.get_authorization_header(request).split()
        if not words or words[0].lower() not in (b"token", b"bearer"):
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(INVALID)
        try:
            secret = words[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        if not tokens.looks_like_token(secret):
            if words[0].lower() == b"bearer":
                return None
            raise exceptions.AuthenticationFailed(INVALID)
        return self.authenticate_credentials(secret)

    def authenticate_credentials(self, secret: str):
        digest = tokens.token_digest(secret)
        cache_key = token_cache_key(digest)
        try:
            token = cache.get(cache_key)
        except Exception:
            token = None
        if token is None:
            token = tokens.token_by_secret(secret)
            if token is None or not token.is_live() or not token.user.is_active:
                raise exceptions.AuthenticationFailed(INVALID)
            tokens.token_used(token=token)
            try:
                cache.set(cache_key, token, TOKEN_CACHE_SECONDS)
            except Exception:
                log.warning("could not cache an API token", exc_info=True)
        elif not token.is_live():
            raise exceptions.AuthenticationFailed(INVALID)
        user = token.user
        mark_second_factor(user, used="staff" in token.scopes)
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class OAuth2Authentication(_OAuth2Authentication):
    """An application's OAuth 2.0 access token (django-oauth-toolkit). `staff` counts as a
    second factor only on a token that lives no more than a working day."""

    def authenticate(self, request):
        if not request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            # An access token comes in the header only: never read from the body, which is
            # not parsed before the caller is known (an anonymous form body is then a 401,
            # not a 415).
            return None
        found = super().authenticate(request)
        if found is None:
            return None
        user, access_token = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(INVALID)
        short = access_token.expires - access_token.created <= STAFF_LIFE
        mark_second_factor(user, used="staff" in access_token.scope.split() and short)
        return user, access_token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


def request_scopes(request) -> set[str] | None:
    """The scopes of the token the request came with, or None for a web session."""
    auth = request.auth
    if isinstance(auth, PersonalAccessToken):
        return set(auth.scopes)
    scope = getattr(auth, "scope", None)
    if isinstance(scope, str):
        return set(scope.split())
    return None


class TokenScopes(permissions.BasePermission):
    """`read` for safe methods, `write` for the others; sessions are not limited."""

    message = READ_ONLY

    def has_permission(self, request, view) -> bool:
        scopes = request_scopes(request)
        if scopes is None:
            return True
        if request.method in permissions.SAFE_METHODS:
            return bool(scopes & {"read", "write"})
        return "write" in scopes


def _person_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        digests = PersonalAccessToken.objects.filter(
            user_id=instance.pk, revoked_at__isnull=True
        ).values_list("digest", flat=True)
        for digest in digests:
            forget_token(digest)


def _token_deleted(sender, instance, **kwargs) -> None:
    forget_token(instance.digest)


def _password_changed(sender, request, user, **kwargs) -> None:
    tokens.tokens_revoke_all(person_id=user.pk, reason="password")


post_delete.connect(_token_deleted, sender=PersonalAccessToken, dispatch_uid="kith_pat_deleted")
# The user model by name: Django connects it once the model is loaded (this module may be
# imported while the app registry is still filling).
post_save.connect(
    _person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="kith_api_token_person"
)
password_changed.connect(_password_changed, dispatch_uid="kith_tokens_password_changed")
password_reset.connect(_password_changed, dispatch_uid="kith_tokens_password_reset")
