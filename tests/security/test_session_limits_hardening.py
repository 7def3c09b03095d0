"""Someone given a staff role while signed in is held to the staff session limits from their
next request, not from their next sign-in; ordinary requests still make no extra query."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import StaffMembership
from config.security import SESSION_SEEN, SESSION_STAFF, SESSION_STARTED
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

LIMITS = {
    "KITH_SESSION_IDLE": 1800,
    "KITH_STAFF_SESSION_IDLE": 900,
    "KITH_SESSION_ABSOLUTE": 12 * 3600,
    "KITH_STAFF_SESSION_ABSOLUTE": 8 * 3600,
}


def _age(client, *, idle: int = 0, total: int = 0):
    session = client.session
    session[SESSION_SEEN] -= idle
    session[SESSION_STARTED] -= total
    session.save()


def _signed_in(client) -> bool:
    return client.get("/api/v1/me/").status_code == 200


def _grant(user, role=StaffMembership.Role.MODERATOR):
    StaffMembership.objects.create(user=user, council=make.CouncilFactory(), role=role)


@override_settings(**LIMITS)
def test_staff_idle_limit_applies_to_a_role_granted_while_signed_in(client):
    person = make.UserFactory()
    client.force_login(person)
    assert client.session[SESSION_STAFF] is False
    _grant(person)
    _age(client, idle=20 * 60, total=20 * 60)  # past the staff idle limit, within a citizen's
    assert not _signed_in(client)


@override_settings(**LIMITS)
def test_staff_absolute_limit_applies_to_a_role_granted_while_signed_in(client):
    person = make.UserFactory()
    client.force_login(person)
    _age(client, total=9 * 3600)
    assert _signed_in(client)  # a citizen may stay 12 hours
    _grant(person, role=StaffMembership.Role.COUNCIL_ADMIN)
    assert not _signed_in(client)  # the very next request


@override_settings(**LIMITS)
def test_becoming_a_superuser_while_signed_in_also_applies_the_staff_limits(client):
    person = make.UserFactory()
    client.force_login(person)
    type(person).objects.filter(pk=person.pk).update(is_superuser=True)
    _age(client, idle=20 * 60, total=20 * 60)
    assert not _signed_in(client)


@override_settings(**LIMITS)
def test_a_granted_role_within_the_staff_limits_keeps_the_session(client):
    person = make.UserFactory()
    client.force_login(person)
    _grant(person)
    _age(client, idle=10 * 60, total=10 * 60)
    assert _signed_in(client)
    _age(client, idle=16 * 60)  # 16 minutes since that request
    assert not _signed_in(client)


@override_settings(**LIMITS)
def test_a_citizen_without_a_role_keeps_the_citizen_limits(client):
    person = make.UserFactory()
    client.force_login(person)
    _age(client, idle=20 * 60, total=10 * 3600)
    assert _signed_in(client)


@override_settings(**LIMITS)
def test_ordinary_requests_do_not_look_up_the_staff_role(client):
    person = make.UserFactory()
    client.force_login(person)
    _age(client, idle=5 * 60, total=5 * 60)
    with CaptureQueriesContext(connection) as ctx:
        assert _signed_in(client)
    role_lookups = [q for q in ctx.captured_queries if "accounts_staffmembership" in q["sql"]]
    # /api/v1/me/ reads the membership once itself; the middleware adds no lookup.
    assert len(role_lookups) == 1, [q["sql"] for q in role_lookups]
