"""A person with only a phone, helped end to end by text through GOV.UK Notify's real client
(the local server): staff record them and read back the code texted to their mobile, record a
need for them, a helper offers to help, the person is texted (never emailed), replies YES,
and the match is accepted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEvent
from marketplace.models import Category, Need
from marketplace.services import moderation_approve
from matching import services as matching
from matching.models import Match
from notifications.models import Channel, ContactPreference, Notification
from tests.kit import factories as make
from tests.notifications.test_replies import text_in
from tests.staff_console.test_assisted_need import answers, slot_data

pytestmark = pytest.mark.django_db


def test_a_phone_only_person_is_helped_by_text_from_start_to_accepted_match(
    notify, client, safeguarding_lead, moderator, helper, django_capture_on_commit_callbacks
):
    make.PostcodeFactory(postcode="LS1 1AA")
    offer = make.open_offer(helper=helper, moderator=moderator)

    # Staff add the person, who has no email address, and are told a code was texted.
    client.force_login(safeguarding_lead)
    with django_capture_on_commit_callbacks(execute=True):
        added = client.post(
            reverse("staff:person_offline_new"),
            {
                "display_name": "Edna Phoneonly",
                "postcode": "LS1 1AA",
                "preferred_route": "text",
                "phone": "07700 900123",
                "consent_how": "phone",
            },
        )
    person = User.objects.get(display_name="Edna Phoneonly")
    assert added.status_code == 302 and added["Location"] == reverse(
        "staff:person_contact", args=[person.pk]
    )
    assert person.email is None
    (code_text,) = notify.of_kind("sms")
    assert code_text.to == "+447700900123"
    code = re.search(r"\b(\d{6})\b", code_text.personalisation["body"]).group(1)

    # She reads the code out; staff confirm her mobile.
    confirmed = client.post(reverse("staff:person_contact", args=[person.pk]), {"code": code})
    assert confirmed.status_code == 302
    assert ContactPreference.objects.get(person=person).sms_ready

    # Staff record her need (the existing assisted-digital page), open once reviewed.
    category = Category.objects.get(pk=offer.category_id)
    recorded = client.post(
        reverse("staff:assisted_need", args=[person.pk]),
        {**answers(category, timing="weekly"), **slot_data(("0", "09:00", "11:00"))},
    )
    assert recorded.status_code == 302, recorded.content.decode()[:2000]
    need = Need.objects.get(owner=person)
    if need.status == "pending_review":
        moderation_approve(actor=moderator, kind="need", listing_id=need.pk)

    # A helper offers to help: she is told by text, and never by email.
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    proposal = notify.of_kind("sms")[-1]
    assert proposal.to == "+447700900123"
    assert "Reply YES to accept" in proposal.personalisation["body"]
    assert not [s for s in notify.of_kind("email") if s.to != helper.email]
    assert not Notification.objects.filter(person=person, channel=Channel.EMAIL).exists()

    # She replies YES: the match is accepted through the matching service.
    with django_capture_on_commit_callbacks(execute=True):
        assert text_in(client, "Yes").status_code == 204
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    assert AuditEvent.objects.filter(verb="person.recorded_offline", target_id=person.pk).exists()
    assert "you have said yes" in notify.of_kind("sms")[-1].personalisation["body"]
