"""Staff and councils of the staff console's tests (tests/kit/console_people.py)."""

from tests.kit.console_people import (  # noqa: F401 - fixtures
    council_admin,
    home_council,
    moderator,
)
