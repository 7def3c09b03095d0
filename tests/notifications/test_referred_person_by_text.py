"""A person with only a mobile phone, referred by a partner organisation, helped from start to
end by text through GOV.UK Notify's real client (the local server): the referrer records them
with their consent, their mobile is confirmed with the code texted to it, a helper offers and
the person replies YES, the visit happens and the person confirms it by text, and the help
ends — the person is never emailed, and the referrer hears each stage without the helper's
details."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Arrangement, Visit
from arrangements.policy import DEFAULT_CHECKIN_WAIT_HOURS
from arrangements.tasks import checkins
from marketplace.models import Category
from marketplace.services import moderation_approve
from matching import services as matching
from matching.models import Match
from notifications.models import Channel, ContactPreference, Notification
from partners.models import Referral
from tests.kit import factories as make
from tests.kit import partners as partners_kit

from .test_replies import text_in

pytestmark = pytest.mark.django_db

MOBILE = "07700 900123"


def _referral_form() -> dict:
    data = partners_kit.referral_data(phone=MOBILE, preferred_route="text")
    on = data.pop("consent_on")
    data["category"] = data["category"].pk
    data.update(day=on.day, month=on.month, year=on.year, address="")
    return data


def test_a_referred_phone_only_person_is_helped_end_to_end_by_text(
    notify, client, home_council, safeguarding_lead, moderator, helper,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    make.PostcodeFactory(postcode=partners_kit.REFERRAL_POSTCODE)
    organisation = partners_kit.organisation(council=home_council)
    referrer = partners_kit.referrer(organisation=organisation)
    shopping = Category.objects.get(slug="shopping")
    make.record_checks_for(helper=helper, category=shopping, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator, category_slug="shopping")

    # The referrer records the person, with their consent; a code is texted to their mobile.
    referring = Client()
    referring.force_login(referrer)
    with django_capture_on_commit_callbacks(execute=True):
        response = referring.post(reverse("referral_new"), _referral_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    referral = Referral.objects.get()
    person = referral.person
    assert person.email is None
    (code_text,) = notify.of_kind("sms")
    assert code_text.to == "+447700900123"
    code = re.search(r"\b(\d{6})\b", code_text.personalisation["body"]).group(1)

    # The person reads the code out to the council, which confirms their mobile.
    client.force_login(safeguarding_lead)
    confirmed = client.post(reverse("staff:person_contact", args=[person.pk]), {"code": code})
    assert confirmed.status_code == 302
    assert ContactPreference.objects.get(person=person).sms_ready

    # The council opens the need; a helper offers; the person is asked by text and says YES.
    moderation_approve(actor=moderator, kind="need", listing_id=referral.need_id)
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.match_offer_help(
            helper=helper, need_id=referral.need_id, offer_id=offer.pk
        )
    proposal = notify.of_kind("sms")[-1]
    assert proposal.to == "+447700900123"
    assert "Reply YES to accept" in proposal.personalisation["body"]
    with django_capture_on_commit_callbacks(execute=True):
        assert text_in(client, "Yes", number=MOBILE).status_code == 204
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    found = Notification.objects.get(
        person=referrer, template="referral_matched", channel=Channel.KITH
    )
    assert helper.display_name.split()[0] not in found.body

    # The visit happens; the helper does not answer, so the person is asked by text, and
    # confirms it by replying YES.
    arrangement = Arrangement.objects.get(match=match)
    visit = arrangement.visits.order_by("starts_at").first()
    now = timezone.now()
    Visit.objects.filter(pk=visit.pk).update(
        starts_at=now - dt.timedelta(hours=DEFAULT_CHECKIN_WAIT_HOURS + 3),
        ends_at=now - dt.timedelta(hours=DEFAULT_CHECKIN_WAIT_HOURS + 2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        checkins.delay(now=(now - dt.timedelta(hours=DEFAULT_CHECKIN_WAIT_HOURS + 1)).isoformat())
        checkins.delay(now=now.isoformat()).get()
    asked = notify.of_kind("sms")[-1]
    assert asked.to == "+447700900123" and "Reply YES" in asked.personalisation["body"]
    with django_capture_on_commit_callbacks(execute=True):
        assert text_in(client, "YES", number=MOBILE).status_code == 204
    visit.refresh_from_db()
    assert visit.status == Visit.Status.DONE

    # The help ends: the person is told by text, the referrer that it ended.
    with django_capture_on_commit_callbacks(execute=True):
        matching.match_complete(user=helper, match_id=match.pk)
    assert notify.of_kind("sms")[-1].to == "+447700900123"
    assert Notification.objects.filter(
        person=referrer, template="referral_ended", channel=Channel.KITH
    ).exists()
    # Never by email, and nothing the referrer read named the helper.
    assert not Notification.objects.filter(person=person, channel=Channel.EMAIL).exists()
    assert not [s for s in notify.of_kind("email") if s.to not in (helper.email, referrer.email)]
    for row in Notification.objects.filter(person=referrer):
        assert helper.display_name not in row.body and helper.email not in row.body
