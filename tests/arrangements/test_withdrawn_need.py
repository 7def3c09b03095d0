"""A person who no longer needs help withdraws their need while a helper is arranged to visit
(and another helper's offer, which ended when the need was filled): the arranged match ends
with the need, in the same step. Its visits to come are cancelled and the arrangement ends;
the helpers are told, kindly, that the match has ended; neither is marked as having failed.
A proposal still waiting for an answer ends the same way."""

from __future__ import annotations

import pytest
from django.utils import timezone

from arrangements.models import Arrangement, Visit
from marketplace.models import Need
from matching import services as matching
from matching.models import Match
from notifications.models import Notification
from tests.arrangements.conftest import MWF
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mcouncil):
    need = make.need_row(council=mcouncil, slots=MWF, cat=make.category("befriending"))
    weekdays = [(d, (9, 0), (17, 0)) for d in range(5)]
    arranged = make.offer_row(council=mcouncil, slots=weekdays, cat=need.category)
    waiting = make.offer_row(
        council=mcouncil, at=make.point_at(900, 0), slots=weekdays, cat=need.category
    )
    offered = matching.match_offer_help(helper=waiting.helper, need_id=need.pk, offer_id=waiting.pk)
    agreed = matching.match_offer_help(
        helper=arranged.helper, need_id=need.pk, offer_id=arranged.pk
    )
    matching.match_accept(user=need.owner, match_id=agreed.pk)
    return {"need": need, "agreed": agreed, "offered": offered}


def test_withdrawing_a_need_ends_its_matches_and_tells_the_helpers(client, world):
    need, agreed, offered = world["need"], world["agreed"], world["offered"]
    arrangement = Arrangement.objects.get(match=agreed)
    assert Visit.objects.filter(arrangement=arrangement, status=Visit.Status.PLANNED).exists()
    started = timezone.now()

    client.force_login(need.owner)
    asked = client.get(f"/needs/{need.pk}/withdraw/").content.decode()
    assert "will be told it has ended, and visits still to come are cancelled" in asked
    answer = client.post(f"/needs/{need.pk}/withdraw/", {"confirm": "yes"})
    assert answer.status_code == 302
    # Withdrawn again from a second tab: said plainly, not in the lifecycle's words.
    again = client.post(f"/needs/{need.pk}/withdraw/", follow=True).content.decode()
    assert "This request is already closed." in again
    assert "cannot become" not in again

    need.refresh_from_db()
    assert (need.status, need.closed_reason) == (Need.Status.CLOSED, "withdrawn")
    for match in (agreed, offered):
        match.refresh_from_db()
        assert match.status == Match.Status.CANCELLED
    # Help agreed is ended by the person who withdrew (never counted against the helper); the
    # other offer ended when the need was filled, by Kith.
    assert (agreed.ended_by_id, offered.ended_by_id) == (need.owner_id, None)
    arrangement.refresh_from_db()
    assert arrangement.status != Arrangement.Status.RUNNING
    assert not Visit.objects.filter(
        arrangement=arrangement, status=Visit.Status.PLANNED, starts_at__gt=started
    ).exists()
    for match in (agreed, offered):
        told = Notification.objects.filter(
            person=match.offer.helper, template="match_cancelled", channel="kith"
        )
        assert told.exists(), match
    assert not Notification.objects.filter(
        person=need.owner, template="match_cancelled", created_at__gte=started
    ).exists()
    # The helper who was only asked can no longer be asked to say yes.
    helper = offered.offer.helper
    client.force_login(helper)
    page = client.get(f"/matches/{offered.pk}/").content.decode()
    assert "Can you help?" not in page


def test_withdrawing_a_need_ends_a_proposal_waiting_for_an_answer(client, mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, at=make.point_at(700, 0))
    asked = matching.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    client.force_login(need.owner)
    assert client.post(f"/needs/{need.pk}/withdraw/").status_code == 302
    asked.refresh_from_db()
    assert (asked.status, asked.ended_by_id) == (Match.Status.CANCELLED, need.owner_id)
    assert Notification.objects.filter(
        person=offer.helper, template="match_cancelled", channel="kith"
    ).exists()
    client.force_login(offer.helper)
    assert "Can you help?" not in client.get(f"/matches/{asked.pk}/").content.decode()
