"""Personal access tokens from start to end: made on the account pages and through the API,
shown once and stored as a hash, scopes enforced (read, write, staff), a token never making a
token that may do more or live longer, expiry and revocation refused at once, and the staff
second factor."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import tokens
from accounts.services import user_sessions_end
from accounts.token_models import STAFF_LIFE, PersonalAccessToken
from core.errors import ApplicationError
from core.models import AuditEvent
from tests.kit import factories as make
from tests.kit.factories import Role
from tests.kit.tokens import api_token

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
REVIEW_API = "/api/v1/staff/review/needs/"
TOKENS_API = "/api/v1/me/tokens/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def row(secret: str) -> PersonalAccessToken:
    return PersonalAccessToken.objects.get(digest=tokens.token_digest(secret))


def with_code(user, totp) -> Client:
    """A web session signed in with the password and then the authenticator's code."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp.now()})
    assert client.session.get("_auth_user_id") == str(user.pk)
    return client


# --- Made on the account pages, shown once ----------------------------------------------------
def test_a_token_made_on_the_account_page_is_shown_once_and_stored_as_a_hash(
    council, django_capture_on_commit_callbacks
):
    person = make.person(council=council)
    client = Client()
    client.force_login(person)
    assert client.get(reverse("account_token_new")).status_code == 200
    response = client.post(
        reverse("account_token_new"), {"name": "My app", "access": "read", "days": "7"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    secret = re.search(r'value="(kith_pat_[A-Za-z0-9_-]{43})"', response.content.decode())[1]
    token = row(secret)
    assert (token.name, token.scopes, token.hint) == ("My app", ["read"], secret[-4:])
    assert secret not in str(PersonalAccessToken.objects.values().get(pk=token.pk))
    assert dt.timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(7)
    listing = client.get(reverse("account_tokens")).content.decode()
    assert "My app" in listing and secret not in listing and f"…{secret[-4:]}" in listing
    # The secret works, and only for reading.
    assert bearer(secret).get("/api/v1/me/").status_code == 200
    assert bearer(secret).post(TOKENS_API, {}, content_type="application/json").status_code == 403
    # Revoked on the page: refused at once.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_token_revoke", args=[token.pk]))
    assert bearer(secret).get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(verb="token.revoked", target_id=token.pk).exists()


def test_the_form_asks_for_a_name_and_never_offers_a_token_that_never_expires(council):
    person = make.person(council=council)
    client = Client()
    client.force_login(person)
    page = client.get(reverse("account_token_new")).content.decode()
    assert 'name="staff"' not in page  # not staff: no staff access to give
    assert re.findall(r'name="days"[^>]*value="(\d+)"', page) == ["7", "30", "90"]
    response = client.post(reverse("account_token_new"), {"access": "write", "days": "365"})
    assert response.status_code == 200
    assert "Enter a name for the token" in response.content.decode()
    assert "<title>Error: Make a token – " in response.content.decode()  # said once
    assert not PersonalAccessToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked(council):
    owner, other = make.person(council=council), make.person(council=council)
    secret = api_token(owner)
    client = Client()
    client.force_login(other)
    assert client.post(reverse("account_token_revoke", args=[row(secret).pk])).status_code == 404
    assert bearer(secret).get("/api/v1/me/").status_code == 200


# --- Made through the API ---------------------------------------------------------------------
def test_a_write_token_makes_a_narrower_token_and_never_a_wider_or_longer_one(
    council, django_capture_on_commit_callbacks
):
    person = make.person(council=council)
    writer = bearer(api_token(person, scopes=("write",), days=30))

    made = writer.post(
        TOKENS_API,
        {"name": "Reader", "scopes": ["read"], "expires_in_days": 7},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["token"].startswith("kith_pat_") and body["scopes"] == ["read"]
    assert "no-store" in made["Cache-Control"]
    listed = writer.get(TOKENS_API).json()
    assert {t["name"] for t in listed} == {"Test", "Reader"}
    assert all("token" not in t for t in listed)

    # Longer than itself: refused.
    longer = writer.post(
        TOKENS_API,
        {"name": "Longer", "scopes": ["read"], "expires_in_days": 90},
        content_type="application/json",
    )
    assert longer.status_code == 400 and "token_outlives_maker" in longer.content.decode()
    # More than itself: a read-and-write token cannot give staff access.
    staff = writer.post(
        TOKENS_API,
        {"name": "Staff", "scopes": ["read", "staff"], "expires_in_days": 7},
        content_type="application/json",
    )
    assert staff.status_code == 400
    # A read token cannot make one at all (writing), nor revoke.
    reader = bearer(body["token"])
    assert (
        reader.post(
            TOKENS_API, {"name": "x", "scopes": ["read"]}, content_type="application/json"
        ).status_code
        == 403
    )
    assert reader.delete(f"{TOKENS_API}{body['id']}/").status_code == 403
    # The write token revokes it: refused at once.
    with django_capture_on_commit_callbacks(execute=True):
        assert writer.delete(f"{TOKENS_API}{body['id']}/").status_code == 204
    assert reader.get("/api/v1/me/").status_code == 401
    assert PersonalAccessToken.objects.filter(user=person).count() == 2


def test_a_read_scope_only_reads_and_a_write_scope_writes(council):
    person = make.person(council=council)
    reader = bearer(api_token(person, scopes=("read",)))
    writer = bearer(api_token(person, scopes=("write",)))
    change = {"display_name": "New Name"}
    assert reader.patch("/api/v1/me/", change, content_type="application/json").status_code == 403
    assert writer.patch("/api/v1/me/", change, content_type="application/json").status_code == 200
    assert writer.get("/api/v1/me/").json()["display_name"] == "New Name"


def test_the_old_token_header_still_works_for_the_new_tokens(council):
    secret = api_token(make.person(council=council))
    client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
    assert client.get("/api/v1/me/").status_code == 200
    assert Client(HTTP_AUTHORIZATION="Token 0123456789abcdef").get("/api/v1/me/").status_code == 401


# --- Expiry and revocation --------------------------------------------------------------------
def test_an_expired_token_is_refused(council):
    secret = api_token(make.person(council=council))
    now = timezone.now()
    PersonalAccessToken.objects.filter(pk=row(secret).pk).update(
        created_at=now - dt.timedelta(days=8), expires_at=now - dt.timedelta(seconds=1)
    )
    response = bearer(secret).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_last_use_is_recorded_without_a_write_per_request(council):
    secret = api_token(make.person(council=council))
    assert row(secret).last_used_at is None
    client = bearer(secret)
    client.get("/api/v1/me/")
    first = row(secret).last_used_at
    assert first is not None
    cache.clear()
    client.get("/api/v1/me/")
    assert row(secret).last_used_at == first


def test_signing_out_everywhere_and_a_password_change_revoke_every_token(
    council, django_capture_on_commit_callbacks
):
    council_admin = make.staff(council=council, role=Role.COUNCIL_ADMIN)
    person = make.person(council=council)
    first, second = api_token(person), api_token(person)
    assert bearer(first).get("/api/v1/me/").status_code == 200  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        user_sessions_end(actor=council_admin, person_id=person.pk)
    assert bearer(first).get("/api/v1/me/").status_code == 401
    assert bearer(second).get("/api/v1/me/").status_code == 401
    assert {t.revoked_reason for t in PersonalAccessToken.objects.filter(user=person)} == {
        "signed_out"
    }

    third = api_token(person)
    client = Client()
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_change_password"),
            {
                "oldpassword": PASSWORD,
                "password1": "a-new-long-pass-9",
                "password2": "a-new-long-pass-9",
            },
        )
    assert response.status_code == 302
    assert bearer(third).get("/api/v1/me/").status_code == 401
    assert row(third).revoked_reason == "password"


def test_a_deactivated_person_is_refused(council):
    person = make.person(council=council)
    secret = api_token(person)
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert bearer(secret).get("/api/v1/me/").status_code == 401


# --- Staff ------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_access_needs_the_second_factor_in_the_session_and_lasts_a_working_day(
    council,
):
    moderator = make.staff(council=council, role=Role.MODERATOR, mfa=False, lives_here=True)
    # A session signed in with the password alone, before the authenticator was added: no
    # staff token from it.
    password_only = Client()
    password_only.force_login(moderator)
    totp = make.enrol_totp(moderator)
    page = password_only.get(reverse("account_token_new")).content.decode()
    assert 'name="staff"' in page and reverse("mfa_reauthenticate") in page
    refused = password_only.post(
        reverse("account_token_new"),
        {"name": "Console", "access": "write", "staff": "on", "days": "7"},
    )
    assert "first sign in with your authenticator app" in refused.content.decode()
    assert not PersonalAccessToken.objects.exists()

    # With the code in this session: a staff token, for 8 hours.
    session = with_code(moderator, totp)
    made = session.post(
        reverse("account_token_new"),
        {"name": "Console", "access": "write", "staff": "on", "days": "90"},
    )
    secret = re.search(r'value="(kith_pat_[^"]+)"', made.content.decode())[1]
    token = row(secret)
    assert token.scopes == ["write", "staff"]
    assert token.expires_at - token.created_at == STAFF_LIFE
    assert bearer(secret).get(REVIEW_API).status_code == 200

    # The same person's token without staff is refused the staff endpoints, as before.
    plain = api_token(moderator, scopes=("read", "write"))
    assert bearer(plain).get(REVIEW_API).status_code == 403
    assert bearer(plain).get("/api/v1/me/").status_code == 200


def test_someone_who_is_not_staff_gets_no_staff_token(council):
    person = make.person(council=council)
    with pytest.raises(ApplicationError) as refused:
        api_token(person, scopes=("read", "staff"))
    assert refused.value.code == "token_not_staff"


def test_the_database_refuses_a_staff_token_longer_than_a_working_day(council):
    moderator = make.staff(council=council, role=Role.MODERATOR)
    secret = api_token(moderator, scopes=("read", "staff"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonalAccessToken.objects.filter(pk=row(secret).pk).update(
            expires_at=row(secret).created_at + STAFF_LIFE + dt.timedelta(minutes=1)
        )
