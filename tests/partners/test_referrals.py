"""A referrer records a person and their need with the person's consent, and sees only their
own referrals, at the stage each has reached: never the messages, the helper or a place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OfflinePerson, User
from accounts.second_factor import is_privileged
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Category, Need
from marketplace.services import moderation_approve
from matching.services import match_accept, match_offer_help
from notifications.models import ContactPreference
from partners import selectors, services
from partners.models import Referral
from tests.kit import factories as make
from tests.kit import partners as kit

pytestmark = pytest.mark.django_db


def _form(**overrides) -> dict:
    data = kit.referral_data()
    on = data.pop("consent_on")
    data["category"] = data["category"].pk
    data.update(day=on.day, month=on.month, year=on.year)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_referrer_records_a_referral_with_the_persons_consent(client, referrer, organisation):
    make.PostcodeFactory(postcode=kit.REFERRAL_POSTCODE)
    client.force_login(referrer)
    response = client.post(
        reverse("referral_new"),
        _form(preferred_route="letter", phone="", address="12 Mill Lane\nLeeds\nLS1 1AA"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referral_detail", args=[referral.pk])
    assert referral.organisation == organisation and referral.council == organisation.council
    person = referral.person
    assert person.email is None and person.display_name == "Edna Smith"
    assert OfflinePerson.objects.get(person=person).preferred_route == "letter"
    assert ContactPreference.objects.get(person=person).by_letter
    need = referral.need
    assert need.owner == person and need.recorded_by == referrer
    assert need.consent_recorded_at is not None
    assert need.status == Need.Status.PENDING_REVIEW
    row = AuditEvent.objects.get(verb="referral.recorded")
    assert row.actor_id == referrer.pk and row.data["consent_by"] == "person"
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for review" in page and "Edna Smith" in page


def test_without_consent_nothing_is_saved(client, referrer):
    make.PostcodeFactory(postcode=kit.REFERRAL_POSTCODE)
    client.force_login(referrer)
    people = User.objects.count()
    response = client.post(reverse("referral_new"), _form(consent_by=None, consent_how=None))
    assert response.status_code == 400
    assert "You can only refer someone who agreed" in response.content.decode()
    response = client.post(reverse("referral_new"), _form(day="", month="", year=""))
    assert response.status_code == 400
    assert "Enter the date they agreed" in response.content.decode()
    assert User.objects.count() == people and not Referral.objects.exists()
    with pytest.raises(ApplicationError) as refused:
        kit.referral(referrer=referrer, consent_how="")
    assert refused.value.code == "consent_missing"
    with pytest.raises(ApplicationError) as refused:
        kit.referral(referrer=referrer, consent_by="representative", consent_representative="")
    assert refused.value.code == "representative_missing"
    future = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(ApplicationError) as refused:
        kit.referral(referrer=referrer, consent_on=future)
    assert refused.value.code == "consent_date"
    assert not Referral.objects.exists()


def test_only_the_categories_the_organisation_may_refer_for(client, referrer):
    gardening = Category.objects.get(slug="gardening")
    with pytest.raises(ApplicationError) as refused:
        kit.referral(referrer=referrer, category=gardening)
    assert refused.value.code == "category_not_allowed"
    assert not Referral.objects.exists() and not OfflinePerson.objects.exists()
    client.force_login(referrer)
    page = client.get(reverse("referral_new")).content.decode()
    assert "Shopping and errands" in page and "Gardening" not in page
    response = client.post(reverse("referral_new"), _form(category=gardening.pk))
    assert response.status_code == 400 and not Referral.objects.exists()


def test_a_paused_organisation_cannot_refer(client, council_admin, referrer, organisation):
    services.organisation_suspend(
        actor=council_admin, organisation_id=organisation.pk, reason="Contract ended"
    )
    with pytest.raises(ApplicationError) as refused:
        kit.referral(referrer=referrer)
    assert refused.value.code == "paused"
    client.force_login(referrer)
    for name in ("referrals", "referral_new"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "access is paused" in response.content.decode()
        assert "Contract ended" not in response.content.decode()
    assert client.post(reverse("referral_new"), _form()).status_code == 403
    assert not Referral.objects.exists()


def test_a_referrer_sees_only_their_own_referrals(
    client, referral, referrer, colleague, other_org_referrer, away_referrer
):
    client.force_login(referrer)
    assert "Edna Smith" in client.get(reverse("referrals")).content.decode()
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 200
    for stranger in (colleague, other_org_referrer, away_referrer):
        client.force_login(stranger)
        assert "Edna Smith" not in client.get(reverse("referrals")).content.decode()
        response = client.get(reverse("referral_detail", args=[referral.pk]))
        assert response.status_code == 404, stranger


def test_never_the_messages_or_the_helper(client, referral, referrer, moderator, home_council):
    need = referral.need
    moderation_approve(actor=moderator, kind="need", listing_id=need.pk)
    helper = make.person(council=home_council, display_name="Harry Helperson", phone="07700900999")
    offer = make.offer_row(council=home_council, helper=helper, cat=need.category)
    match = match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=referral.person, match_id=match.pk)
    client.force_login(referrer)
    for path in (reverse("referrals"), reverse("referral_detail", args=[referral.pk])):
        page = client.get(path).content.decode()
        assert "Helper found" in page
        assert "Harry" not in page and "900999" not in page
        assert reverse("match_detail", args=[match.pk]) not in page
    # The match's pages and messages stay the two people's.
    assert client.get(reverse("match_detail", args=[match.pk])).status_code in (302, 404)
    messages = client.get(f"/api/v1/matches/{match.pk}/messages/")
    assert messages.status_code in (403, 404)


def test_people_who_are_not_referrers_are_refused(client, citizen, council_admin, referral):
    client.force_login(citizen)
    assert client.get(reverse("referrals")).status_code == 403
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 403
    client.force_login(council_admin)
    assert client.get(reverse("referrals")).status_code == 403


def test_referrers_are_held_to_the_second_factor(client, organisation):
    newcomer = kit.referrer(organisation=organisation, mfa=False)
    assert is_privileged(newcomer)
    client.force_login(newcomer)
    response = client.get(reverse("referrals"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    # A password alone never adds an authenticator: only the set-up link.
    assert client.get(reverse("mfa_activate_totp")).status_code == 403


def test_status_words_follow_the_need(referral, moderator):
    assert selectors.referral_status(referral) == selectors.WAITING
    moderation_approve(actor=moderator, kind="need", listing_id=referral.need_id)
    referral.refresh_from_db()
    assert selectors.referral_status(referral) == selectors.LOOKING
    Need.objects.filter(pk=referral.need_id).update(status=Need.Status.CLOSED)
    referral.refresh_from_db()
    assert selectors.referral_status(referral) == selectors.ENDED
