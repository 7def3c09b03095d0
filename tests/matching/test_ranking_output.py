"""The ranking endpoint's shortcuts give what the longer way gives: a helper's profile made
directly equals the serializer's, and the need read with its weekly times ranks as the need
whose times are read apart."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from matching import api, selectors
from matching.candidates import ranked_needs_for_offer, ranked_offers_for_need
from matching.profiles import HelperProfile
from tests.kit import factories as make

TUE, THU = 1, 3


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize(
    "profile",
    [
        HelperProfile(name="Bernard H."),
        HelperProfile(
            name="Aled J.",
            id_checked=True,
            dbs_checked=True,
            languages=["Cymraeg", "Polish"],
            helping_since=dt.date(2025, 3, 9),
            people_helped=4,
        ),
    ],
)
def test_a_profile_made_directly_is_the_serializers(profile, language):
    with translation.override(language):
        assert api.profile_data(profile) == api.HelperProfileSerializer(profile).data


@pytest.mark.django_db
def test_the_need_read_with_its_times_ranks_as_the_need_read_apart(mcouncil):
    need = make.need_row(
        council=mcouncil,
        slots=[(THU, (18, 0), (20, 0)), (TUE, (18, 0), (20, 0)), (TUE, (9, 0), (10, 0))],
    )
    make.offer_row(council=mcouncil, at=make.point_at(900, 0), slots=[(TUE, (17, 0), (21, 0))])
    make.offer_row(council=mcouncil, at=make.point_at(300, 200))
    read, slots = selectors.need_and_slots_for_ranking(user=need.owner, need_id=need.pk)
    assert read == need
    assert [(s.weekday, s.start, s.end) for s in slots] == [
        (s.weekday, s.start, s.end) for s in need.slots.all()
    ]

    def said(ranked):
        return [(r.offer.pk, r.score, r.components, r.explanation) for r in ranked]

    expected = said(ranked_offers_for_need(need=need))
    assert len(expected) == 2
    assert said(ranked_offers_for_need(need=read, need_slots=slots)) == expected


@pytest.mark.django_db
def test_the_need_read_with_its_times_is_only_its_owners_or_its_staffs(mcouncil):
    need = make.need_row(council=mcouncil)
    stranger = make.person(council=mcouncil)
    with pytest.raises(selectors.NotFound):
        selectors.need_and_slots_for_ranking(user=stranger, need_id=need.pk)
    with pytest.raises(selectors.NotFound):
        selectors.need_and_slots_for_ranking(user=need.owner, need_id=need.pk + 10_000)


@pytest.mark.django_db
def test_the_offer_read_with_its_times_ranks_as_the_offer_read_apart(mcouncil):
    offer = make.offer_row(
        council=mcouncil,
        slots=[(THU, (17, 0), (21, 0)), (TUE, (18, 0), (20, 0)), (TUE, (9, 0), (12, 0))],
    )
    make.need_row(council=mcouncil, at=make.point_at(900, 0), slots=[(TUE, (18, 0), (19, 0))])
    make.need_row(council=mcouncil, at=make.point_at(300, 200), published_days_ago=5)
    read, slots = selectors.offer_and_slots_for_ranking(user=offer.helper, offer_id=offer.pk)
    assert read == offer
    assert [(s.weekday, s.start, s.end) for s in slots] == [
        (s.weekday, s.start, s.end) for s in offer.slots.all()
    ]

    def said(ranked):
        return [(r.need.pk, r.score, r.components, r.explanation) for r in ranked]

    expected = said(ranked_needs_for_offer(offer=offer))
    assert len(expected) == 2
    assert said(ranked_needs_for_offer(offer=read, offer_slots=slots)) == expected
    stranger = make.person(council=mcouncil)
    with pytest.raises(selectors.NotFound):
        selectors.offer_and_slots_for_ranking(user=stranger, offer_id=offer.pk)
