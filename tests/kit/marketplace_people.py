"""Fixtures for the marketplace tests: two councils, people with homes (and postcodes), staff
of each council. The marketplace room's conftest imports them."""

import pytest

from tests.kit import factories as make
from tests.kit.factories import Role


@pytest.fixture
def home_council(db):
    # Reviews by default; tests that need auto-approval switch it on.
    return make.CouncilFactory(name="Home Borough Council")


@pytest.fixture
def away_council(db):
    return make.other_council()


@pytest.fixture
def citizen(home_council):
    return make.person(postcode="LS1 1AA", council=home_council, display_name="Margaret")


@pytest.fixture
def other_citizen(home_council):
    return make.person(lon=-1.53, lat=53.79, council=home_council, display_name="Bill")


@pytest.fixture
def helper(home_council):
    return make.person(postcode="LS2 7HY", lon=-1.56, lat=53.81, council=home_council)


@pytest.fixture
def moderator(home_council):
    return make.staff(council=home_council, lon=-1.54, lat=53.80)


@pytest.fixture
def council_admin(home_council):
    return make.staff(council=home_council, role=Role.COUNCIL_ADMIN)


@pytest.fixture
def away_moderator(away_council):
    return make.staff(council=away_council, lon=-0.12, lat=51.5)
