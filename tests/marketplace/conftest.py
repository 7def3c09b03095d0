"""Fixtures for marketplace tests: two councils, people with homes, staff of each council."""

import pytest

from accounts.models import StaffMembership
from tests.factories import CouncilFactory
from tests.marketplace import factories as mf


@pytest.fixture
def home_council(db):
    # Reviews by default; tests that need auto-approval switch it on.
    return CouncilFactory(name="Home Borough Council")


@pytest.fixture
def away_council(db):
    return mf.other_council()


@pytest.fixture
def citizen(home_council):
    return mf.person(postcode="LS1 1AA", council=home_council, display_name="Margaret")


@pytest.fixture
def other_citizen(home_council):
    return mf.person(lon=-1.53, lat=53.79, council=home_council, display_name="Bill")


@pytest.fixture
def helper(home_council):
    return mf.person(postcode="LS2 7HY", lon=-1.56, lat=53.81, council=home_council)


@pytest.fixture
def moderator(home_council):
    return mf.staff(council=home_council, lon=-1.54, lat=53.80)


@pytest.fixture
def council_admin(home_council):
    return mf.staff(council=home_council, role=StaffMembership.Role.COUNCIL_ADMIN)


@pytest.fixture
def away_moderator(away_council):
    return mf.staff(council=away_council, lon=-0.12, lat=51.5)
