"""Blocking the other person in a match (and undoing it from the account pages), and
reporting a single message to the council."""

import pytest
from django.test import override_settings
from django.urls import reverse

from matching.models import Match
from matching.services import match_accept, match_offer_help, message_send
from safeguarding.blocks import block_create
from tests.kit import factories as make
from trust.models import Block, Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    return match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)


@pytest.fixture
def talking(citizen, helper, proposed):
    match_accept(user=citizen, match_id=proposed.pk)
    message_send(user=citizen, match_id=proposed.pk, body="Hello Sam")
    message_send(user=helper, match_id=proposed.pk, body="Send me £50 for the bus")
    return proposed


# --- Blocking ---------------------------------------------------------------------------------
def test_block_from_the_match_page_after_confirming(client, citizen, helper, talking):
    client.force_login(citizen)
    match_page = client.get(reverse("match_detail", args=[talking.pk])).content.decode()
    url = reverse("match_block", args=[talking.pk])
    assert f'href="{url}"' in match_page
    html = client.get(url).content.decode()
    assert "<title>Block Sam – " in html and 'class="govuk-back-link"' in html
    assert "they will not see your requests or offers" in html
    assert "every match between you that has not finished ends now" in html
    assert "Blocking Sam ends this match." in html
    assert "they are told only that the match has ended" in html
    assert not Block.objects.exists()  # a GET changes nothing
    response = client.post(url)
    assert response["Location"] == reverse("account_blocks")
    assert Block.objects.filter(blocker=citizen, blocked=helper).count() == 1
    listing = client.get(reverse("account_blocks")).content.decode()
    assert "You have blocked Sam." in listing and "Blocked on " in listing
    assert helper.email not in listing
    # The block takes effect as the services say: the match has ended, no more messages.
    talking.refresh_from_db()
    assert talking.status == Match.Status.CANCELLED
    refused = client.post(reverse("match_detail", args=[talking.pk]), {"body": "Hi there"})
    html = refused.content.decode()
    assert "This match has ended, so messages can no longer be sent." in html
    # What was typed is shown back, to keep, not lost with the form.
    assert "Your message was not sent" in html and "Hi there" in html
    assert not talking.messages.filter(body="Hi there").exists()
    # Blocking again says so instead of offering the button.
    again = client.get(url).content.decode()
    assert "You have already blocked Sam." in again
    client.post(url)
    assert Block.objects.count() == 1


def test_blocking_ends_a_proposal_not_yet_agreed(client, citizen, helper, proposed):
    client.force_login(citizen)
    html = client.get(reverse("match_block", args=[proposed.pk])).content.decode()
    assert "Blocking Sam ends this match." in html
    client.post(reverse("match_block", args=[proposed.pk]))
    client.post(reverse("match_accept", args=[proposed.pk]))
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.CANCELLED


def test_the_helper_can_block_the_person_they_help(client, citizen, helper, talking):
    client.force_login(helper)
    client.post(reverse("match_block", args=[talking.pk]))
    assert Block.objects.filter(blocker=helper, blocked=citizen).exists()


def test_unblock_from_the_account_pages(client, citizen, helper, talking):
    block_create(blocker=citizen, blocked_id=helper.pk)
    client.force_login(citizen)
    home = client.get(reverse("account_home")).content.decode()
    assert reverse("account_blocks") in home
    listing = client.get(reverse("account_blocks")).content.decode()
    url = reverse("account_unblock", args=[helper.pk])
    assert f'href="{url}"' in listing
    confirm = client.get(url).content.decode()
    assert "<title>Unblock Sam – " in confirm and 'class="govuk-back-link"' in confirm
    assert Block.objects.exists()
    response = client.post(url)
    assert response["Location"] == reverse("account_blocks")
    assert not Block.objects.exists()
    assert "You have not blocked anyone." in client.get(reverse("account_blocks")).content.decode()
    assert client.post(url).status_code == 404  # nothing left to undo


def test_others_cannot_block_or_unblock_for_someone(client, place, citizen, helper, talking):
    url = reverse("match_block", args=[talking.pk])
    assert client.get(url).status_code == 302  # sign in first
    assert client.get(reverse("account_blocks")).status_code == 302
    stranger = make.resident(postcode="LS3 3DD", name="Stranger")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not Block.objects.exists()
    block_create(blocker=citizen, blocked_id=helper.pk)
    # Someone else's block is not theirs to see or undo.
    assert "Sam" not in client.get(reverse("account_blocks")).content.decode()
    assert client.post(reverse("account_unblock", args=[helper.pk])).status_code == 404
    assert Block.objects.count() == 1


# --- Reporting a message ----------------------------------------------------------------------
def _their_message(match, author):
    return match.messages.get(sender=author)


