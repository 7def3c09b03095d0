"""Project-wide middleware: request ids and access logs, session limits, and no caching of
pages that carry personal data."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponseBadRequest
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext

from accounts.second_factor import mark_second_factor, second_factor_in_session
from notifications.pipeline import language_of

from . import problems
from .api import is_api_request
from .languages import supported_language
from .logging import request_id_var
from .security import (
    SESSION_SEEN,
    SESSION_STAFF,
    SESSION_STARTED,
    is_privileged,
    security_log,
    session_limits,
    session_stamp,
)

request_log = logging.getLogger("kith.request")

# An id from the load balancer is kept only when it is short and plain, so that nothing a
# client sends can forge log structure.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The last-seen time is written back at most this often, so an active session does not cost a
# session save on every request.
SEEN_RESOLUTION_SECONDS = 60
SESSION_STATUS_PATH = "/session/"


@dataclass(frozen=True)
class SessionTiming:
    """What a page tells its timeout warning: the idle limit, and the moment (seconds since
    the epoch) the session ends whatever happens. Both are the same on every page of a
    session, so a page's HTML does not change from one second to the next."""

    idle_seconds: int
    ends_at: int
    seen_resolution: int


class RequestIdMiddleware:
    """Gives every request an id (kept from `X-Request-ID` when the proxy sends a plain one),
    puts it into every log record written while the request runs, returns it in the
    `X-Request-ID` response header, and writes one access-log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            user = getattr(request, "user", None)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


NUL_MESSAGE = "A NUL character is not allowed in a web address."


class RefuseNulBytesMiddleware:
    """A NUL character in the path or the query string is nonsense that PostgreSQL refuses to
    store or compare, which would surface as a server error wherever a view passes it to a
    query: answer a clear 400 before any view runs (JSON under /api/). Form and JSON bodies
    are checked by Django's and DRF's fields, which refuse NUL characters already."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            if is_api_request(request):
                body = problems.problem(
                    problems.MALFORMED, detail=NUL_MESSAGE, code="nul_character"
                )
                return problems.problem_response(body)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class ApiBodyLimitMiddleware:
    """An API request whose body is larger than Django would read (DATA_UPLOAD_MAX_MEMORY_SIZE)
    answers 413 before any view runs: DRF reads the body as a stream, past Django's own check,
    so without this a huge JSON document would be read whole."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                body = problems.problem(
                    problems.TOO_LARGE,
                    detail=gettext("The request's body is larger than Kith accepts."),
                    code="too_large",
                )
                return problems.problem_response(body)
        return self.get_response(request)


class SessionLimitMiddleware:
    """Ends a signed-in session after a period without activity or after an absolute time,
    whichever comes first; both are shorter for staff (see `config.security`).

    Whether the session is staff's is stamped at sign-in. Someone given a staff role while
    signed in is held to the staff limits from their next request: whenever the staff limits
    would end a session not stamped as staff, the role is looked up again (one query, only
    then, so ordinary requests still cost none). A role taken away keeps the stricter limits
    until the next sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and hasattr(request, "session") and user.is_authenticated:
            self._enforce(request, user)
        return self.get_response(request)

    def _enforce(self, request, user) -> None:
        session = request.session
        now = int(time.time())
        started = session.get(SESSION_STARTED)
        if started is None:
            # A session from before these limits existed: start counting now.
            session_stamp(session=session, user=user)
            return
        staff = bool(session.get(SESSION_STAFF))
        seen = session.get(SESSION_SEEN, started)
        if not staff and _beyond(session_limits(staff=True), now=now, started=started, seen=seen):
            staff = is_privileged(user)  # a staff role granted since sign-in
        limits = session_limits(staff=staff)
        # A session unused for its whole limit has ended: the timeout warning opens the page
        # again at that moment, and that request must not count as use.
        if now - started >= limits.absolute_seconds:
            reason = "absolute"
        elif now - seen >= limits.idle_seconds:
            reason = "idle"
        else:
            # Asking how long is left (the timeout warning's script) is not activity.
            if now - seen >= SEEN_RESOLUTION_SECONDS and request.path != SESSION_STATUS_PATH:
                session[SESSION_SEEN] = now
                seen = now
            # For the timeout warning: how long this session may still sit unused, and when it
            # ends whatever happens (the same on every page of the session).
            request.kith_session_left = min(
                limits.idle_seconds - (now - seen), limits.absolute_seconds - (now - started)
            )
            request.kith_session_timing = SessionTiming(
                idle_seconds=limits.idle_seconds,
                ends_at=started + limits.absolute_seconds,
                seen_resolution=SEEN_RESOLUTION_SECONDS,
            )
            return
        user_id = user.pk
        logout(request)
        security_log.info(
            "session ended by time limit",
            extra={"event": "session_expired", "reason": reason, "user_id": user_id},
        )
        if reason == "idle":
            text = gettext(
                "You were signed out because you had not used Kith for a while. "
                "Please sign in again."
            )
        else:
            text = gettext(
                "For your safety you are signed out after a while. Please sign in again."
            )
        messages.info(request, text, fail_silently=True)


def _beyond(limits, *, now: int, started: int, seen: int) -> bool:
    return now - started >= limits.absolute_seconds or now - seen >= limits.idle_seconds


class NoStoreForSignedInMiddleware:
    """Responses to signed-in people (session or API token) can carry personal data: no
    browser, proxy or shared cache may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF writes the user it authenticated (token or session) back onto the Django request.
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response


def language_for(request) -> str:
    """The language of a page, first of: the choice made with the English | Cymraeg switch
    (a cookie); Welsh for a signed-in person whom Kith writes to in Welsh (they asked for it,
    or their council is Welsh-first and they have not chosen English); the browser's
    languages; the deployment's default."""
    chosen = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen:
        return chosen
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and language_of(user) == "cy":
        return "cy"
    return translation.get_language_from_request(request)


class LanguageMiddleware:
    """Speaks each page in English or Welsh (`language_for`) and says so in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class SecondFactorMiddleware:
    """Marks the request's user with whether this session used a second factor (an
    authenticator code at sign-in or since), read from allauth's record in the session; every
    staff check asks `accounts.second_factor.second_factor_used`. Requests without a signed-in
    session cost nothing: the user is not loaded here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            user = request.user
            if user.is_authenticated:
                mark_second_factor(user, used=second_factor_in_session(request, user))
        return self.get_response(request)
