"""Fixtures shared by the whole suite."""

import importlib
import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.apps import apps
from django.conf import settings
from django.test.client import ClientMixin
from django.utils import translation
from rest_framework.test import APIClient

from accounts.second_factor import has_authenticator
from tests.kit import factories as make

_force_login = ClientMixin.force_login


def _force_login_with_both_factors(self, user, backend=None):
    """`client.force_login(user)` signs in as allauth does after the password *and*, for a
    person with an authenticator app, its code: the session records both factors, so staff
    tools open. Tests of what a password-only session may do sign in through the real pages
    (`tests/security/test_staff_second_factor.py`)."""
    _force_login(self, user, backend)
    if has_authenticator(user):
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": time.time(), "email": user.email},
            {"method": "mfa", "at": time.time(), "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()


ClientMixin.force_login = _force_login_with_both_factors

_CATEGORY_MIGRATION = "marketplace.migrations.0003_audit_append_only_and_default_categories"
_FIRST_MEETING_MIGRATION = "marketplace.migrations.0006_category_first_meeting"
_WELSH_NAMES_MIGRATION = "marketplace.migrations.0009_category_welsh_names"


@pytest.fixture(autouse=True)
def _language_of_the_thread():
    """Each test starts in the default language. A request in Welsh leaves Welsh active in
    the thread (LocaleMiddleware activates a language and nothing puts it back), which would
    otherwise decide the language of the next test's words."""
    translation.deactivate()
    yield
    translation.deactivate()


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
        importlib.import_module(_FIRST_MEETING_MIGRATION).first_meeting_on(apps, None)
        importlib.import_module(_WELSH_NAMES_MIGRATION).add_welsh(apps, None)
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
