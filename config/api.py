"""API-wide plumbing, the one place where errors become HTTP answers: every exception a view
raises becomes a problem document (RFC 9457, `config.problems`). A domain "not found" is a
plain 404 (the same for "does not exist" and "not yours"), a stale version a 409, any other
refusal a 400 with the service's message and code; rate limits get a plain-English message and
`Retry-After`; refused requests are written to the security log."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import set_rollback

from core.errors import ApplicationError
from core.errors import NotFound as DomainNotFound
from core.idempotency import KEY_IN_PROGRESS, KEY_REUSED

from . import problems
from .parsers import json_only
from .throttling import throttled_message

security_log = logging.getLogger("kith.security")

# Addresses under this prefix answer in JSON, errors included (404s, 400s of the NUL-byte
# guard, 500s and 503s), wherever in the stack they arise.
API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


# The domain error code a service gives when the caller's copy is out of date (the
# `version` they read is no longer the record's).
STALE_VERSION_CODE = "stale_version"

# Services' codes that are not a plain refusal (400): their own kind and status.
CODE_KINDS = {
    STALE_VERSION_CODE: problems.CONFLICT,
    "round_running": problems.CONFLICT,
    KEY_REUSED: problems.KEY_REUSED,
    KEY_IN_PROGRESS: problems.IN_PROGRESS,
}

# DRF's exceptions, by class, to the kind of problem they are.
_DRF_KINDS: tuple[tuple[type[exceptions.APIException], problems.Kind], ...] = (
    (exceptions.ValidationError, problems.INVALID),
    (exceptions.ParseError, problems.MALFORMED),
    (exceptions.NotAuthenticated, problems.UNAUTHENTICATED),
    (exceptions.AuthenticationFailed, problems.UNAUTHENTICATED),
    (exceptions.PermissionDenied, problems.FORBIDDEN),
    (exceptions.NotFound, problems.NOT_FOUND),
    (exceptions.MethodNotAllowed, problems.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, problems.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, problems.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, problems.RATE_LIMITED),
)

MANY_MISTAKES = _("Some of what was sent is not right: each mistake is listed in errors.")


class Conflict(exceptions.APIException):
    """409: someone changed the record since the caller read it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone changed this since you read it.")
    default_code = STALE_VERSION_CODE


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER (settings): every error a view raises as a problem document.
    Anything else (a bug) is left to Django, whose handler500 answers a problem too."""
    request = context.get("request")
    if isinstance(exc, DomainNotFound | Http404):
        # Never the service's own wording: a 404 says no more than "Not found.".
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "message_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(wait=exc.wait, detail=throttled_message(exc.wait))
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        exc = json_only()  # a form or multipart body: say what to send instead
    _log_refusal(exc, context)
    if isinstance(exc, ApplicationError):
        body = problems.problem(
            CODE_KINDS.get(exc.code, problems.REFUSED),
            detail=exc.message,
            code=exc.code,
            extra=exc.extra,
        )
    elif isinstance(exc, exceptions.APIException):
        body = _api_problem(exc, request)
    else:
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, round(exc.wait)))
    return problems.problem_response(body, headers=headers)


def _api_problem(exc: exceptions.APIException, request) -> dict:
    kind = next(
        (kind for cls, kind in _DRF_KINDS if isinstance(exc, cls)),
        problems.kind_for_status(exc.status_code),
    )
    if kind.status != exc.status_code:
        # A session-only view answers "not signed in" with 403 (no WWW-Authenticate to give).
        kind = problems.kind_for_status(exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        location = "query" if request is not None and request.method in ("GET", "HEAD") else "body"
        errors = problems.field_errors(exc.detail, location=location)
        if len(errors) == 1:
            detail, code = errors[0]["detail"], errors[0]["code"]
            if errors[0]["field"] == "":
                # A refusal of the whole request, not of one field: no list to read.
                errors = []
        else:
            detail, code = str(MANY_MISTAKES), "invalid"
        return problems.problem(kind, detail=detail, code=code, errors=errors)
    detail = exc.detail
    if isinstance(detail, list | dict):
        errors = problems.field_errors(detail, location="body")
        detail = errors[0]["detail"] if errors else gettext("The request was refused.")
    code = getattr(detail, "code", None) or exc.default_code
    if isinstance(exc, exceptions.NotFound):
        detail, code = gettext("Not found."), "not_found"
    return problems.problem(kind, detail=detail, code=str(code), status=exc.status_code)


def _log_refusal(exc, context) -> None:
    """Refused authorizations (401, 403, and 404 which permission-checked fetchers also use
    for "not yours") go to the security log with who asked for what."""
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        status = 401
    elif isinstance(exc, exceptions.PermissionDenied):
        status = 403
    elif isinstance(exc, Http404 | exceptions.NotFound):
        status = 404
    else:
        return
    request = context.get("request")
    view = context.get("view")
    user = getattr(request, "_user", None) if request is not None else None
    security_log.warning(
        "access refused",
        extra={
            "event": "access_refused",
            "status": status,
            "user_id": user.pk if user is not None and user.is_authenticated else None,
            "method": request.method if request is not None else "",
            "path": request.path if request is not None else "",
            "view": type(view).__name__ if view is not None else "",
        },
    )
