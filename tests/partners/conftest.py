"""Two councils with staff, a partner organisation of the home council with two referrers,
a second organisation, and a referrer of an organisation of the other council."""

import pytest

from tests.kit import partners as kit
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


@pytest.fixture
def organisation(home_council):  # noqa: F811 - the fixture above
    return kit.organisation(council=home_council)


@pytest.fixture
def referrer(organisation):
    return kit.referrer(organisation=organisation)


@pytest.fixture
def colleague(organisation):
    """Another referrer of the same organisation."""
    return kit.referrer(organisation=organisation, display_name="Colin Colleague")


@pytest.fixture
def other_org_referrer(home_council):  # noqa: F811 - the fixture above
    other = kit.organisation(council=home_council, name="Age Well charity")
    return kit.referrer(organisation=other, display_name="Olive Other")


@pytest.fixture
def away_referrer(away_council):  # noqa: F811 - the fixture above
    away = kit.organisation(council=away_council, name="Away discharge team")
    return kit.referrer(organisation=away, display_name="Andy Away")


@pytest.fixture
def referral(referrer):
    return kit.referral(referrer=referrer)
