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


def _two_offers_one_accepted(council, *, wanted: int):
    """A need wanting `wanted` helpers, offered help by two; its owner accepts the first."""
    need = make.need_row(council=council)
    Need.objects.filter(pk=need.pk).update(helpers_wanted=wanted)
    offers = [make.offer_row(council=council, at=make.point_at(m, 0)) for m in (500, 900)]
    chosen, waiting = (
        matching.match_offer_help(helper=o.helper, need_id=need.pk, offer_id=o.pk) for o in offers
    )
    matching.match_accept(user=need.owner, match_id=chosen.pk)
    return need, chosen, waiting, offers[1]


def test_accepting_one_helper_ends_the_other_proposals_on_a_full_need(client, mcouncil):
    need, chosen, waiting, second = _two_offers_one_accepted(mcouncil, wanted=1)

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
    _need, _chosen, waiting, _second = _two_offers_one_accepted(mcouncil, wanted=2)
    waiting.refresh_from_db()
    assert waiting.status == Match.Status.PROPOSED
