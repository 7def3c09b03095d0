"""`manage.py seed_demo` makes a partner organisation with a referrer and one referral,
the same rows however often it runs."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.second_factor import is_privileged
from partners.models import PartnerOrganisation, Referral, Referrer
from partners.selectors import WAITING, referral_status

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
