"""Re-authentication before changing email, password or MFA (ASVS V6/V7)."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # UserFactory's password


def _add_email(client, email="second@example.org"):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def test_adding_an_email_needs_a_recent_sign_in(client, user):
    client.force_login(user)  # a session with no record of when the password was given
    response = _add_email(client)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.org").exists()

    # Giving the password again lets the change through.
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    _add_email(client)
    assert EmailAddress.objects.filter(user=user, email="second@example.org").exists()


def test_even_a_fresh_sign_in_asks_again_but_only_once_for_a_while(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    response = _add_email(client, "third@example.org")
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    _add_email(client, "third@example.org")
    _add_email(client, "fourth@example.org")  # within the timeout: not asked again
    assert set(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) >= {
        "third@example.org",
        "fourth@example.org",
    }


def test_turning_on_mfa_needs_a_recent_sign_in(client, user):
    client.force_login(user)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate")) or response[
        "Location"
    ].startswith(reverse("account_reauthenticate"))


def test_changing_the_password_needs_the_current_one(client, user):
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "not-my-password",
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
