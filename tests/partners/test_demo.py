"""`manage.py seed_demo` makes a partner organisation with a referrer and one referral,
the same rows however often it runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import OfflinePerson
from accounts.second_factor import is_privileged
from notifications.models import ContactPreference
from partners.models import PartnerOrganisation, Referral, Referrer
from partners.selectors import WAITING, referral_status
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db


def test_seed_demo_has_a_partner_with_a_referrer(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    organisation = PartnerOrganisation.objects.get()
    referrer = Referrer.objects.select_related("user").get()
    assert referrer.organisation == organisation and is_privileged(referrer.user)
    referral = Referral.objects.get()
    assert referral.referrer == referrer and referral_status(referral) == WAITING
    assert "referrer@kith.example" in capsys.readouterr().out
    # The other demo rows: a person with only a phone, and helpers whose checks are
    # due to expire within the warning windows (30 and 7 days).
    (phone_only,) = OfflinePerson.objects.select_related("person").filter(preferred_route="text")
    assert phone_only.person.email is None and phone_only.person.phone
    pref = ContactPreference.objects.get(person=phone_only.person)
    assert pref.sms_ready and not pref.by_email
    today = timezone.localdate()
    due = HelperCheck.objects.filter(
        revoked_at__isnull=True,
        superseded_at__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=30),
    )
    assert due.values("user").distinct().count() >= 2
    assert due.filter(expires_on__lte=today + dt.timedelta(days=7)).exists()
