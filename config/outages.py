"""Server errors, and outages told apart from them: when PostgreSQL or Redis cannot be
reached, Kith answers 503 with Retry-After ("try again in a minute"), as a problem document
(RFC 9457) under /api/ and as a page of Kith's own elsewhere, rendered without the database.
Other server errors answer 500 in the same two shapes."""

from __future__ import annotations

import logging
import sys

import redis
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from . import problems
from .api import is_api_request

logger = logging.getLogger(__name__)

OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 30
OUTAGE_DETAIL = _(
    "Kith is not working just now because part of it cannot be reached. Nothing you sent has "
    "been lost: please try again in a minute."
)
ERROR_DETAIL = _("Something went wrong on our side. Please try again later.")


def server_error(request, *args, **kwargs):
    """Django's handler500: it runs inside the failed request's `except` block."""
    error = sys.exc_info()[1]
    outage = isinstance(error, OUTAGES)
    status = 503 if outage else 500
    detail = OUTAGE_DETAIL if outage else ERROR_DETAIL
    if is_api_request(request):
        body = problems.problem(
            problems.UNAVAILABLE if outage else problems.SERVER_ERROR,
            detail=detail,
            code="unavailable" if outage else "server_error",
        )
        response = problems.problem_response(body)
    else:
        # No request context: the context processors would read the database that is down.
        html = render_to_string(
            "503.html" if outage else "500.html",
            {"site_name": getattr(settings, "SITE_NAME", "Kith"), "detail": str(detail)},
        )
        response = HttpResponse(html, status=status)
    if outage:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
