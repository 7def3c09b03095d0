"""API-wide plumbing, the one place where domain errors become HTTP answers: a domain "not
found" is a plain 404 (the same for "does not exist" and "not yours"), a stale version a 409,
any other refusal a 400 with its message; rate limits get a plain-English message; refused
requests are written to the security log."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError
from core.errors import NotFound as DomainNotFound

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


class Conflict(exceptions.APIException):
    """409: someone changed the record since the caller read it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone changed this since you read it.")
    default_code = STALE_VERSION_CODE


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER (settings): turn domain and Django errors into DRF's own
    exceptions, log refusals, and let DRF build the response."""
    if isinstance(exc, DomainNotFound):
        # Never the service's own wording: a 404 says no more than DRF's "Not found.".
        exc = exceptions.NotFound()
    elif isinstance(exc, ApplicationError) and exc.code == STALE_VERSION_CODE:
        exc = Conflict(exc.message)
    elif isinstance(exc, ApplicationError):
        exc = exceptions.ValidationError({"detail": exc.message, **exc.extra})
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(wait=exc.wait, detail=throttled_message(exc.wait))
    _log_refusal(exc, context)
    return drf_exception_handler(exc, context)


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
