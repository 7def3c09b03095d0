"""Per-person API rate limits. DRF's own classes read their rates once at import; these read
them from settings on every request, so an operator's (or a test's) change takes effect."""

from __future__ import annotations

from django.utils.translation import gettext, ngettext
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRate:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


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
