"""Fixtures for the staff console: two councils, staff of each role (with an authenticator
app enrolled through allauth MFA), a citizen and a helper with homes in the home council."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import StaffMembership
from marketplace import services as marketplace_services
from marketplace.models import Category
from tests.browser.conftest import chromium, new_context, pages  # noqa: F401 (browser fixtures)
from tests.factories import CouncilFactory, UserFactory, square
from trust.models import HelperCheck

Role = StaffMembership.Role
HOME = (-1.55, 53.80)
AWAY = (-0.12, 51.50)


def make_person(*, council, lon=HOME[0], lat=HOME[1], **kwargs):
    return UserFactory(council=council, home_location=Point(lon, lat, srid=4326), **kwargs)


def enrol_totp(user) -> pyotp.TOTP:
    """Enrol an authenticator app for `user` through allauth and return a code generator."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return pyotp.TOTP(secret)


def make_staff(*, council, role, mfa: bool = True, **kwargs):
    user = make_person(council=council, **kwargs)
    StaffMembership.objects.create(user=user, council=council, role=role)
    if mfa:
        enrol_totp(user)
    return user


def make_need(*, owner, slug="dog-walking", lon=HOME[0], lat=HOME[1], **kwargs):
    fields = {
        "category": Category.objects.get(slug=slug),
        "title": "Walk my dog on weekdays",
        "description": "A friendly spaniel who likes the park.",
        "point": Point(lon, lat, srid=4326),
        "slots": [(0, dt.time(9), dt.time(11))],
    }
    fields.update(kwargs)
    return marketplace_services.need_create(owner=owner, **fields)


def make_offer(*, helper, slug="dog-walking", lon=HOME[0] - 0.01, lat=HOME[1] + 0.01, **kwargs):
    fields = {
        "category": Category.objects.get(slug=slug),
        "title": "Dog walks near the park",
        "description": "I walk my own dog every morning and can take another.",
        "point": Point(lon, lat, srid=4326),
        "radius_m": 3000,
        "slots": [(0, dt.time(8), dt.time(12))],
    }
    fields.update(kwargs)
    return marketplace_services.offer_create(helper=helper, **fields)


def record_check(*, actor, helper, kind=HelperCheck.Kind.ID, days_left=365, last4=""):
    from trust.checks import helper_check_record

    today = timezone.localdate()
    if kind == HelperCheck.Kind.DBS_ENHANCED_BARRED and not last4:
        last4 = "1234"
    return helper_check_record(
        actor=actor,
        helper_id=helper.pk,
        kind=kind,
        issued_on=today - dt.timedelta(days=30),
        expires_on=today + dt.timedelta(days=days_left),
        certificate_last4=last4,
    )


@pytest.fixture
def home_council(db):
    return CouncilFactory(name="Home Borough Council", boundary=square(*HOME))


@pytest.fixture
def away_council(db):
    return CouncilFactory(name="Away Borough Council", boundary=square(*AWAY))


@pytest.fixture
def moderator(home_council):
    return make_staff(council=home_council, role=Role.MODERATOR, display_name="Mo Derator")


@pytest.fixture
def safeguarding_lead(home_council):
    return make_staff(council=home_council, role=Role.SAFEGUARDING_LEAD, display_name="Sam Lead")


@pytest.fixture
def council_admin(home_council):
    return make_staff(council=home_council, role=Role.COUNCIL_ADMIN, display_name="Ada Admin")


@pytest.fixture
def away_admin(away_council):
    return make_staff(council=away_council, role=Role.COUNCIL_ADMIN, lon=AWAY[0], lat=AWAY[1])


@pytest.fixture
def citizen(home_council):
    return make_person(council=home_council, display_name="Margaret Citizen")


@pytest.fixture
def helper(home_council):
    return make_person(
        council=home_council, display_name="Harry Helper", lon=HOME[0] - 0.01, lat=HOME[1] + 0.01
    )
