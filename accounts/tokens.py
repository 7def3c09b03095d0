"""Personal access tokens (`accounts.token_models.PersonalAccessToken`): making, revoking and
reading them, and the rules that bind them.

- A token is `kith_pat_` and 43 random characters (256 bits). Only its SHA-256 is stored; the
  secret is returned once by `token_create` and never again. The prefix lets secret scanners
  (GitHub's, for one) find a leaked token.
- Scopes: `read` (look), `write` (look and change one's own data), `staff` (a member of
  staff's second factor: the staff endpoints). Every token holds `read` or `write`.
- Lifetimes: 7, 30 or 90 days; never "never". A token with `staff` lives 8 hours (a working
  day) and is made only by staff in a session that used its second factor, or by another
  `staff` token that still has the time left.
- A token made by another token (through the API) never has more scopes nor a longer life
  than the one that made it. An application's OAuth token makes none.
- Revoked by its person (web or API), and all of a person's at once when staff sign them out
  everywhere (which suspension does) and when their password is changed or reset; erasure
  deletes them; a deactivated person's are refused (`config.authentication`).
- Rotation: make a new token, move the client to it, revoke the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from core.audit import audit_record
from core.errors import ApplicationError, NotFound

from .models import User
from .second_factor import is_privileged
from .token_models import LONGEST_LIFE, SCOPES, STAFF_LIFE, PersonalAccessToken

PREFIX = "kith_pat_"
LIFETIME_DAYS = (7, 30, 90)
#: `last_used_at` is written when it is older than this: a write every few minutes per busy
#: token, never one per request.
LAST_USED_EVERY = dt.timedelta(minutes=5)
MAX_LIVE_TOKENS = 20

#: Called with a token's digest after its revocation commits (the API's token cache,
#: `config.authentication`, drops its entry). This room sits below the API's and cannot ask.
REVOKED_LISTENERS: list[Callable[[str], None]] = []

assert dt.timedelta(days=max(LIFETIME_DAYS)) <= LONGEST_LIFE


@dataclass(frozen=True)
class NewToken:
    token: PersonalAccessToken
    secret: str  # shown once


@dataclass(frozen=True)
class Maker:
    """How the request that makes a token was signed in: a web session (`token` None), or a
    personal access token. `second_factor`: the session used its second factor."""

    token: PersonalAccessToken | None = None
    second_factor: bool = False


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(secret: str) -> bool:
    return secret.startswith(PREFIX)


# --- Writes -----------------------------------------------------------------------------------
def _may(scopes) -> set[str]:
    """What a token with `scopes` may do: `write` includes reading."""
    held = set(scopes)
    return held | {"read"} if "write" in held else held


def _refuse(message: str, code: str):
    raise ApplicationError(message, code=code)


def _check_scopes(*, user: User, scopes: set[str], maker: Maker) -> None:
    if not scopes or not scopes <= set(SCOPES):
        _refuse(_("Choose what the token may do."), "token_scopes_invalid")
    if not scopes & {"read", "write"}:
        _refuse(_("A token must be able to read, or read and change."), "token_scopes_invalid")
    if "staff" in scopes:
        if not is_privileged(user):
            _refuse(_("Only council staff can make a token with staff access."), "token_not_staff")
        if maker.token is None and not maker.second_factor:
            _refuse(
                _(
                    "To make a token with staff access, first sign in with your authenticator "
                    "app in this session."
                ),
                "second_factor_needed",
            )
    if maker.token is not None and not scopes <= _may(maker.token.scopes):
        _refuse(
            _("A token can only make tokens that may do no more than it may."),
            "token_scope_escalation",
        )


@transaction.atomic
def token_create(
    *, user: User, name: str, scopes: list[str] | set[str], days: int | None, maker: Maker
) -> NewToken:
    """Make a personal access token for `user` and return it with its secret (shown once).
    `days` is one of `LIFETIME_DAYS`; a token with `staff` lives `STAFF_LIFE` whatever it is."""
    name = " ".join((name or "").split())
    if not name:
        _refuse(_("Enter a name for the token."), "token_name_missing")
    if len(name) > 80:
        _refuse(_("The name must be 80 characters or fewer."), "token_name_too_long")
    wanted = set(scopes)
    _check_scopes(user=user, scopes=wanted, maker=maker)
    now = timezone.now()
    if "staff" in wanted:
        expires_at = now + STAFF_LIFE
    elif days in LIFETIME_DAYS:
        expires_at = now + dt.timedelta(days=days)
    else:
        _refuse(_("Choose how long the token lasts: 7, 30 or 90 days."), "token_lifetime_invalid")
    if maker.token is not None and expires_at > maker.token.expires_at:
        _refuse(
            _("A token can only make tokens that expire before it does."),
            "token_outlives_maker",
        )
    live = PersonalAccessToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=now
    )
    if live.count() >= MAX_LIVE_TOKENS:
        _refuse(
            _("You have %(count)s tokens. Revoke one you no longer use first.")
            % {"count": MAX_LIVE_TOKENS},
            "token_limit",
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(secret),
        hint=secret[-4:],
        scopes=[s for s in SCOPES if s in wanted],
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(
        actor=user,
        verb="token.created",
        target=token,
        council=user.council,
        data={
            "scopes": token.scopes,
            "expires_at": expires_at.isoformat(),
            "made_by_token": maker.token.pk if maker.token else None,
        },
    )
    return NewToken(token=token, secret=secret)


def _after_revoke(digests: list[str]) -> None:
    def drop() -> None:
        for digest in digests:
            for listener in REVOKED_LISTENERS:
                listener(digest)

    transaction.on_commit(drop)


@transaction.atomic
def token_revoke(*, user: User, token_id) -> PersonalAccessToken:
    """`user` revokes one of their own tokens; it is refused at once. Another person's token
    is "not found". Revoking a revoked token changes nothing."""
    token = token_of(user=user, token_id=token_id, lock=True)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = "person"
        token.save(update_fields=["revoked_at", "revoked_reason"])
        audit_record(actor=user, verb="token.revoked", target=token, council=user.council)
        _after_revoke([token.digest])
    return token


def tokens_revoke_all(*, person_id: int, reason: str) -> int:
    """Revoke every live personal access token of a person, and delete every OAuth token and
    code issued for them: "sign out everywhere" (and suspension), a changed password.
    Runs in the caller's transaction; returns how many tokens of both kinds ended."""
    now = timezone.now()
    with transaction.atomic():
        live = PersonalAccessToken.objects.filter(
            user_id=person_id, revoked_at__isnull=True, expires_at__gt=now
        )
        digests = list(live.values_list("digest", flat=True))
        revoked = live.update(revoked_at=now, revoked_reason=reason)
        get_grant_model().objects.filter(user_id=person_id).delete()
        get_refresh_token_model().objects.filter(user_id=person_id).delete()
        oauth, _per_model = get_access_token_model().objects.filter(user_id=person_id).delete()
        _after_revoke(digests)
    return revoked + oauth


