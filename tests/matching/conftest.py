import pytest

from tests.matching.factories import make_council


@pytest.fixture
def mcouncil(db):
    return make_council()