def test_report_a_message_from_the_other_person(client, citizen, helper, talking):
    client.force_login(citizen)
    theirs = _their_message(talking, helper)
    mine = _their_message(talking, citizen)
    page = client.get(reverse("match_detail", args=[talking.pk])).content.decode()
    url = reverse("message_report", args=[talking.pk, theirs.pk])
    assert f'href="{url}"' in page
    assert reverse("message_report", args=[talking.pk, mine.pk]) not in page  # not your own
    html = client.get(url).content.decode()
    assert "<title>Report this message – " in html and 'class="govuk-back-link"' in html
    assert "Send me £50 for the bus" in html
    response = client.post(url, {"reason": "money", "details": "He wants cash first."})
    sent = reverse("message_report_sent", args=[talking.pk, theirs.pk])
    assert response["Location"] == sent
    report = Report.objects.get()
    assert (report.reporter, report.target_type, report.target_id) == (
        citizen,
        "message",
        theirs.pk,
    )
    assert report.council == talking.council
    assert report.reason.startswith("It asks for money") and "He wants cash first." in report.reason
    panel = client.get(sent).content.decode()
    assert "govuk-panel--confirmation" in panel and "Message reported" in panel
    # A second report of the same message is refused with the service's words.
    again = client.post(url, {"reason": "abuse"}).content.decode()
    assert "You have already reported this message." in again
    assert Report.objects.count() == 1


def test_bad_report_input_shows_the_error_summary(client, citizen, helper, talking):
    client.force_login(citizen)
    url = reverse("message_report", args=[talking.pk, _their_message(talking, helper).pk])
    html = client.post(url, {}).content.decode()
    assert "<title>Error: " in html and "Choose what is wrong with this message." in html
    assert 'href="#id_reason_0"' in html
    html = client.post(url, {"reason": "other", "details": "  "}).content.decode()
    assert "Tell us what is wrong with this message." in html
    # Too long: one message, the one that says what to do (not also "tell us what").
    html = client.post(url, {"reason": "other", "details": "x" * 3000}).content.decode()
    assert "Keep it to 900 characters or fewer." in html
    assert "Tell us what is wrong with this message." not in html
    assert not Report.objects.exists()


@override_settings(KITH_REPORT_FLOOD_LIMIT="1/60min")
def test_the_flood_limit_is_shown_plainly(client, citizen, helper, talking):
    message_send(user=helper, match_id=talking.pk, body="And another thing")
    client.force_login(citizen)
    first, second = talking.messages.filter(sender=helper).order_by("pk")
    client.post(reverse("message_report", args=[talking.pk, first.pk]), {"reason": "abuse"})
    html = client.post(
        reverse("message_report", args=[talking.pk, second.pk]), {"reason": "abuse"}
    ).content.decode()
    assert "govuk-error-summary" in html
    assert "You have sent a lot of reports in a short time." in html
    assert Report.objects.count() == 1


def test_own_messages_and_outsiders_get_not_found(client, place, citizen, helper, talking):
    mine = _their_message(talking, citizen)
    theirs = _their_message(talking, helper)
    client.force_login(citizen)
    assert client.get(reverse("message_report", args=[talking.pk, mine.pk])).status_code == 404
    # Nothing reported yet: no confirmation page to see.
    sent = reverse("message_report_sent", args=[talking.pk, theirs.pk])
    assert client.get(sent).status_code == 404
    url = reverse("message_report", args=[talking.pk, theirs.pk])
    client.logout()
    assert client.get(url).status_code == 302
    stranger = make.resident(postcode="LS3 3DD", name="Stranger")
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "abuse"}).status_code == 404
    assert not Report.objects.exists()


def test_a_message_of_another_match_is_not_found(
    client, place, citizen, helper, talking, befriending, moderator
):
    other_helper = make.resident(postcode="LS3 3DD", name="Priya")
    need = make.resident_need(
        owner=citizen, category=befriending, moderator=moderator, title="Shopping"
    )
    offer = make.resident_offer(helper=other_helper, category=befriending, moderator=moderator)
    second = match_offer_help(helper=other_helper, need_id=need.pk, offer_id=offer.pk)
    match_accept(user=citizen, match_id=second.pk)
    message = message_send(user=other_helper, match_id=second.pk, body="Hi")
    client.force_login(citizen)
    assert client.get(reverse("message_report", args=[talking.pk, message.pk])).status_code == 404


def test_the_service_refuses_a_report_of_your_own_message(citizen, talking):
    from core.errors import ApplicationError
    from matching.services import message_report

    mine = _their_message(talking, citizen)
    with pytest.raises(ApplicationError, match="You cannot report your own message."):
        message_report(user=citizen, message_id=mine.pk, reason="Oops")
    assert not Report.objects.exists()
