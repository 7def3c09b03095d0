"""Pages anyone can read: the landing page and the pages linked from the footer."""

import datetime as dt

from django.conf import settings
from django.shortcuts import render

from accounts.selectors import council_contact

#: GOV.UK's service for finding someone's council from their postcode (a link, never fetched).
FIND_YOUR_COUNCIL = "https://www.gov.uk/find-local-council"

#: The accessibility statement's dates (update them when the statement or the tests change).
STATEMENT_PREPARED = dt.date(2026, 12, 5)
STATEMENT_REVIEWED = dt.date(2026, 12, 5)
LAST_TESTED = dt.date(2026, 12, 5)


def _contact(request) -> dict:
    """The council people can phone or email instead: the signed-in person's own, or the only
    council the service runs for; none known, the page says how to find theirs."""
    user = getattr(request, "user", None)
    council_id = user.council_id if user is not None and user.is_authenticated else None
    return {"contact": council_contact(council_id), "find_council_url": FIND_YOUR_COUNCIL}


def home(request):
    return render(request, "frontend/pages/home.html", _contact(request))


def privacy(request):
    return render(request, "frontend/pages/privacy.html")


def accessibility(request):
    dates = {
        "statement_prepared": STATEMENT_PREPARED,
        "statement_reviewed": STATEMENT_REVIEWED,
        "last_tested": LAST_TESTED,
    }
    return render(request, "frontend/pages/accessibility.html", {**_contact(request), **dates})


def cookies(request):
    # The names as the browser shows them, from the settings that set them.
    names = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "messages_cookie": getattr(settings, "MESSAGE_COOKIE_NAME", "messages"),
        "language_cookie": settings.LANGUAGE_COOKIE_NAME,
    }
    return render(request, "frontend/pages/cookies.html", names)


def safety(request):
    return render(request, "frontend/pages/safety.html")