def token_used(*, token: PersonalAccessToken) -> None:
    """Record that `token` answered a request, at most once every `LAST_USED_EVERY`."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


# --- Reads ------------------------------------------------------------------------------------
def token_by_secret(secret: str) -> PersonalAccessToken | None:
    """The token whose secret this is, with its person, live or not (None if there is none)."""
    if not looks_like_token(secret):
        return None
    return (
        PersonalAccessToken.objects.select_related("user")
        .filter(digest=token_digest(secret))
        .first()
    )


def token_of(*, user: User, token_id, lock: bool = False) -> PersonalAccessToken:
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    qs = PersonalAccessToken.objects.filter(pk=pk, user=user)
    if lock:
        qs = qs.select_for_update()
    token = qs.first()
    if token is None:
        raise NotFound()
    return token


def tokens_of(*, user: User) -> list[PersonalAccessToken]:
    """A person's tokens, live ones first, newest first; ended ones kept for 30 days so the
    person can see what happened to them."""
    since = timezone.now() - dt.timedelta(days=30)
    tokens = list(
        PersonalAccessToken.objects.filter(user=user, expires_at__gt=since)
        .exclude(revoked_at__lt=since)
        .order_by("-created_at")
    )
    return sorted(tokens, key=lambda t: not t.is_live())
