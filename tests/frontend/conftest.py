"""A council with postcodes and residents onboarded through the pages' services
(tests/kit/web.py)."""

import pytest

from arrangements.models import Arrangement
from tests.arrangements.conftest import make_arrangement
from tests.kit.web import befriending, citizen, helper, moderator, place  # noqa: F401 - fixtures


@pytest.fixture
def arr(mcouncil) -> Arrangement:
    """An arrangement of hot meals, weekly, between a citizen and a helper of `mcouncil`."""
    return make_arrangement(mcouncil, category="hot-meals")
