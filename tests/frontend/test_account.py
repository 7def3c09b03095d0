"""The account pages: details, postcode, download my data and delete my account."""

import json

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEvent
from marketplace.models import Need
from matching.services import match_offer_help
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_account_page_links_to_email_and_password_pages(client, citizen):
    client.force_login(citizen)
    html = client.get(reverse("account_home")).content.decode()
    assert reverse("account_email") in html and reverse("account_change_password") in html
    assert citizen.email in html  # their own email, on their own page


def test_change_postcode_refuses_out_of_area(client, citizen):
    client.force_login(citizen)
    html = client.post(reverse("account_postcode"), {"postcode": "BT1 1AA"}).content.decode()
    assert "Kith is not available in your area yet." in html
    client.post(reverse("account_postcode"), {"postcode": "LS3 3DD"})
    citizen.refresh_from_db()
    assert citizen.home_postcode == "LS3 3DD"


def test_download_my_data(client, citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    client.force_login(citizen)
    assert client.get(reverse("account_download")).status_code == 200
    response = client.post(reverse("account_download"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == citizen.email
    assert data["account"]["home_postcode"] == "LS1 1AA"
    assert [n["title"] for n in data["needs"]] == ["A weekly chat"]
    assert data["matches"][0]["other_person"] == "Sam"
    assert helper.email not in response.content.decode()  # other people by name only


def test_delete_account_needs_confirmation(client, citizen, befriending, moderator):
    make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.post(reverse("account_delete"), {}).content.decode()
    assert "Tick the box to confirm" in html
    assert User.objects.filter(pk=citizen.pk).exists()
    response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response["Location"] == reverse("home")
    # Anonymised rather than deleted, so that the council's statistics stay as they were.
    erased = User.objects.get(pk=citizen.pk)
    assert erased.email == f"erased-{citizen.pk}@erased.invalid" and not erased.is_active
    need = Need.objects.get(owner=citizen)
    assert need.status == Need.Status.CLOSED and need.title != "A weekly chat"
    assert AuditEvent.objects.filter(verb="person.erased", target_id=citizen.pk).exists()
    assert "_auth_user_id" not in client.session


def test_deleting_a_helper_reopens_the_need_they_were_matched_with(
    client, citizen, helper, befriending, moderator
):
    from matching.services import match_accept

    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    match = match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=citizen, match_id=match.pk)
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    client.force_login(helper)
    client.post(reverse("account_delete"), {"confirm": "on"})
    assert not User.objects.get(pk=helper.pk).is_active
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert AuditEvent.objects.filter(verb="match.cancelled", target_id=match.pk).exists()


def test_add_an_email_address_and_change_password_through_allauth(client, citizen):
    from django.core import mail

    client.force_login(citizen)
    # Changing sign-in details asks for the password again first.
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "maggie.new@example.org"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    html = client.get(response["Location"]).content.decode()
    assert "<title>Enter your password to continue – Kith</title>" in html
    response = client.post(
        response["Location"],
        {"password": "correct-horse-battery", "next": reverse("account_email")},
    )
    assert response.status_code == 302  # allauth then carries out the change it held back
    assert citizen.emailaddress_set.filter(email="maggie.new@example.org", verified=False).exists()
    assert mail.outbox[-1].to == ["maggie.new@example.org"]
    html = client.get(reverse("account_email")).content.decode()
    assert "maggie.new@example.org" in html and "Not confirmed" in html

    html = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "wrong",
            "password1": "a-new-long-phrase",
            "password2": "a-new-long-phrase",
        },
    ).content.decode()
    assert "govuk-error-summary" in html and 'href="#id_oldpassword"' in html
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "correct-horse-battery",
            "password1": "a-new-long-phrase",
            "password2": "a-new-long-phrase",
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password("a-new-long-phrase")


# --- The sign-in pages speak Kith's plain English, and Welsh ---------------------------------
def test_a_wrong_password_is_told_in_plain_english(client, citizen):
    html = client.post(
        reverse("account_login"), {"login": citizen.email, "password": "not-the-password"}
    ).content.decode()
    assert "The email address or password is not correct. Check them and try again." in html
    assert "and/or" not in html


def test_a_wrong_password_is_told_in_welsh(client, citizen):
    client.cookies["kith_language"] = "cy"
    html = client.post(
        reverse("account_login"), {"login": citizen.email, "password": "not-the-password"}
    ).content.decode()
    assert "Nid yw’r cyfeiriad e-bost neu’r cyfrinair yn gywir." in html
    assert "not correct" not in html


def test_a_reset_for_an_unknown_address_says_so_in_sentence_case(client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    (mail,) = mailoutbox
    assert mail.subject == "[Kith] No account with that email address"
    assert "There is no Kith account with this address." in mail.body
    assert "Unknown Account" not in mail.subject


def test_the_authenticator_pages_read_in_sentence_case(client, citizen):
    make.enrol_totp(citizen)
    client.post(
        reverse("account_login"), {"login": citizen.email, "password": "correct-horse-battery"}
    )
    html = client.get(reverse("mfa_authenticate")).content.decode()
    assert "Enter a code from your authenticator app" in html
    assert "Sign In" not in html and "Two-Factor Authentication" not in html
