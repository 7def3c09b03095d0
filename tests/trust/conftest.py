from tests.kit.console_people import (  # noqa: F401 - fixtures
    citizen,
    council_admin,
    helper,
    home_council,
    moderator,
    safeguarding_lead,
)
