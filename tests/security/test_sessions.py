"""Sessions: a new one at every sign-in, idle and absolute limits (shorter for staff, from the
next request after someone is given a staff role while signed in, not from their next
sign-in; ordinary requests still make no extra query), staff ending a person's sessions, and
the security log of sign-ins and refusals."""

import logging

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import StaffMembership
from accounts.services import user_sessions_end
from accounts.token_models import PersonalAccessToken
from config.security import SESSION_SEEN, SESSION_STAFF, SESSION_STARTED
from core.errors import NotFound
from core.models import AuditEvent
from tests.kit import factories as make
from tests.kit.tokens import api_token

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's password


def _sign_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def test_signing_in_starts_a_new_session(client, user):
    client.get(reverse("account_login"))  # an anonymous session with a CSRF cookie
    session = client.session
    session["before"] = "anonymous"
    session.save()
    before = session.session_key
    response = _sign_in(client, user)
    assert response.status_code == 302
    after = client.session.session_key
    assert after != before  # no session fixation: the old key no longer exists
    assert not Session.objects.filter(session_key=before).exists()
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session[SESSION_STARTED] > 0


def _age(client, *, idle: int = 0, total: int = 0):
    session = client.session
    session[SESSION_SEEN] -= idle
    session[SESSION_STARTED] -= total
    session.save()


def _signed_in(client) -> bool:
    return client.get("/api/v1/me/").status_code == 200


@override_settings(KITH_SESSION_IDLE=1800, KITH_STAFF_SESSION_IDLE=900)
def test_idle_limit_is_shorter_for_staff(client):
    citizen = make.UserFactory()
    client.force_login(citizen)
    _age(client, idle=1200, total=1200)  # 20 minutes without activity
    assert _signed_in(client)
    _age(client, idle=1900)
    assert not _signed_in(client)

    staff = make.StaffFactory().user
    client.force_login(staff)
    assert client.session[SESSION_STAFF] is True
    _age(client, idle=1200, total=1200)
    assert not _signed_in(client)


@override_settings(KITH_SESSION_ABSOLUTE=12 * 3600, KITH_STAFF_SESSION_ABSOLUTE=8 * 3600)
def test_absolute_limit_ends_even_an_active_session(client):
    citizen = make.UserFactory()
    client.force_login(citizen)
    _age(client, total=10 * 3600)
    assert _signed_in(client)  # activity keeps it going
    _age(client, total=3 * 3600)
    assert not _signed_in(client)

    staff = make.StaffFactory().user
    client.force_login(staff)
    _age(client, total=9 * 3600)
    assert not _signed_in(client)


def test_activity_keeps_a_session_alive(client, user):
    client.force_login(user)
    _age(client, idle=25 * 60, total=25 * 60)
    assert _signed_in(client)
    _age(client, idle=25 * 60, total=25 * 60)  # 25 minutes since the last request, 50 in all
    assert _signed_in(client)


LIMITS = {
    "KITH_SESSION_IDLE": 1800,
    "KITH_STAFF_SESSION_IDLE": 900,
    "KITH_SESSION_ABSOLUTE": 12 * 3600,
    "KITH_STAFF_SESSION_ABSOLUTE": 8 * 3600,
}


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


def test_an_ended_session_is_logged(client, user, caplog):
    client.force_login(user)
    _age(client, idle=24 * 3600, total=24 * 3600)
    with caplog.at_level(logging.INFO, logger="kith.security"):
        assert not _signed_in(client)
    records = [r for r in caplog.records if getattr(r, "event", "") == "session_expired"]
    assert len(records) == 1 and records[0].user_id == user.pk


def test_staff_end_all_sessions_and_tokens_of_a_person_of_their_council(client):
    council = make.CouncilFactory()
    person = make.UserFactory(council=council)
    staff = make.StaffFactory(council=council).user
    other = make.UserFactory(council=council)
    laptop, phone, bystander = client, client.__class__(), client.__class__()
    laptop.force_login(person)
    phone.force_login(person)
    bystander.force_login(other)
    api_token(person)

    assert user_sessions_end(actor=staff, person_id=person.pk) == 2

    assert laptop.get("/api/v1/me/").status_code in (401, 403)
    assert phone.get("/api/v1/me/").status_code in (401, 403)
    assert bystander.get("/api/v1/me/").status_code == 200
    assert not PersonalAccessToken.objects.filter(user=person, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(verb="person.sessions_ended")
    assert event.actor_id == staff.pk and event.target_id == person.pk
    assert event.council_id == council.pk
    assert event.data == {"sessions": 2, "api_tokens": 1}


def test_staff_of_another_council_cannot_end_sessions(client):
    person = make.UserFactory(council=make.CouncilFactory())
    outsider = make.StaffFactory(council=make.CouncilFactory()).user
    client.force_login(person)
    with pytest.raises(NotFound):
        user_sessions_end(actor=outsider, person_id=person.pk)
    with pytest.raises(NotFound):
        user_sessions_end(actor=make.UserFactory(), person_id=person.pk)
    assert _signed_in(client)
    assert not AuditEvent.objects.filter(verb="person.sessions_ended").exists()


def test_sign_in_attempts_are_logged_without_the_email_address(client, user, caplog):
    with caplog.at_level(logging.INFO, logger="kith.security"):
        _sign_in(client, user, password="not-the-password")
        _sign_in(client, user)
    events = [(r.event, r) for r in caplog.records if hasattr(r, "event")]
    kinds = [e for e, _ in events]
    assert "login_failed" in kinds and "login_succeeded" in kinds
    failed = next(r for e, r in events if e == "login_failed")
    assert failed.email_fingerprint and failed.ip == "127.0.0.1"
    assert user.email not in caplog.text
    assert next(r for e, r in events if e == "login_succeeded").user_id == user.pk


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_refused_api_requests_are_logged(api_client, user, caplog):
    with caplog.at_level(logging.WARNING, logger="kith.security"):
        assert api_client.get("/api/v1/me/").status_code == 401
        api_client.force_authenticate(user)
        assert api_client.get("/_test/forbidden").status_code == 403
        assert api_client.get("/_test/hidden/7").status_code == 404
    refused = [r for r in caplog.records if getattr(r, "event", "") == "access_refused"]
    assert [(r.status, r.user_id, r.path) for r in refused] == [
        (401, None, "/api/v1/me/"),
        (403, user.pk, "/_test/forbidden"),
        (404, user.pk, "/_test/hidden/7"),
    ]
