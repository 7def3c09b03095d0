"""Fixtures shared by the whole suite."""

import pytest
from rest_framework.test import APIClient

from tests.factories import CouncilFactory, UserFactory


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def council(db):
    return CouncilFactory()


@pytest.fixture
def user(db):
    return UserFactory()
