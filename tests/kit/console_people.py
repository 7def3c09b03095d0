"""Fixtures for the staff console and the staff services: two councils, staff of each role
(with an authenticator app enrolled through allauth MFA, all living in the home council), a
citizen and a helper with homes in the home council. Room conftests import them."""

from __future__ import annotations

import pytest

from tests.kit import factories as make
from tests.kit.factories import AWAY, CENTRE, Role

HOME = CENTRE


@pytest.fixture
def home_council(db):
    return make.CouncilFactory(name="Home Borough Council", boundary=make.square(*HOME))


@pytest.fixture
def away_council(db):
    return make.CouncilFactory(name="Away Borough Council", boundary=make.square(*AWAY))


@pytest.fixture
def moderator(home_council):
    return make.staff(
        council=home_council, role=Role.MODERATOR, lives_here=True, display_name="Mo Derator"
    )


@pytest.fixture
def safeguarding_lead(home_council):
    return make.staff(
        council=home_council,
        role=Role.SAFEGUARDING_LEAD,
        lives_here=True,
        display_name="Sam Lead",
    )


@pytest.fixture
def council_admin(home_council):
    return make.staff(
        council=home_council, role=Role.COUNCIL_ADMIN, lives_here=True, display_name="Ada Admin"
    )


@pytest.fixture
def away_admin(away_council):
    return make.staff(
        council=away_council, role=Role.COUNCIL_ADMIN, lives_here=True, lon=AWAY[0], lat=AWAY[1]
    )


@pytest.fixture
def citizen(home_council):
    return make.person(council=home_council, display_name="Margaret Citizen")


@pytest.fixture
def helper(home_council):
    return make.person(
        council=home_council, display_name="Harry Helper", lon=HOME[0] - 0.01, lat=HOME[1] + 0.01
    )
