"""Staff two-factor is checked per session, not per account (accounts.second_factor).

Each test signs in through the real pages (allauth's sign-in, authenticator and set-up pages),
never with `force_login`, which records both factors (tests/conftest.py):
- a session opened with the password alone stays closed to staff pages and the staff API,
  even once the person has an authenticator;
- staff without an authenticator cannot add one with their password alone: only from a
  one-time set-up link a council admin sends to their address, which is then used up; adding
  it gives the session a new key and ends the person's other sessions;
- the Django admin signs in through allauth (its rate limits, then the code), never with its
  own password form;
- a staff API token alone is refused the staff endpoints.
"""

# The console's people are fixtures imported from the test kit and named as test arguments.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PersonSession, StaffInvitation
from accounts.permissions import STAFF_MFA_MESSAGE
from core.models import AuditEvent
from tests.kit import factories as make
from tests.kit.console_people import (  # noqa: F401 - fixtures
    away_admin,
    away_council,
    citizen,
    council_admin,
    home_council,
)
from tests.kit.factories import Role
from tests.kit.tokens import api_token

# Adding an authenticator and sending a link finish after commit (allauth signal, email).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "correct-horse-battery"
REVIEW_API = "/api/v1/staff/review/needs/"


def password_only(user) -> Client:
    """A session signed in with the password alone (an account without an authenticator)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client


def with_code(user, totp: pyotp.TOTP) -> Client:
    """A session signed in with the password and then the authenticator's code."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp.now()})
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client


def confirm_password_if_asked(client: Client, response):
    """allauth asks for the password again before adding an authenticator to an account
    signed in more than a few minutes ago; answer it."""
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    return response


def add_authenticator(client: Client) -> pyotp.TOTP:
    """Go through allauth's set-up page in this session; returns the new app's codes."""
    page = confirm_password_if_asked(client, client.get(reverse("mfa_activate_totp")))
    assert page.status_code == 200, page.content.decode()[:400]
    totp = pyotp.TOTP(client.session["mfa.totp.secret"])
    response = client.post(reverse("mfa_activate_totp"), {"code": totp.now()})
    assert response.status_code == 302
    return totp


def link_from_outbox(email: str) -> str:
    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"https?://\S+/staff/set-up/\S+/", message.body).group(0)


# --- (a) a password-only session never becomes a staff session --------------------------------
def test_a_password_only_session_stays_closed_after_an_authenticator_is_added(home_council):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    old = password_only(moderator)
    assert old.get(reverse("staff:home"))["Location"] == reverse("mfa_activate_totp")

    # The app appears on the account by another route than this session (no signal: the
    # other session is not ended), as after the real person set it up elsewhere.
    make.enrol_totp(moderator)
    for path in (reverse("staff:home"), reverse("staff:moderation")):
        response = old.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    response = old.get(REVIEW_API)
    assert response.status_code == 403
    assert response.json()["detail"] == STAFF_MFA_MESSAGE


def test_entering_the_code_in_that_session_opens_the_console(home_council):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    old = password_only(moderator)
    totp = make.enrol_totp(moderator)
    response = old.get(reverse("staff:moderation"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    response = old.post(response["Location"], {"code": totp.now()})
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:moderation")
    assert old.get(reverse("staff:moderation")).status_code == 200
    assert old.get(REVIEW_API).status_code == 200


def test_a_session_with_the_code_opens_the_console_and_the_staff_api(home_council):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    client = with_code(moderator, make.enrol_totp(moderator))
    assert client.get(reverse("staff:home")).status_code == 200
    assert client.get(REVIEW_API).status_code == 200


# --- (b) no authenticator from a password alone -------------------------------------------------
def test_staff_cannot_add_an_authenticator_with_their_password_alone(home_council):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    client = password_only(moderator)
    page = confirm_password_if_asked(client, client.get(reverse("mfa_activate_totp")))
    assert page.status_code == 403
    assert "set-up link" in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": "123456"})
    assert response.status_code == 403
    assert not Authenticator.objects.filter(user=moderator).exists()
    assert client.get(reverse("staff:home"))["Location"] == reverse("mfa_activate_totp")


def test_people_who_are_not_staff_add_an_authenticator_as_before(citizen):
    client = password_only(citizen)
    add_authenticator(client)
    assert Authenticator.objects.filter(user=citizen, type=Authenticator.Type.TOTP).exists()


def test_a_set_up_link_lets_staff_add_an_authenticator_once_and_ends_other_sessions(
    home_council, council_admin
):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    stranger = password_only(moderator)  # someone else who knows the password, signed in first

    admin = Client()
    admin.force_login(council_admin)
    response = admin.post(reverse("staff:team_setup_link", args=[moderator.pk]))
    assert response.status_code == 302
    link = link_from_outbox(moderator.email)
    assert AuditEvent.objects.filter(
        verb="staff.setup_link_sent", actor_id=council_admin.pk, target_id=moderator.pk
    ).exists()

    own = password_only(moderator)
    response = own.get(link)
    assert response["Location"] == reverse("mfa_activate_totp")
    key_before = own.session.session_key
    totp = add_authenticator(own)

    assert own.session.session_key != key_before  # a new session key
    assert own.get(reverse("staff:home")).status_code == 200  # the code counts in this session
    assert own.get(REVIEW_API).status_code == 200
    assert PersonSession.objects.filter(user_id=moderator.pk).count() == 1
    # The session opened earlier with the password alone has ended.
    assert stranger.get(reverse("staff:home"))["Location"].startswith(reverse("account_login"))
    invitation = StaffInvitation.objects.get(user=moderator)
    assert invitation.used_at is not None
    event = AuditEvent.objects.get(verb="staff.authenticator_added", target_id=moderator.pk)
    assert event.data == {"setup_link": True, "other_sessions_ended": 1}

    # The link works once.
    again = with_code(moderator, totp)
    assert again.get(link).status_code == 403


def test_a_set_up_link_is_refused_to_anyone_else_and_after_it_expires(
    home_council, council_admin, citizen
):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    admin = Client()
    admin.force_login(council_admin)
    admin.post(reverse("staff:team_setup_link", args=[moderator.pk]))
    link = link_from_outbox(moderator.email)

    anonymous = Client().get(link)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))

    other = password_only(citizen)
    response = other.get(link)
    assert response.status_code == 403
    assert "set-up link" in response.content.decode()

    StaffInvitation.objects.filter(user=moderator).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    own = password_only(moderator)
    assert own.get(link).status_code == 403
    page = confirm_password_if_asked(own, own.get(reverse("mfa_activate_totp")))
    assert page.status_code == 403


