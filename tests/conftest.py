"""Fixtures shared by the whole suite."""

import importlib

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from tests.factories import CouncilFactory, UserFactory

_CATEGORY_MIGRATION = "marketplace.migrations.0003_audit_append_only_and_default_categories"


@pytest.fixture(autouse=True)
def _default_categories(request):
    """Keep the default categories (made by a data migration) in place for every database test.

    Transactional tests end by emptying every table, data-migration rows included, so a later
    transactional test would otherwise find no categories, depending on test order.
    """
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    Category = apps.get_model("marketplace", "Category")
    if not Category.objects.exists():
        importlib.import_module(_CATEGORY_MIGRATION).add_categories(apps, None)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def council(db):
    return CouncilFactory()


@pytest.fixture
def user(db):
    return UserFactory()
