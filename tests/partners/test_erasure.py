"""Erasing a referred person removes what their referral says about them and keeps the
council's record that they were referred with consent."""

from __future__ import annotations

import pytest

from partners.models import Referral
from privacy.erasure import person_erase
from privacy.export import person_data_export
from tests.kit import partners as kit

pytestmark = pytest.mark.django_db


def test_erasure_clears_the_referral(referrer):
    referral = kit.referral(
        referrer=referrer, consent_by="representative", consent_representative="Jean Smith"
    )
    person = referral.person
    download = person_data_export(user=person)
    assert download["referrals"][0]["speaking_for_you"] == "Jean Smith"
    assert download["referrals"][0]["referred_by"] == "Riverside GP practice"
    person_erase(person=person, actor=person)
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.consent_representative == ""
    assert referral.consent_how == "phone" and referral.person_id == person.pk
    person.refresh_from_db()
    assert "Edna" not in person.display_name