def test_a_new_link_replaces_the_last_one(home_council, council_admin):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    admin = Client()
    admin.force_login(council_admin)
    admin.post(reverse("staff:team_setup_link", args=[moderator.pk]))
    first = link_from_outbox(moderator.email)
    admin.post(reverse("staff:team_setup_link", args=[moderator.pk]))
    second = link_from_outbox(moderator.email)
    assert first != second
    own = password_only(moderator)
    assert own.get(first).status_code == 403
    assert own.get(second).status_code == 302


def test_only_a_council_admin_sends_links_and_only_to_their_own_staff(
    home_council, council_admin, away_admin
):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, mfa=False, lives_here=True)
    colleague = make.staff(council=home_council, role=Role.MODERATOR, lives_here=True)
    as_moderator = Client()
    as_moderator.force_login(colleague)
    assert as_moderator.get(reverse("staff:team")).status_code == 403
    assert (
        as_moderator.post(reverse("staff:team_setup_link", args=[moderator.pk])).status_code == 403
    )

    as_other_council = Client()
    as_other_council.force_login(away_admin)
    response = as_other_council.post(reverse("staff:team_setup_link", args=[moderator.pk]))
    assert response.status_code == 404
    assert not mail.outbox
    assert not StaffInvitation.objects.exists()

    admin = Client()
    admin.force_login(council_admin)
    page = admin.get(reverse("staff:team")).content.decode()
    assert moderator.email in page and "Not set up" in page
    assert away_admin.email not in page


# --- (c) the Django admin --------------------------------------------------------------------
def test_the_admin_password_form_is_not_used():
    superuser = make.UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.post(
        "/django-admin/login/?next=/django-admin/",
        {"username": superuser.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_the_admin_opens_only_after_the_code():
    superuser = make.UserFactory(is_staff=True, is_superuser=True)
    no_app = password_only(superuser)
    response = no_app.get("/django-admin/", follow=True)
    assert response.status_code == 403  # told to use a set-up link
    assert "set-up link" in response.content.decode()

    totp = make.enrol_totp(superuser)
    response = no_app.get("/django-admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_reauthenticate"))

    client = with_code(superuser, totp)
    assert client.get("/django-admin/").status_code == 200


def test_the_admin_sign_in_is_rate_limited_like_every_sign_in():
    superuser = make.UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    for _ in range(6):
        client.post(
            reverse("account_login"), {"login": superuser.email, "password": "wrong-password"}
        )
    # allauth's per-account limit (5 failures in 5 minutes) now refuses even the right one.
    response = client.post(
        reverse("account_login"), {"login": superuser.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_an_operator_sets_up_an_authenticator_from_a_command_line_link():
    from django.core.management import call_command

    superuser = make.UserFactory(is_staff=True, is_superuser=True)
    call_command("staff_setup_link", superuser.email, base_url="http://kith.test")
    link = link_from_outbox(superuser.email)
    client = password_only(superuser)
    assert client.get(link)["Location"] == reverse("mfa_activate_totp")
    add_authenticator(client)
    assert client.get("/django-admin/").status_code == 200


# --- (d) tokens ------------------------------------------------------------------------------
def test_a_staff_token_alone_is_refused_the_staff_endpoints(home_council):
    moderator = make.staff(council=home_council, role=Role.MODERATOR, lives_here=True)
    secret = api_token(moderator)  # read and write, no `staff`
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.get(REVIEW_API)
    assert response.status_code == 403
    assert response.json()["detail"] == STAFF_MFA_MESSAGE
    # What any person may read still answers.
    assert client.get("/api/v1/me/").status_code == 200


# --- sessions know whose they are ------------------------------------------------------------
def test_sessions_record_their_person_through_a_new_key_and_sign_out(home_council):
    citizen = make.person(council=home_council)
    client = password_only(citizen)
    assert PersonSession.objects.filter(user_id=citizen.pk).count() == 1
    client.post(reverse("account_logout"))
    assert PersonSession.objects.filter(user_id=citizen.pk).count() == 0
