"""Security policy that is not tied to one app: password rules, session limits and the
security log of sign-in attempts.

Session limits (OWASP ASVS 5, V7): every signed-in session has an idle limit and an absolute
limit, both shorter for council staff and superusers, who can see other people's personal data.
The limits are stamped into the session when the person signs in, so the middleware that
enforces them (`config.middleware.SessionLimitMiddleware`) needs no database query per request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext, ngettext

from accounts.models import StaffMembership
from accounts.second_factor import enrolment_complete, is_privileged

security_log = logging.getLogger("kith.security")

SESSION_STARTED = "_kith_started"
SESSION_SEEN = "_kith_seen"
SESSION_STAFF = "_kith_staff"


# --- Who counts as staff ----------------------------------------------------------------------
# `is_privileged` (council staff, Django staff and superusers) is defined with the second factor
# in accounts.second_factor; it is imported here for the session limits.


# --- Passwords --------------------------------------------------------------------------------
class StaffMinimumLengthValidator:
    """Staff and superusers need longer passwords (15 characters by default) because their
    accounts can see many people's personal data. Everyone else is held to the general
    minimum by Django's MinimumLengthValidator."""

    def __init__(self, min_length: int = 15):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        if user is None or len(password) >= self.min_length:
            return
        staff = user.is_superuser or user.is_staff
        if not staff and user.pk is not None:
            staff = StaffMembership.objects.filter(user_id=user.pk).exists()
        if staff:
            raise ValidationError(
                ngettext(
                    "Council staff need a password of at least %(min_length)d character.",
                    "Council staff need a password of at least %(min_length)d characters.",
                    self.min_length,
                ),
                code="password_too_short_for_staff",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return gettext(
            "If you work for a council on Kith, your password must be at least "
            "%(min_length)d characters."
        ) % {"min_length": self.min_length}


class MaximumLengthValidator:
    """Long passphrases are welcome up to a limit that stops hashing being used for denial of
    service."""

    def __init__(self, max_length: int = 64):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                gettext("Your password can be at most %(max_length)d characters long."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return gettext("Your password can be up to %(max_length)d characters long.") % {
            "max_length": self.max_length
        }


# --- Session limits ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionLimits:
    idle_seconds: int
    absolute_seconds: int


def session_limits(*, staff: bool) -> SessionLimits:
    if staff:
        return SessionLimits(settings.KITH_STAFF_SESSION_IDLE, settings.KITH_STAFF_SESSION_ABSOLUTE)
    return SessionLimits(settings.KITH_SESSION_IDLE, settings.KITH_SESSION_ABSOLUTE)


def session_stamp(*, session, user) -> None:
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now
    session[SESSION_STAFF] = is_privileged(user)


# --- Security log -----------------------------------------------------------------------------
def email_fingerprint(email: str) -> str:
    """A short keyed hash of an email address: lets operators see repeated attempts on one
    account without writing the address itself into the logs."""
    key = settings.SECRET_KEY.encode()
    return hashlib.blake2b(email.strip().lower().encode(), key=key[:64], digest_size=6).hexdigest()


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies (the last
    KITH_TRUSTED_PROXY_COUNT entries of X-Forwarded-For) say they received from."""
    if request is None:
        return ""
    count = getattr(settings, "KITH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR", "")


@receiver(user_logged_in, dispatch_uid="kith_security_logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    # django.contrib.auth.login has already cycled the session key (a new session on every
    # sign-in); stamp the new session with its start time and the limits that apply.
    if request is not None and hasattr(request, "session"):
        session_stamp(session=request.session, user=user)
    security_log.info(
        "sign-in succeeded",
        extra={"event": "login_succeeded", "user_id": user.pk, "ip": client_ip(request)},
    )


@receiver(user_login_failed, dispatch_uid="kith_security_login_failed")
def _on_login_failed(sender, credentials, request=None, **kwargs):
    email = credentials.get("email") or credentials.get("username") or ""
    security_log.warning(
        "sign-in failed",
        extra={
            "event": "login_failed",
            "email_fingerprint": email_fingerprint(email) if email else "",
            "ip": client_ip(request),
        },
    )


@receiver(user_logged_out, dispatch_uid="kith_security_logged_out")
def _on_logged_out(sender, request, user, **kwargs):
    security_log.info(
        "signed out",
        extra={
            "event": "logout",
            "user_id": getattr(user, "pk", None),
            "ip": client_ip(request),
        },
    )


# --- A new authenticator ----------------------------------------------------------------------
@receiver(authenticator_added, dispatch_uid="kith_authenticator_added")
def _on_authenticator_added(sender, request, user, authenticator, **kwargs):
    # The code just entered counts as this session's second factor; the session gets a new
    # key and the person's other sessions end (one opened with the password alone included).
    if authenticator.type != authenticator.Type.TOTP or request is None:
        return
    ended = enrolment_complete(request=request, user=user, authenticator=authenticator)
    security_log.info(
        "authenticator added",
        extra={"event": "authenticator_added", "user_id": user.pk, "sessions_ended": ended},
    )
