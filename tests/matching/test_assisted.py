"""Assisted digital, second half: council staff manage the matches and messages of a person
whose need they recorded for them with consent (matching.assisted and its console pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace import services as marketplace_services
from marketplace.models import Need
from matching import assisted
from matching import services as matching_services
from matching.models import Match, Message
from tests.kit import factories as make
from tests.kit.factories import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_need(safeguarding_lead, citizen):
    """A need a safeguarding lead recorded for Margaret with her consent (published at once:
    council staff have seen it)."""
    need = make.need(
        owner=citizen,
        title="Walk Biscuit on Mondays",
        recorded_by=safeguarding_lead,
        consent_given=True,
        consent_note="Agreed by phone",
    )
    assert need.status == Need.Status.OPEN
    return need


@pytest.fixture
def open_offer(helper, moderator):
    offer = make.offer(helper=helper)
    marketplace_services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    return offer


def _assisted_events(verb: str):
    return AuditEvent.objects.filter(verb=verb)


def test_staff_ask_a_helper_then_message_for_the_person(
    safeguarding_lead, citizen, helper, recorded_need, open_offer
):
    need, matches, ranked = assisted.assisted_need_view(
        staff=safeguarding_lead, need_id=recorded_need.pk
    )
    assert matches == [] and [p.offer.pk for p in ranked] == [open_offer.pk]
    assert _assisted_events("assisted.need_viewed").get().actor_id == safeguarding_lead.pk

    match = assisted.assisted_match_request(
        staff=safeguarding_lead, need_id=need.pk, offer_id=open_offer.pk
    )
    assert (match.status, match.proposed_by, match.proposed_by_user_id) == (
        Match.Status.PROPOSED,
        Match.ProposedBy.CITIZEN,
        citizen.pk,
    )
    event = _assisted_events("assisted.match_requested").get()
    assert event.actor_id == safeguarding_lead.pk and event.target_id == match.pk
    assert event.data["on_behalf_of"] == citizen.pk and event.data["need"] == need.pk

    matching_services.match_accept(user=helper, match_id=match.pk)
    message = assisted.assisted_message_send(
        staff=safeguarding_lead, match_id=match.pk, body="  Monday at ten suits her.  "
    )
    assert (message.sender_id, message.sent_for_by_id) == (citizen.pk, safeguarding_lead.pk)
    # The body is what staff wrote; the mark is the column, not a first line.
    assert message.body == "Monday at ten suits her." and message.sent_by_council
    sent = _assisted_events("assisted.message_sent").get()
    assert (sent.actor_id, sent.target_id, sent.data["match"]) == (
        safeguarding_lead.pk,
        message.pk,
        match.pk,
    )

    matching_services.message_send(user=helper, match_id=match.pk, body="See you then.")
    read = assisted.assisted_messages(staff=safeguarding_lead, match_id=match.pk)
    assert [m.body for m in read][1] == "See you then."
    assert _assisted_events("assisted.messages_read").get().data["messages"] == 2
    # The person's own reads are not staff reads: nothing says staff read it as staff.
    assert not _assisted_events("messages.read_by_staff").exists()


def test_staff_accept_and_decline_a_helpers_offer_for_the_person(
    council_admin, citizen, helper, recorded_need, open_offer, home_council
):
    match = matching_services.match_offer_help(
        helper=helper, need_id=recorded_need.pk, offer_id=open_offer.pk
    )
    accepted = assisted.assisted_match_accept(staff=council_admin, match_id=match.pk)
    assert accepted.status == Match.Status.ACCEPTED and accepted.citizen_agreed_at
    assert _assisted_events("assisted.match_accepted").get().actor_id == council_admin.pk
    recorded_need.refresh_from_db()
    assert recorded_need.status == Need.Status.MATCHED

    other_helper = make.staff(
        council=home_council, role=Role.MODERATOR, display_name="Ola", lives_here=True
    )
    offer2 = make.offer(helper=other_helper, title="Walks on Monday mornings")
    marketplace_services.moderation_approve(actor=council_admin, kind="offer", listing_id=offer2.pk)
    need2 = make.need(
        owner=citizen, title="Shopping on Mondays", recorded_by=council_admin, consent_given=True
    )
    proposal = matching_services.match_offer_help(
        helper=other_helper, need_id=need2.pk, offer_id=offer2.pk
    )
    declined = assisted.assisted_match_decline(
        staff=council_admin, match_id=proposal.pk, reason="She already has help"
    )
    assert declined.status == Match.Status.DECLINED
    assert declined.decline_reason == "She already has help" and declined.ended_by_id == citizen.pk
    event = _assisted_events("assisted.match_declined").get()
    # The audit row (append-only, kept longest) says a reason was given, never its words.
    assert event.actor_id == council_admin.pk
    assert event.data["reason_given"] is True and event.data["reason_length"] == 20
    assert "She already has help" not in str(event.data)

    # Ending the first match with a reason that names a place: the match keeps the words (for
    # the two people, until retention or erasure), no audit row does.
    ended = assisted.assisted_match_cancel(
        staff=council_admin, match_id=match.pk, reason="  Moved to 12 Park Row, Leeds  "
    )
    assert ended.decline_reason == "Moved to 12 Park Row, Leeds"
    event = _assisted_events("assisted.match_cancelled").get()
    assert (event.data["reason_given"], event.data["reason_length"]) == (True, 27)
    assert not any("Park Row" in str(e.data) for e in AuditEvent.objects.all())


def test_refusals_change_nothing(
    safeguarding_lead,
    moderator,
    away_admin,
    citizen,
    helper,
    recorded_need,
    open_offer,
):
    own_need = make.need(owner=citizen, title="My own request")  # the person wrote it
    with pytest.raises(ApplicationError, match="recorded for them with their consent"):
        assisted.assisted_match_request(
            staff=safeguarding_lead, need_id=own_need.pk, offer_id=open_offer.pk
        )
    for staff in (moderator, away_admin):  # no assisted-digital role; another council
        with pytest.raises(NotFound):
            assisted.assisted_match_request(
                staff=staff, need_id=recorded_need.pk, offer_id=open_offer.pk
            )
    with pytest.raises(NotFound):
        assisted.assisted_match_request(staff=citizen, need_id=recorded_need.pk, offer_id=1)
    assert not Match.objects.exists()

    match = assisted.assisted_match_request(
        staff=safeguarding_lead, need_id=recorded_need.pk, offer_id=open_offer.pk
    )
    # Messages open only once both have agreed; the refusal comes from matching's own rule.
    with pytest.raises(ApplicationError, match="once both of you have accepted"):
        assisted.assisted_message_send(staff=safeguarding_lead, match_id=match.pk, body="Hello")
    matching_services.match_accept(user=helper, match_id=match.pk)
    with pytest.raises(ApplicationError, match="Write a message"):
        assisted.assisted_message_send(staff=safeguarding_lead, match_id=match.pk, body="   ")
    with pytest.raises(ApplicationError, match="Keep a message under 2,000"):
        assisted.assisted_message_send(staff=safeguarding_lead, match_id=match.pk, body="x" * 2001)
    with pytest.raises(NotFound):
        assisted.assisted_message_send(staff=away_admin, match_id=match.pk, body="Hello")
    with pytest.raises(NotFound):
        assisted.assisted_messages(staff=moderator, match_id=match.pk)
    assert not Message.objects.exists()
    assert not _assisted_events("assisted.message_sent").exists()
    # The person has already agreed: agreeing again for them is refused by matching.
    with pytest.raises(ApplicationError, match="already been agreed"):
        assisted.assisted_match_accept(staff=safeguarding_lead, match_id=match.pk)
    assert not _assisted_events("assisted.match_accepted").exists()


# --- Console pages ---------------------------------------------------------------------------
def test_console_pages_for_the_person(
    client, safeguarding_lead, citizen, helper, recorded_need, open_offer
):
    client.force_login(safeguarding_lead)
    person_page = client.get(reverse("staff:person", args=[citizen.pk])).content.decode()
    need_url = reverse("staff:assisted_need_detail", args=[recorded_need.pk])
    assert need_url in person_page

    page = client.get(need_url).content.decode()
    assert "Harry H." in page and "Ask Harry H. to help" in page  # first name and initial
    assert helper.email not in page and "Agreed by phone" in page

    response = client.post(reverse("staff:assisted_ask", args=[recorded_need.pk]))
    assert response.status_code == 302 and not Match.objects.exists()
    response = client.post(
        reverse("staff:assisted_ask", args=[recorded_need.pk]), {"offer": open_offer.pk}
    )
    match = Match.objects.get()
    assert response["Location"] == reverse("staff:assisted_match", args=[match.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Margaret Citizen has said yes" in page and "Send message" not in page

    matching_services.match_accept(user=helper, match_id=match.pk)
    match_url = reverse("staff:assisted_match", args=[match.pk])
    response = client.post(match_url, {"body": ""})
    assert response.status_code == 400 and "Write a message before sending it." in (
        response.content.decode()
    )
    response = client.post(match_url, {"body": "She has a key safe by the door."}, follow=True)
    assert "Message sent for Margaret Citizen." in response.content.decode()
    assert "She has a key safe by the door." in response.content.decode()

    # The helper sees, on their own match page, that council staff wrote it for Margaret.
    client.force_login(helper)
    helper_page = client.get(reverse("match_detail", args=[match.pk])).content.decode()
    assert "Sent for Margaret Citizen by the council" in helper_page
    assert safeguarding_lead.email not in helper_page and "Sam Lead" not in helper_page
    assert "She has a key safe by the door." in helper_page
    # And Margaret, reading her own conversation, sees that the council wrote it for her.
    client.force_login(citizen)
    own_page = client.get(reverse("match_detail", args=[match.pk])).content.decode()
    assert "Sent for you by the council" in own_page and "Sam Lead" not in own_page


def test_console_accept_and_decline(client, council_admin, citizen, helper, open_offer):
    need = make.need(
        owner=citizen, title="Walk Biscuit", recorded_by=council_admin, consent_given=True
    )
    match = matching_services.match_offer_help(
        helper=helper, need_id=need.pk, offer_id=open_offer.pk
    )
    client.force_login(council_admin)
    page = client.get(reverse("staff:assisted_need_detail", args=[need.pk])).content.decode()
    assert "Margaret Citizen's answer" in page
    response = client.post(reverse("staff:assisted_accept", args=[match.pk]), follow=True)
    assert "Accepted for Margaret Citizen." in response.content.decode()
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    # Declining an accepted match is refused with matching's message; nothing changes.
    response = client.post(reverse("staff:assisted_decline", args=[match.pk]), follow=True)
    assert "This match has already been agreed, so it can no longer be declined." in (
        response.content.decode()
    )
    match.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED


def test_a_need_the_person_wrote_themselves_is_not_managed_by_staff(
    client, safeguarding_lead, citizen
):
    own = make.need(owner=citizen, title="My own request")
    client.force_login(safeguarding_lead)
    assert client.get(reverse("staff:assisted_need_detail", args=[own.pk])).status_code == 403
    person_page = client.get(reverse("staff:person", args=[citizen.pk])).content.decode()
    assert reverse("staff:assisted_need_detail", args=[own.pk]) not in person_page


def test_list_of_needs_managed_for_people_and_the_home_count(
    client, safeguarding_lead, moderator, citizen, helper, recorded_need, open_offer, away_admin
):
    own = make.need(owner=citizen, title="My own request")
    matching_services.match_offer_help(
        helper=helper, need_id=recorded_need.pk, offer_id=open_offer.pk
    )
    [listed] = assisted.assisted_needs(staff=safeguarding_lead)
    assert (listed.pk, listed.waiting, listed.live) == (recorded_need.pk, 1, 0)
    assert assisted.assisted_waiting_count(staff=safeguarding_lead) == 1
    with pytest.raises(NotFound):
        assisted.assisted_needs(staff=moderator)
    assert assisted.assisted_waiting_count(staff=away_admin) == 0

    client.force_login(safeguarding_lead)
    page = client.get(reverse("staff:assisted")).content.decode()
    assert recorded_need.title in page and own.title not in page
    assert reverse("staff:assisted_need_detail", args=[recorded_need.pk]) in page
    home = client.get(reverse("staff:home")).content.decode()
    assert "1 proposal waiting for an answer from someone you act for" in home


def test_staff_mark_help_done_or_end_a_match_for_the_person(
    client, council_admin, citizen, helper, open_offer
):
    need = make.need(
        owner=citizen, title="Walk Biscuit", recorded_by=council_admin, consent_given=True
    )
    match = matching_services.match_offer_help(
        helper=helper, need_id=need.pk, offer_id=open_offer.pk
    )
    assisted.assisted_match_accept(staff=council_admin, match_id=match.pk)
    client.force_login(council_admin)
    match_url = reverse("staff:assisted_match", args=[match.pk])
    page = client.get(match_url).content.decode()
    assert "The help is done" in page and "End the match for Margaret Citizen" in page

    response = client.post(reverse("staff:assisted_complete", args=[match.pk]), follow=True)
    assert "The help is marked as done for Margaret Citizen." in response.content.decode()
    match.refresh_from_db()
    need.refresh_from_db()
    assert match.status == Match.Status.COMPLETED
    assert (need.status, need.closed_reason) == (Need.Status.CLOSED, "fulfilled")
    event = _assisted_events("assisted.match_completed").get()
    assert event.actor_id == council_admin.pk and event.data["on_behalf_of"] == citizen.pk
    # A finished match cannot be ended; matching's message is shown and nothing changes.
    response = client.post(reverse("staff:assisted_cancel", args=[match.pk]), follow=True)
    assert "This help has been marked as done, so the match can no longer be changed." in (
        response.content.decode()
    )
    assert not _assisted_events("assisted.match_cancelled").exists()

    second = make.need(
        owner=citizen, title="Walk Biscuit again", recorded_by=council_admin, consent_given=True
    )
    other = assisted.assisted_match_request(
        staff=council_admin, need_id=second.pk, offer_id=open_offer.pk
    )
    matching_services.match_accept(user=helper, match_id=other.pk)
    response = client.post(
        reverse("staff:assisted_cancel", args=[other.pk]), {"cancel-reason": "x" * 301}
    )
    assert response["Location"] == reverse("staff:assisted_match", args=[other.pk])
    other.refresh_from_db()
    assert other.status == Match.Status.ACCEPTED
    response = client.post(
        reverse("staff:assisted_cancel", args=[other.pk]),
        {"cancel-reason": "She has moved to her daughter's"},
    )
    assert response["Location"] == reverse("staff:assisted_need_detail", args=[second.pk])
    other.refresh_from_db()
    assert other.status == Match.Status.CANCELLED and other.ended_by_id == citizen.pk
    assert other.decline_reason == "She has moved to her daughter's"
    event = _assisted_events("assisted.match_cancelled").get()
    assert event.actor_id == council_admin.pk and event.target_id == other.pk
