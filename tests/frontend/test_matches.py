"""A match from both sides: accept or decline, messages, done, feedback and concerns."""

import pytest
from django.urls import reverse

from matching.models import Feedback, Match, Message
from matching.services import match_offer_help, match_propose_by_staff
from tests.kit import factories as make
from trust.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(citizen, helper, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    return match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)


def test_accept_message_complete_and_feedback(client, citizen, helper, proposed):
    client.force_login(citizen)
    html = client.get(reverse("match_detail", args=[proposed.pk])).content.decode()
    assert "Sam has offered to help" in html and "Yes, accept" in html
    assert "Your message" not in html  # no messages before both agree
    client.post(reverse("match_accept", args=[proposed.pk]))
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.ACCEPTED

    client.post(reverse("match_detail", args=[proposed.pk]), {"body": "Hello Sam"})
    html = client.post(reverse("match_detail", args=[proposed.pk]), {"body": "  "}).content.decode()
    assert "Write a message before sending it." in html
    assert list(Message.objects.values_list("body", flat=True)) == ["Hello Sam"]

    client.force_login(helper)
    assert "Hello Sam" in client.get(reverse("match_detail", args=[proposed.pk])).content.decode()
    response = client.post(reverse("match_complete", args=[proposed.pk]))
    assert response["Location"] == reverse("match_feedback", args=[proposed.pk])
    page = client.get(response["Location"]).content.decode()
    # Asked once, as the page's heading (and named in its title).
    assert page.count("How did it go?") == 2 and '<h1 class="govuk-fieldset__heading">' in page
    client.post(reverse("match_feedback", args=[proposed.pk]), {"rating": "5", "comment": "Lovely"})
    feedback = Feedback.objects.get()
    assert feedback.author == helper and feedback.subject == citizen and feedback.rating == 5
    # Coming back to the feedback page (the email's link) says so before any form is filled.
    again = client.get(reverse("match_feedback", args=[proposed.pk]), follow=True)
    assert again.redirect_chain[-1][0] == reverse("match_detail", args=[proposed.pk])
    assert "You have already left feedback for this match." in again.content.decode()


def test_decline(client, citizen, proposed):
    client.force_login(citizen)
    response = client.post(reverse("match_decline", args=[proposed.pk]), {"reason": ""})
    assert response["Location"] == reverse("needs_mine")
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.DECLINED


def test_people_outside_the_match_get_not_found(client, place, proposed):
    stranger = make.resident(postcode="LS3 3DD", name="Stranger")
    client.force_login(stranger)
    for name in ("match_detail", "match_feedback", "match_concern", "match_decline"):
        assert client.get(reverse(name, args=[proposed.pk])).status_code == 404
    assert client.post(reverse("match_accept", args=[proposed.pk])).status_code == 404
    proposed.refresh_from_db()
    assert proposed.status == Match.Status.PROPOSED


def test_citizen_raises_a_concern_about_their_helper(client, citizen, helper, proposed):
    client.force_login(citizen)
    html = client.post(
        reverse("match_concern", args=[proposed.pk]), {"reason": ""}
    ).content.decode()
    assert "Tell us what is worrying you." in html
    client.post(reverse("match_concern", args=[proposed.pk]), {"reason": "He asked for money."})
    report = Report.objects.get()
    assert report.reporter == citizen and report.target_type == "person"
    assert report.target_id == helper.pk and report.council == proposed.council


def test_helper_raises_a_concern_about_the_person_they_help(client, citizen, helper, proposed):
    client.force_login(citizen)
    client.post(reverse("match_accept", args=[proposed.pk]))
    proposed.need.refresh_from_db()
    assert proposed.need.status == "matched"  # no longer listed publicly
    client.force_login(helper)
    response = client.post(
        reverse("match_concern", args=[proposed.pk]), {"reason": "They seemed very unwell."}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter == helper and report.target_id == citizen.pk


def test_match_page_makes_a_constant_number_of_queries(
    client, citizen, helper, proposed, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching.services import match_accept, message_send

    match_accept(user=citizen, match_id=proposed.pk)
    message_send(user=citizen, match_id=proposed.pk, body="Hello")
    client.force_login(helper)
    url = reverse("match_detail", args=[proposed.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        message_send(user=helper if n % 2 else citizen, match_id=proposed.pk, body=f"Note {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("kith-message") >= 6


@pytest.mark.parametrize("proposed_by", [Match.ProposedBy.STAFF, Match.ProposedBy.ROUND])
def test_a_proposal_from_the_council_says_the_council_suggested_it(
    client, citizen, helper, befriending, moderator, proposed_by
):
    """Neither person offered or asked: the pages must not say that they did."""
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    match = match_propose_by_staff(
        staff=moderator, need_id=need.pk, offer_id=offer.pk, proposed_by=proposed_by
    )
    client.force_login(citizen)
    for page in (reverse("match_detail", args=[match.pk]), reverse("home"), need_page(need)):
        html = client.get(page, follow=True).content.decode()
        assert "has offered to help" not in html, page
    assert (
        "The council suggests Sam could help"
        in client.get(reverse("match_detail", args=[match.pk])).content.decode()
    )
    assert "suggested by the council" in client.get(need_page(need)).content.decode()

    client.force_login(helper)
    for page in (reverse("match_detail", args=[match.pk]), reverse("home")):
        html = client.get(page, follow=True).content.decode()
        assert "has asked you to help" not in html, page
        assert "The council suggests you" in html, page


def need_page(need) -> str:
    return reverse("need_detail", args=[need.pk])
