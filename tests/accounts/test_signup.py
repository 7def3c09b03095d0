"""Sign-up with mandatory email verification, then sign-in."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_signup_requires_verification_then_login_works(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "New.Person@Example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.org")

    # Not verified yet: signing in is refused and another email is sent.
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new.person@example.org", "password": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert len(mail.outbox) >= 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["new.person@example.org"]
    link = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", body).group(1)
    response = client.get(link)
    assert response.status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified

    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "NEW.PERSON@example.org", "password": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_signup_with_a_taken_email_creates_nobody_and_does_not_reveal_the_account(client, user):
    response = client.post(
        reverse("account_signup"),
        {
            "email": user.email.upper(),
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    # Same answer as a new sign-up, so the form cannot be used to find out who has an account;
    # the owner of the address is told by email instead.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert mail.outbox[-1].to == [user.email]
    assert "already" in mail.outbox[-1].body


def test_signup_refuses_common_password(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "x@example.org", "password1": "password123", "password2": "password123"},
    )
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


def test_user_has_no_username_and_email_is_login():
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(User, "username")
