"""Strangers guessing passwords cannot lock a person out of their account: after five wrong
passwords for one address even the right one is refused for a while (tests/security/
test_rate_limits.py), but the person can still sign in with a one-time code emailed to them.

The code proves the email address, which is one factor: a member of staff with an
authenticator app is still asked for its code before any staff page opens."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import StaffMembership
from config.settings import base
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
production_limits = override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS)


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


def _lock_out(client: Client, email: str) -> str:
    for _ in range(5):
        client.post(reverse("account_login"), {"login": email, "password": "a-stranger-guess"})
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    return response.content.decode()


def _code_from(mailoutbox) -> str:
    body = mailoutbox[-1].body
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@production_limits
def test_a_locked_out_person_signs_in_with_a_code_sent_to_their_email(client, mailoutbox):
    person = make.UserFactory()
    page = _lock_out(client, person.email)
    # The refusal says what to do now, and links to it.
    assert "sign in with a code" in page.lower()
    assert reverse("account_request_login_code") in page

    asked = client.post(reverse("account_request_login_code"), {"email": person.email})
    assert asked.status_code == 302
    assert asked["Location"] == reverse("account_confirm_login_code")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [person.email]
    assert "Kith" in mailoutbox[0].subject
    confirm = client.get(reverse("account_confirm_login_code"))
    assert confirm.status_code == 200
    assert "Enter the code" in confirm.content.decode()

    entered = client.post(reverse("account_confirm_login_code"), {"code": _code_from(mailoutbox)})
    assert entered.status_code == 302
    assert _signed_in(client)
    assert client.get("/account/").status_code == 200


@production_limits
def test_a_wrong_code_is_refused_and_three_end_the_code(client, mailoutbox):
    person = make.UserFactory()
    client.post(reverse("account_request_login_code"), {"email": person.email})
    code = _code_from(mailoutbox)
    for _ in range(3):
        response = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZ-ZZZZ"})
        assert not _signed_in(client)
    # After three wrong codes the right one no longer works: ask for a new one.
    client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not _signed_in(client)
    assert response.status_code in (200, 302)


@production_limits
def test_asking_for_a_code_does_not_tell_whether_an_address_has_an_account(client, mailoutbox):
    known = make.UserFactory()
    answers = []
    for email in (known.email, "nobody.here@example.org"):
        other = Client()
        response = other.post(reverse("account_request_login_code"), {"email": email})
        answers.append((response.status_code, response.get("Location")))
    assert answers[0] == answers[1]
    assert len(mailoutbox) == 2  # the unknown address is told it has no account
    assert not re.search(r"^\s*[A-Z0-9]{4}-[A-Z0-9]{4}\s*$", mailoutbox[1].body, re.MULTILINE)


@production_limits
def test_a_member_of_staff_signing_in_by_code_still_needs_their_authenticator(client, mailoutbox):
    council = make.council()
    staff = make.staff(council=council, role=StaffMembership.Role.MODERATOR, mfa=False)
    totp = make.enrol_totp(staff)
    client.post(reverse("account_request_login_code"), {"email": staff.email})
    entered = client.post(reverse("account_confirm_login_code"), {"code": _code_from(mailoutbox)})
    assert entered.status_code == 302
    assert entered["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    assert client.get("/staff/").status_code == 302
    client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(totp.secret).now()})
    assert _signed_in(client)
    assert client.get("/staff/").status_code == 200
