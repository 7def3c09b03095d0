"""Abuse limits: DRF throttles per person, and allauth's limits on sign-in, sign-up and password
reset, each answered with a clear message. The cache is the test settings' locmem cache."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from config.settings import base
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


def _rates(**rates):
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    )


def test_api_throttle_counts_per_person_with_a_clear_message(api_client):
    first, second = make.UserFactory(), make.UserFactory()
    with _rates(user="3/min", anon="100/min"):
        api_client.force_authenticate(first)
        for _ in range(3):
            assert api_client.get("/api/v1/me/").status_code == 200
        response = api_client.get("/api/v1/me/")
        assert response.status_code == 429
        detail = response.json()["detail"]
        assert detail.startswith("You have made too many requests in a short time.")
        assert "Please wait" in detail and "seconds and try again" in detail
        assert int(response["Retry-After"]) > 0
        # Someone else is not held back by the first person's requests.
        api_client.force_authenticate(second)
        assert api_client.get("/api/v1/me/").status_code == 200


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_api_throttle_for_anonymous_callers_counts_per_address(api_client):
    with _rates(user="100/min", anon="2/min"):
        assert api_client.get("/_test/open").status_code == 200
        assert api_client.get("/_test/open").status_code == 200
        response = api_client.get("/_test/open")
        assert response.status_code == 429
        assert "too many requests" in response.json()["detail"]
        other_address = api_client.get("/_test/open", REMOTE_ADDR="10.1.2.3")
        assert other_address.status_code == 200


def test_production_rates_are_per_person_and_configured():
    classes = base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert classes == [
        "config.throttling.PersonRateThrottle",
        "config.throttling.AnonymousRateThrottle",
    ]
    assert set(base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) == {"user", "anon"}


production_limits = override_settings(ACCOUNT_RATE_LIMITS=base.ACCOUNT_RATE_LIMITS)


@production_limits
def test_sign_in_locked_after_repeated_failures_for_one_account(client):
    person = make.UserFactory()
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": person.email, "password": "wrong-guess-1"}
        )
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()
    # Even the right password is refused now: the account is protected, with a message.
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked by these failures.
    other = make.UserFactory()
    response = client.post(
        reverse("account_login"), {"login": other.email, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302


@production_limits
def test_sign_up_limited_per_address(client):
    limit = int(base.ACCOUNT_RATE_LIMITS["signup"].split("/")[0])
    for n in range(limit):
        response = client.post(
            reverse("account_signup"),
            {"email": f"not-an-email-{n}", "password1": "x", "password2": "y"},
        )
        assert response.status_code == 200  # the form, with its errors
    response = client.post(
        reverse("account_signup"),
        {
            "email": "real.person@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 429
    assert "You have tried this too many times in a short while" in response.content.decode()
    from accounts.models import User

    assert not User.objects.filter(email="real.person@example.org").exists()


@production_limits
def test_password_reset_limited_per_account(client, mailoutbox):
    person = make.UserFactory()
    per_key = int(base.ACCOUNT_RATE_LIMITS["reset_password"].split(",")[1].split("/")[0])
    for _ in range(per_key):
        response = client.post(reverse("account_reset_password"), {"email": person.email})
        assert response.status_code == 302
    assert len(mailoutbox) == per_key
    response = client.post(reverse("account_reset_password"), {"email": person.email})
    assert response.status_code == 429
    assert "please wait a few minutes and then try again" in response.content.decode()
    assert len(mailoutbox) == per_key


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_behind_a_load_balancer_each_client_has_its_own_limit(api_client):
    with override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "NUM_PROXIES": 1,
            "DEFAULT_THROTTLE_RATES": {"user": "100/min", "anon": "1/min"},
        }
    ):
        balancer = {"REMOTE_ADDR": "10.0.0.2"}
        first = {**balancer, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
        second = {**balancer, "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
        assert api_client.get("/_test/open", **first).status_code == 200
        assert api_client.get("/_test/open", **first).status_code == 429
        assert api_client.get("/_test/open", **second).status_code == 200


@override_settings(ROOT_URLCONF="tests.security.urls")
def test_with_no_trusted_proxy_a_forged_forwarded_for_does_not_dodge_the_limit(api_client):
    """KITH_TRUSTED_PROXY_COUNT=0 (the default) means no proxy is trusted: the address is the
    connection's own, whatever X-Forwarded-For a client makes up."""
    assert settings.KITH_TRUSTED_PROXY_COUNT == 0
    with _rates(user="100/min", anon="2/min"):
        answers = [
            api_client.get("/_test/open", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code
            for n in range(5)
        ]
    assert answers == [200, 200, 429, 429, 429]


def test_zero_trusted_proxies_means_zero_for_the_api_throttles():
    assert base.KITH_TRUSTED_PROXY_COUNT == 0
    assert base.REST_FRAMEWORK["NUM_PROXIES"] == 0
