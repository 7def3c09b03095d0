"""A council admin registers partner organisations, invites their referrers, sees referrals
per organisation and per referrer, and pauses and reinstates an organisation's access: every
change audited, another council's organisations "not found"."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import StaffInvitation
from accounts.second_factor import is_privileged
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace.models import Category
from partners import selectors, services
from partners.models import PartnerOrganisation, Referrer
from tests.kit import partners as kit

pytestmark = pytest.mark.django_db


def test_a_council_admin_registers_a_partner(client, council_admin, home_council):
    client.force_login(council_admin)
    shopping = Category.objects.get(slug="shopping")
    response = client.post(
        reverse("staff:partners"),
        {
            "name": "St Mary's discharge team",
            "kind": "hospital_discharge",
            "contact_name": "Dee Charge",
            "contact_email": "dee@stmarys.example",
            "categories": [shopping.pk],
        },
    )
    organisation = PartnerOrganisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:partner", args=[organisation.pk])
    assert organisation.council == home_council
    assert list(organisation.categories.all()) == [shopping]
    assert AuditEvent.objects.filter(verb="partner.registered", actor_id=council_admin.pk).exists()
    page = client.get(reverse("staff:partners")).content.decode()
    assert "St Mary&#x27;s discharge team" in page
    # Without a kind of help it may refer for, nothing is registered.
    response = client.post(
        reverse("staff:partners"),
        {"name": "Another", "kind": "charity", "contact_name": "A", "contact_email": "a@b.org"},
    )
    assert response.status_code == 400 and PartnerOrganisation.objects.count() == 1


def test_inviting_a_referrer_sends_a_set_up_link(
    client, council_admin, organisation, django_capture_on_commit_callbacks
):
    client.force_login(council_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff:partner_invite", args=[organisation.pk]),
            {"display_name": "Lin Worker", "email": "Lin@Riverside.example"},
        )
    assert response.status_code == 302
    referrer = Referrer.objects.get()
    assert referrer.organisation == organisation and referrer.user.email == "lin@riverside.example"
    assert not referrer.user.has_usable_password()
    assert is_privileged(referrer.user)
    assert StaffInvitation.objects.filter(user=referrer.user, used_at__isnull=True).exists()
    (message,) = mail.outbox
    assert message.to == ["lin@riverside.example"] and "/staff/set-up/" in message.body
    assert "referrer" in message.body
    assert AuditEvent.objects.filter(verb="partner.referrer_invited").exists()
    # An address that already has an account elsewhere is refused.
    response = client.post(
        reverse("staff:partner_invite", args=[organisation.pk]),
        {"display_name": "Ada", "email": council_admin.email},
    )
    assert response.status_code == 400 and Referrer.objects.count() == 1


def test_referrals_per_partner_and_per_referrer(
    client, council_admin, organisation, referrer, colleague, referral
):
    kit.referral(referrer=colleague, display_name="Fred Jones", phone="07700900456")
    client.force_login(council_admin)
    page = client.get(reverse("staff:partner", args=[organisation.pk])).content.decode()
    assert "Edna Smith" in page and "Fred Jones" in page
    mine = Referrer.objects.get(user=referrer)
    page = client.get(reverse("staff:partner_referrer", args=[mine.pk])).content.decode()
    assert "Edna Smith" in page and "Fred Jones" not in page
    assert "Waiting for review" in page


def test_pausing_and_reinstating_are_audited(client, council_admin, organisation):
    client.force_login(council_admin)
    url = reverse("staff:partner_suspend", args=[organisation.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Contract ended"}).status_code == 302
    organisation.refresh_from_db()
    assert organisation.is_suspended and organisation.suspended_reason == "Contract ended"
    assert (
        client.post(reverse("staff:partner_reinstate", args=[organisation.pk])).status_code == 302
    )
    organisation.refresh_from_db()
    assert not organisation.is_suspended
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"partner.suspended", "partner.reinstated"} <= verbs


def test_another_councils_partners_are_not_found(client, away_admin, organisation, referrer):
    client.force_login(away_admin)
    mine = Referrer.objects.get(user=referrer)
    for url in (
        reverse("staff:partner", args=[organisation.pk]),
        reverse("staff:partner_referrer", args=[mine.pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("staff:partner_suspend", args=[organisation.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    assert "Riverside" not in client.get(reverse("staff:partners")).content.decode()


def test_only_council_admins_hold_the_partners_pages(client, moderator, safeguarding_lead):
    for person in (moderator, safeguarding_lead):
        client.force_login(person)
        assert client.get(reverse("staff:partners")).status_code == 403


def test_a_council_admin_deactivates_and_reactivates_one_referrer(
    client, council_admin, organisation, referrer, colleague, referral
):
    """One referrer stops, the organisation and their colleague carry on: the deactivated one
    cannot use the referral pages nor sign in, and their referrals stay visible to staff."""
    mine = Referrer.objects.get(user=referrer)
    referrer_client = Client()
    referrer_client.force_login(referrer)
    client.force_login(council_admin)
    response = client.post(reverse("staff:partner_referrer_deactivate", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    referrer.refresh_from_db()
    assert not mine.active and not referrer.is_active
    event = AuditEvent.objects.get(verb="partner.referrer_deactivated")
    assert event.actor_id == council_admin.pk and event.target_id == referrer.pk
    assert event.data == {"organisation": organisation.pk, "referrer": mine.pk}
    organisation.refresh_from_db()
    assert not organisation.is_suspended
    # Their sessions ended; signing in again is refused, by password or by code.
    assert referrer_client.get(reverse("referrals")).status_code == 302
    referrer.set_password("correct-horse-battery")
    referrer.save(update_fields=["password"])
    assert not Client().login(email=referrer.email, password="correct-horse-battery")
    signing_in = Client()
    signing_in.post(
        reverse("account_login"), {"login": referrer.email, "password": "correct-horse-battery"}
    )
    assert "_auth_user_id" not in signing_in.session
    # Even signed in somehow, the referral pages are refused.
    other = Client()
    other.force_login(referrer)
    assert other.get(reverse("referrals")).status_code in (302, 403)
    assert other.get(reverse("referral_detail", args=[referral.pk])).status_code in (302, 403)
    with pytest.raises(ApplicationError):
        kit.referral(referrer=referrer)
    # The colleague still refers; staff still see the deactivated one's referrals.
    kit.referral(referrer=colleague, display_name="Fred Jones", phone="07700900456")
    page = client.get(reverse("staff:partner_referrer", args=[mine.pk])).content.decode()
    assert "Edna Smith" in page and "Deactivated" in page
    page = client.get(reverse("staff:partner", args=[organisation.pk])).content.decode()
    assert "Edna Smith" in page and "Deactivated" in page
    # Twice is refused with a message; reactivating lets them in again.
    client.post(reverse("staff:partner_referrer_deactivate", args=[mine.pk]))
    assert AuditEvent.objects.filter(verb="partner.referrer_deactivated").count() == 1
    response = client.post(reverse("staff:partner_referrer_reactivate", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    referrer.refresh_from_db()
    assert mine.active and referrer.is_active
    assert AuditEvent.objects.filter(verb="partner.referrer_reactivated").exists()
    assert Client().login(email=referrer.email, password="correct-horse-battery")
    back = Client()
    back.force_login(referrer)
    assert back.get(reverse("referrals")).status_code in (200, 302)


def test_another_councils_referrer_cannot_be_deactivated(client, away_admin, referrer):
    mine = Referrer.objects.get(user=referrer)
    client.force_login(away_admin)
    for name in ("staff:partner_referrer_deactivate", "staff:partner_referrer_reactivate"):
        assert client.post(reverse(name, args=[mine.pk])).status_code == 404
    mine.refresh_from_db()
    assert mine.active
    assert not AuditEvent.objects.filter(verb__startswith="partner.referrer_").exists()
    with pytest.raises(NotFound):
        services.referrer_deactivate(actor=away_admin, referrer_id=mine.pk)


def test_a_deactivated_referrer_is_not_told_of_progress(council_admin, referrer, referral):
    mine = Referrer.objects.get(user=referrer)
    assert selectors.referrer_for_need(referral.need_id) == mine
    services.referrer_deactivate(actor=council_admin, referrer_id=mine.pk)
    assert selectors.referrer_for_need(referral.need_id) is None
