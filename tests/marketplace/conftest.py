"""Two councils, people with homes and staff of each (tests/kit/marketplace_people.py)."""

from tests.kit.marketplace_people import (  # noqa: F401 - fixtures
    away_council,
    away_moderator,
    citizen,
    council_admin,
    helper,
    home_council,
    moderator,
    other_citizen,
)
