"""Chromium, axe-core and screenshots for every browser test; staff of every role for the staff
console's journeys (tests/kit/browser.py, tests/kit/console_people.py)."""

from tests.kit.browser import (  # noqa: F401 - fixtures
    _transactional,
    chromium,
    need_and_helper,
    new_context,
    pages,
)
from tests.kit.console_people import (  # noqa: F401 - fixtures
    away_admin,
    away_council,
    citizen,
    council_admin,
    helper,
    home_council,
    moderator,
    safeguarding_lead,
)
