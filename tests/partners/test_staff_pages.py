"""A council admin registers partner organisations, invites their referrers, sees referrals
per organisation and per referrer, and pauses and reinstates an organisation's access: every
change audited, another council's organisations "not found"."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import StaffInvitation
from accounts.second_factor import is_privileged
from core.models import AuditEvent
from marketplace.models import Category
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
