"""Replies by text message through Notify's received-text callback: YES and NO answer the
latest proposal or urgent alert through the matching services, STOP ends texts, anything else
gets a helpful reply and waits for staff; unknown numbers and wrong tokens change nothing;
twenty YES texts at once accept once."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from matching import services as matching
from matching.models import AlertPreference, Match
from matching.tasks import alert_urgent_need
from notifications.models import Channel, ContactPreference, InboundText, Notification
from notifications.replies import inbound_text
from tests.kit import factories as make
from tests.kit.races import at_once

MOBILE = "+447700900123"


def texter(person, mobile=MOBILE):
    return ContactPreference.objects.create(
        person=person, by_sms=True, mobile=mobile, mobile_verified_at=timezone.now()
    )


def text_in(client, body, number="07700 900123", token="inbound-token-for-tests"):  # noqa: S107
    return client.post(
        "/notify/received-texts/",
        {
            "id": str(uuid.uuid4()),
            "source_number": number.replace(" ", ""),
            "destination_number": "07700900000",
            "message": body,
            "date_received": "2026-12-03T10:00:00.000000Z",
            "notify_number": "07700900000",
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def replies_to(person):
    return list(
        Notification.objects.filter(person=person, template="reply").values_list("body", flat=True)
    )


@pytest.fixture
def offered(citizen, helper, moderator, django_capture_on_commit_callbacks):
    """A helper has offered to help; the citizen, who reads texts, was told by text."""
    texter(citizen)
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    assert Notification.objects.filter(person=citizen, channel=Channel.SMS).exists()
    return match


@pytest.mark.django_db
def test_yes_accepts_the_proposal_through_the_matching_service(notify, offered, citizen, client):
    assert text_in(client, "Yes please!").status_code == 204
    offered.refresh_from_db()
    assert offered.status == Match.Status.ACCEPTED
    inbound = InboundText.objects.get()
    assert inbound.outcome == "accepted" and inbound.match_id == offered.pk
    assert "you have said yes" in replies_to(citizen)[0]
    # A second YES finds nothing waiting.
    text_in(client, "YES")
    assert InboundText.objects.order_by("-id").first().outcome == "nothing_open"


@pytest.mark.django_db
def test_no_declines_and_other_words_wait_for_staff(notify, offered, citizen, client):
    text_in(client, "what is this about?")
    assert InboundText.objects.get().outcome == "unrecognised"
    assert "did not understand" in replies_to(citizen)[0]
    offered.refresh_from_db()
    assert offered.status == Match.Status.PROPOSED
    text_in(client, "no")
    offered.refresh_from_db()
    assert offered.status == Match.Status.DECLINED


@pytest.mark.django_db
def test_stop_ends_texts_and_unknown_numbers_and_bad_tokens_change_nothing(
    notify, offered, citizen, client
):
    assert text_in(client, "YES", token="wrong").status_code == 401
    assert text_in(client, "YES", number="07700900456").status_code == 204  # not a Kith number
    assert InboundText.objects.count() == 0
    offered.refresh_from_db()
    assert offered.status == Match.Status.PROPOSED
    text_in(client, "STOP")
    pref = ContactPreference.objects.get(person=citizen)
    assert pref.sms_stopped_at is not None and not pref.sms_ready
    assert replies_to(citizen) == []  # no reply to STOP


@pytest.mark.django_db
def test_yes_to_an_urgent_alert_offers_help(
    notify, citizen, helper, moderator, client, django_capture_on_commit_callbacks
):
    texter(helper)
    AlertPreference.objects.create(user=helper, opted_in=True)
    make.open_offer(helper=helper, moderator=moderator)
    need = make.open_need(owner=citizen, moderator=moderator, urgency="urgent")
    with django_capture_on_commit_callbacks(execute=True):
        alert_urgent_need(need.pk)
    assert Notification.objects.filter(person=helper, template="urgent_alert", channel="sms")
    text_in(client, "yes")
    match = Match.objects.get(need=need)
    assert match.proposed_by == Match.ProposedBy.HELPER and match.offer.helper_id == helper.pk
    assert InboundText.objects.get().outcome == "alert_yes"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_yes_texts_at_once_accept_once(notify, home_council, moderator, citizen, helper):
    texter(citizen)
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    calls = [
        (
            lambda i=i: inbound_text(
                provider_id=f"inbound-{i}", from_number="07700900123", body="YES"
            )
        )
        for i in range(20)
    ]
    results = at_once(
        hold=lambda: ContactPreference.objects.select_for_update().get(person=citizen),
        calls=calls,
    )
    assert not [r for r in results if isinstance(r, Exception)]
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count("accepted") == 1
    assert outcomes.count("nothing_open") == 19
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(verb="match.accepted", target_id=match.pk).count() == 1
