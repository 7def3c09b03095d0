"""Per-person API rate limits. DRF's own classes read their rates once at import; these read
them from settings on every request, so an operator's (or a test's) change takes effect.

Every API answer a limit counted says where the caller stands, in the form of the IETF
draft's first versions (draft-ietf-httpapi-ratelimit-headers-05, the form most clients read):
`RateLimit-Limit` (requests allowed in the window), `RateLimit-Remaining` (left now),
`RateLimit-Reset` (seconds until the oldest request counted leaves the window, so that one
more is allowed) and `RateLimit-Policy` (`<limit>;w=<window seconds>`). A 429 also carries
`Retry-After`. When two limits count a request, the headers are the tighter one's."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext, ngettext
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

HEADERS_ATTRIBUTE = "kith_rate_limit"


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int
    window: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }


class _LiveRate:
    # Set by DRF's SimpleRateThrottle, which this is mixed into.
    rate: str | None
    history: list[float]
    now: float
    duration: int
    num_requests: int

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            _remember(request, self._state())
        return allowed

    def _state(self) -> RateLimitState:
        history, now = self.history, self.now
        oldest_leaves = history[-1] + self.duration - now if history else self.duration
        return RateLimitState(
            limit=self.num_requests,
            remaining=max(0, self.num_requests - len(history)),
            reset=max(0, math.ceil(oldest_leaves)),
            window=self.duration,
        )


def _remember(request, state: RateLimitState) -> None:
    """Keeps the tighter of the limits that counted this request, for the headers."""
    django_request = getattr(request, "_request", request)
    current = getattr(django_request, HEADERS_ATTRIBUTE, None)
    if current is None or state.remaining < current.remaining:
        setattr(django_request, HEADERS_ATTRIBUTE, state)


class RateLimitHeadersMiddleware:
    """Adds the `RateLimit-*` headers to the answers a limit counted (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        state = getattr(request, HEADERS_ATTRIBUTE, None)
        if state is not None:
            for name, value in state.headers().items():
                response[name] = value
        return response


class PersonRateThrottle(_LiveRate, UserRateThrottle):
    """Counts requests per signed-in person (per IP address for anyone not signed in)."""


class AnonymousRateThrottle(_LiveRate, AnonRateThrottle):
    """Counts requests per IP address from people who are not signed in."""


def throttled_message(wait: float | None) -> str:
    if wait is None:
        return gettext(
            "You have made too many requests in a short time. Please wait a little while and "
            "try again."
        )
    seconds = max(1, int(round(wait)))
    return ngettext(
        "You have made too many requests in a short time. Please wait %(seconds)d second and "
        "try again.",
        "You have made too many requests in a short time. Please wait %(seconds)d seconds and "
        "try again.",
        seconds,
    ) % {"seconds": seconds}
