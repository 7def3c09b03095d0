"""Staff of every role and the people they serve, for the staff console's pages
(tests/kit/console_people.py)."""

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
