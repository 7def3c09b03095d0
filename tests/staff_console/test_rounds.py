"""Matching rounds from the console: run one, review it beside greedy matching, send the
proposals staff tick, and see where greedy matching would have chosen otherwise."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from core.models import AuditEvent
from marketplace import services as marketplace_services
from matching.models import Match, Round, RoundProposal
from matching.rounds import round_run
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _ticked(page: str) -> list[str]:
    """The proposals ticked on the review page, as the form would send them."""
    return re.findall(r'<input[^>]*name="proposals" value="(\d+)"[^>]*checked', page)


def test_run_review_and_send_a_round(client, moderator, citizen, helper, away_admin):
    need = make.need(owner=citizen, title="Walk Biscuit on Mondays")
    offer = make.offer(helper=helper)
    for kind, listing in (("need", need), ("offer", offer)):
        marketplace_services.moderation_approve(actor=moderator, kind=kind, listing_id=listing.pk)
    client.force_login(moderator)
    response = client.post(reverse("staff:rounds"))
    assert response.status_code == 302
    rnd = Round.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "Walk Biscuit on Mondays" in page and "One at a time (greedy)" in page
    assert 'style="' not in page
    ticked = _ticked(page)
    assert ticked == [str(rnd.proposals.get().pk)]

    client.force_login(away_admin)
    assert client.get(reverse("staff:round", args=[rnd.pk])).status_code == 404
    assert (
        client.post(reverse("staff:round_apply", args=[rnd.pk]), {"proposals": ticked}).status_code
        == 404
    )

    client.force_login(moderator)
    response = client.post(
        reverse("staff:round_apply", args=[rnd.pk]), {"proposals": ticked}, follow=True
    )
    assert "Sent 1 proposed match to the people in it." in response.content.decode()
    match = Match.objects.get()
    assert (match.need_id, match.offer_id, match.proposed_by) == (need.pk, offer.pk, "round")
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.APPLIED
    assert {"round.proposed", "round.applied"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )
    again = client.post(reverse("staff:round_discard", args=[rnd.pk]), follow=True)
    assert "already been decided" in again.content.decode()


def _two_pairs(home_council, moderator):
    """Two needs, each with one helper near it and nobody else in reach."""
    needs = []
    for east, who in ((-8000, "Nora"), (8000, "Ned")):
        at = make.point_at(east, 0)
        make.offer_row(
            council=home_council,
            at=at,
            radius_m=2000,
            helper=make.person(council=home_council, home=at, display_name=f"{who}'s helper"),
        )
        needs.append(
            make.need_row(
                council=home_council,
                at=make.point_at(east + 200, 0),
                owner=make.person(council=home_council, display_name=who),
            )
        )
    rnd = round_run(council=home_council, actor=moderator)
    assert rnd.proposals.count() == 2
    return rnd, needs


def test_send_only_the_ticked_proposals(client, home_council, moderator):
    rnd, (nora, ned) = _two_pairs(home_council, moderator)
    client.force_login(moderator)
    page = client.get(reverse("staff:round", args=[rnd.pk])).content.decode()
    assert len(_ticked(page)) == 2  # every proposal starts ticked
    assert "Send selected" in page and "Discard all" in page
    keep = rnd.proposals.get(need=nora)
    response = client.post(
        reverse("staff:round_apply", args=[rnd.pk]), {"proposals": [keep.pk]}, follow=True
    )
    text = response.content.decode()
    assert "Sent 1 proposed match to the people in it. 1 you left out was not sent." in text
    assert list(Match.objects.values_list("need_id", flat=True)) == [nora.pk]
    assert "Not sent: left out by staff" in text and "Sent" in text
    assert rnd.proposals.get(need=ned).outcome == RoundProposal.Outcome.NOT_SELECTED


def test_sending_none_ticked_shows_an_error_and_changes_nothing(client, home_council, moderator):
    rnd, _ = _two_pairs(home_council, moderator)
    client.force_login(moderator)
    response = client.post(reverse("staff:round_apply", args=[rnd.pk]), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert "Choose at least one proposed match to send" in page
    assert 'href="#id_proposals_0"' in page and 'id="id_proposals_0"' in page
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.PROPOSED
    assert not Match.objects.exists()
    assert not AuditEvent.objects.filter(verb="round.applied").exists()


def test_a_proposal_of_another_round_is_refused(client, home_council, moderator):
    rnd, _ = _two_pairs(home_council, moderator)
    other = round_run(council=home_council, actor=moderator)
    client.force_login(moderator)
    response = client.post(
        reverse("staff:round_apply", args=[rnd.pk]),
        {"proposals": [rnd.proposals.first().pk, other.proposals.first().pk]},
    )
    assert response.status_code == 400
    assert "<title>Error: " in response.content.decode()
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.PROPOSED
    assert not Match.objects.exists()


def test_the_page_shows_where_greedy_differed(client, home_council, moderator):
    # The crafted case (tests/matching/test_rounds.py): greedy gives Nora's need Ann and
    # leaves Ned's unmet; the round gives Nora Bea and Ned Ann.
    def helper_at(east, name):
        at = make.point_at(east, 0)
        person = make.person(council=home_council, home=at, display_name=name)
        return make.offer_row(council=home_council, at=at, radius_m=1500, helper=person)

    helper_at(0, "Ann Able")
    helper_at(-1200, "Bea Bright")
    for east, name in ((-100, "Nora"), (1200, "Ned")):
        make.need_row(
            council=home_council,
            at=make.point_at(east, 0),
            owner=make.person(council=home_council, display_name=name),
        )
    rnd = round_run(council=home_council, actor=moderator)
    client.force_login(moderator)
    page = client.get(reverse("staff:round", args=[rnd.pk])).content.decode()
    score = next(d["score"] for d in rnd.summary["greedy_differences"] if d["offer_id"])
    assert f"Greedy would have chosen: Ann Able, score {score:.2f}" in page
    assert "Greedy would have left this need unmet" in page
    assert (
        "This round fills 2 places (a helper for a need each); greedy matching would have filled 1."
        in page
    )
    assert "Greedy would have chosen differently for 2 needs" in page
    # Public names only: nobody's email address is on the page.
    for email in User.objects.values_list("email", flat=True):
        assert email not in page


def test_the_page_lists_needs_only_greedy_would_have_met(client, home_council, moderator):
    rnd, (nora, ned) = _two_pairs(home_council, moderator)
    # As if greedy had met a third need the round leaves unmet (the pure case is in
    # tests/matching/test_round_review.py).
    left = make.need_row(
        council=home_council,
        owner=make.person(council=home_council, display_name="Olive"),
        status="draft",
    )
    offer = rnd.proposals.get(need=nora).offer
    rnd.summary["greedy_differences"] = [{"need_id": left.pk, "offer_id": offer.pk, "score": 0.42}]
    rnd.save(update_fields=["summary"])
    client.force_login(moderator)
    page = client.get(reverse("staff:round", args=[rnd.pk])).content.decode()
    assert "Needs greedy would have met that this round leaves unmet" in page
    assert f"{left.title}" in page and "Olive" in page
    assert "Nora&#x27;s helper, score 0.42" in page
