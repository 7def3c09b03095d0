"""A weekly arrangement between a citizen and a helper, made the way people make one: the
helper offers, the citizen accepts."""

from __future__ import annotations

import datetime as dt

import pytest

from arrangements.models import Arrangement
from matching import services as matching
from tests.kit import factories as make

# Monday, Wednesday and Friday at noon, as the hot-meal need of the issue.
MWF = [(0, (12, 0), (13, 0)), (2, (12, 0), (13, 0)), (4, (12, 0), (13, 0))]


@pytest.fixture
def arrangement(mcouncil) -> Arrangement:
    return make_arrangement(mcouncil)


def make_arrangement(council, *, slots=MWF, category="befriending", timing="weekly"):
    need = make.need_row(council=council, slots=slots, cat=make.category(category))
    if timing != "weekly":
        need.timing = timing
        need.save(update_fields=["timing"])
    offer = make.offer_row(
        council=council, slots=[(d, (9, 0), (17, 0)) for d in range(5)], cat=need.category
    )
    match = matching.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=need.owner, match_id=match.pk)
    return Arrangement.objects.select_related("match__need__owner", "match__offer__helper").get(
        match=match
    )


def after(visit, minutes=5) -> dt.datetime:
    return visit.ends_at + dt.timedelta(minutes=minutes)
