"""The design system pages: layout, allauth pages in Kith's design, error summaries."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("home", "Help from your neighbours"),
        ("privacy", "Privacy"),
        ("accessibility", "Accessibility statement"),
        ("safety", "Staying safe"),
        ("account_login", "Sign in"),
        ("account_signup", "Create an account"),
        ("account_reset_password", "Reset your password"),
    ],
)
def test_public_pages_have_title_one_h1_skip_link_and_footer(client, url_name, title):
    html = client.get(reverse(url_name)).content.decode()
    assert f"<title>{title} – Kith</title>" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert 'href="#main-content"' in html and 'id="main-content"' in html
    assert reverse("privacy") in html and reverse("accessibility") in html


def test_no_inline_script_or_style_attribute_and_no_crown(client):
    html = client.get(reverse("home")).content.decode()
    # Every <script> has a src (the Content-Security-Policy allows no inline script).
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag
    assert " style=" not in html
    assert "govuk-header__logotype" not in html and "crown" not in html.lower()
    assert "vendor/govuk-frontend/govuk-frontend.min.css" in html
    assert "kith/js/js-enabled.js" in html


def test_signup_errors_are_summarised_and_link_to_each_field(client):
    response = client.post(
        reverse("account_signup"), {"email": "not-an-email", "password1": "", "password2": ""}
    )
    html = response.content.decode()
    assert "<title>Error: Create an account – Kith</title>" in html
    summary = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S).group(0)
    assert 'href="#id_email"' in summary
    assert 'href="#id_password1"' in summary
    # The field itself carries the message and is described by it.
    assert 'id="id_email-error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_email-error[^"]*"', html)
    assert "govuk-input--error" in html


def test_signed_in_person_without_a_home_is_sent_to_onboarding(client, user):
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("start_role")


def test_messages_show_as_notification_banners(client, citizen):
    client.force_login(citizen)
    response = client.post(
        reverse("account_profile"),
        {"display_name": "Maggie", "languages": "English, Welsh", "gender": ""},
        follow=True,
    )
    html = response.content.decode()
    assert "govuk-notification-banner--success" in html
    assert "Your details have been saved." in html
    citizen.refresh_from_db()
    assert citizen.display_name == "Maggie"
    assert citizen.preferred_languages == ["English", "Welsh"]


def test_setup_copies_govuk_frontend_without_gov_uk_font_and_serves_it(client):
    from django.contrib.staticfiles import finders

    css_path = finders.find("vendor/govuk-frontend/govuk-frontend.min.css")
    assert css_path, "run `bash scripts/kith.sh node` to copy the front-end packages"
    with open(css_path, encoding="utf-8") as fh:
        css = fh.read()
    assert "@font-face" not in css  # GDS Transport is GOV.UK's alone
    assert ".govuk-button" in css
    for asset in ("vendor/govuk-frontend/govuk-frontend.min.js", "vendor/leaflet/leaflet.js"):
        assert finders.find(asset), asset


@pytest.mark.parametrize(
    ("url_name", "title"),
    [
        ("account_email", "Your email addresses"),
        ("account_change_password", "Change your password"),
        ("account_logout", "Sign out"),
        ("account_home", "Your account"),
        ("account_download", "Download your data"),
        ("account_delete", "Delete your account"),
        ("alerts", "Urgent need alerts"),
    ],
)
def test_signed_in_account_pages_use_the_design(client, citizen, url_name, title):
    client.force_login(citizen)
    html = client.get(reverse(url_name)).content.decode()
    assert f"<title>{title} – Kith</title>" in html
    assert len(re.findall(r"<h1[ >]", html)) == 1
    assert "Leafield Council" in html  # the person's council names the service


def test_wrong_password_is_an_error_on_the_sign_in_page(client, citizen):
    html = client.post(
        reverse("account_login"), {"login": citizen.email, "password": "not-the-password"}
    ).content.decode()
    assert "<title>Error: Sign in – Kith</title>" in html
    assert "govuk-error-summary" in html
    assert 'href="#id_login"' in html


def test_emails_speak_of_kith_in_plain_english(client):
    from django.core import mail

    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    message = mail.outbox[-1]
    assert message.subject == "[Kith] Confirm your email address"
    assert "To finish creating your Kith account" in message.body
    assert re.search(r"http://testserver/accounts/confirm-email/[^/\s]+/", message.body)
    assert "example.com" not in message.body


def test_signed_in_people_land_on_their_home_page_and_staff_on_the_console(
    client, citizen, moderator
):
    client.force_login(citizen)
    assert client.get(reverse("home"))["Location"] == reverse("dashboard")
    client.force_login(moderator)
    assert client.get(reverse("home"))["Location"] == reverse("staff:home")
