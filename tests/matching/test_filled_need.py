"""A need that asked for one helper, offered help by two: once the person accepts one, the
other offer ends at once — its helper is told the match has ended rather than being left to
wait (or, asked by the person, to be asked "can you help?" about a need that is full)."""

from __future__ import annotations

import pytest

from marketplace.models import Need
from matching import services as matching
from matching.models import Match
from notifications.models import Notification
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_accepting_one_helper_ends_the_other_proposals_on_a_full_need(client, mcouncil):
    need = make.need_row(council=mcouncil)
    first = make.offer_row(council=mcouncil, at=make.point_at(500, 0))
    second = make.offer_row(council=mcouncil, at=make.point_at(900, 0))
    chosen = matching.match_offer_help(helper=first.helper, need_id=need.pk, offer_id=first.pk)
    waiting = matching.match_offer_help(helper=second.helper, need_id=need.pk, offer_id=second.pk)

    matching.match_accept(user=need.owner, match_id=chosen.pk)

    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    chosen.refresh_from_db()
    waiting.refresh_from_db()
    assert chosen.status == Match.Status.ACCEPTED
    assert (waiting.status, waiting.ended_by_id) == (Match.Status.CANCELLED, None)
    assert Notification.objects.filter(
        person=second.helper, template="match_cancelled", channel="kith"
    ).exists()
    client.force_login(need.owner)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Waiting for a reply" not in page


def test_a_need_wanting_two_helpers_keeps_the_other_proposal_after_the_first(mcouncil):
    need = make.need_row(council=mcouncil)
    Need.objects.filter(pk=need.pk).update(helpers_wanted=2)
    first = make.offer_row(council=mcouncil, at=make.point_at(500, 0))
    second = make.offer_row(council=mcouncil, at=make.point_at(900, 0))
    chosen = matching.match_offer_help(helper=first.helper, need_id=need.pk, offer_id=first.pk)
    waiting = matching.match_offer_help(helper=second.helper, need_id=need.pk, offer_id=second.pk)
    matching.match_accept(user=need.owner, match_id=chosen.pk)
    waiting.refresh_from_db()
    assert waiting.status == Match.Status.PROPOSED
