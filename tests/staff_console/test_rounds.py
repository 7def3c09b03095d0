"""Matching rounds from the console: run one, review it beside greedy matching, send it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from marketplace import services as marketplace_services
from matching.models import Match, Round
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


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

    client.force_login(away_admin)
    assert client.get(reverse("staff:round", args=[rnd.pk])).status_code == 404
    assert client.post(reverse("staff:round_apply", args=[rnd.pk])).status_code == 404

    client.force_login(moderator)
    response = client.post(reverse("staff:round_apply", args=[rnd.pk]), follow=True)
    assert "Sent 1 proposed matches" in response.content.decode()
    match = Match.objects.get()
    assert (match.need_id, match.offer_id, match.proposed_by) == (need.pk, offer.pk, "round")
    rnd.refresh_from_db()
    assert rnd.status == Round.Status.APPLIED
    assert {"round.proposed", "round.applied"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )
    again = client.post(reverse("staff:round_discard", args=[rnd.pk]), follow=True)
    assert "already been decided" in again.content.decode()
