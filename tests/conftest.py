"""Fixtures shared by the whole suite."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from rest_framework.test import APIClient

from tests.kit import factories as make

_CATEGORY_MIGRATION = "marketplace.migrations.0003_audit_append_only_and_default_categories"


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Keep the rows that migrations create (the default categories, and the Sites framework's
    site that allauth's pages read) in place for every database test.

    Transactional tests end by emptying every table, data-migration rows included, so a later
    transactional test would otherwise find them missing, depending on test order.
    """
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("_django_db_helper")
    Category = apps.get_model("marketplace", "Category")
    if not Category.objects.exists():
        importlib.import_module(_CATEGORY_MIGRATION).add_categories(apps, None)
    Site = apps.get_model("sites", "Site")
    Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "example.com", "name": "example.com"}
    )
    Site.objects.clear_cache()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def council(db):
    return make.CouncilFactory()


@pytest.fixture
def user(db):
    return make.UserFactory()


@pytest.fixture
def mcouncil(db):
    """A council wide enough for listings kilometres apart, as the matching tests need."""
    return make.council()
