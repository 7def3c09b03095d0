"""A match proposed by the council — by a member of staff or a matching round — says so to
both people, and one helper is proposed once for a need however many offers they have, in
Chromium."""

from __future__ import annotations

import re

import pytest

from accounts.models import StaffMembership
from marketplace.models import Category
from marketplace.services import moderation_approve, offer_create
from matching.models import Match
from matching.rounds import round_run
from matching.services import match_propose_by_staff
from tests.kit import factories as make
from tests.kit.browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_council_proposals_are_said_to_be_the_councils_and_are_not_doubled(
    live_server, new_context, pages, need_and_helper
):
    need, people = need_and_helper
    base = live_server.url
    sam, margaret = people["Sam"], people["Margaret"]
    admin = make.staff(council=need.council, role=StaffMembership.Role.COUNCIL_ADMIN)
    # Sam has a second offer of the same kind: a round must not propose Sam twice through it.
    second = offer_create(
        helper=sam,
        category=Category.objects.get(slug="befriending"),
        description="Also happy to visit at weekends.",
        radius_m=5000,
    )
    moderation_approve(actor=admin, kind="offer", listing_id=second.pk)
    first = sam.offers.exclude(pk=second.pk).get()

    # A member of staff proposes Sam through the first offer; a round finds nothing more.
    match_propose_by_staff(staff=admin, need_id=need.pk, offer_id=first.pk)
    rnd = round_run(council=need.council, actor=admin)
    assert not rnd.proposals.filter(need=need, offer__helper=sam).exists()
    assert Match.objects.filter(need=need, offer__helper=sam).count() == 1

    # Margaret is told the council suggests Sam — not that Sam offered.
    p = new_context().new_page()
    sign_in(p, base, margaret.email)
    p.goto(base + "/home/")
    pages.check(p, "citizen home with a council suggestion")
    assert "has offered to help" not in p.content()
    p.get_by_role("link", name=re.compile("The council suggests Sam to help")).click()
    p.get_by_role("heading", name=re.compile("The council suggests Sam could help")).wait_for()
    pages.check(p, "council suggestion seen by citizen")
    p.goto(base + f"/needs/{need.pk}/")
    assert "suggested by the council" in p.content()
    pages.check(p, "need page with a council suggestion")

    # Sam is told the council suggests helping Margaret — not that Margaret asked.
    h = new_context().new_page()
    sign_in(h, base, sam.email)
    h.goto(base + "/home/")
    pages.check(h, "helper home with a council suggestion")
    assert "has asked you to help" not in h.content()
    h.get_by_role("link", name=re.compile("The council suggests you help Margaret")).click()
    h.get_by_role("heading", name=re.compile("The council suggests you could help")).wait_for()
    pages.check(h, "council suggestion seen by helper")

    # Sam cannot add a second proposal for the same need through the other offer.
    h.goto(base + f"/helping/needs/{need.pk}/")
    pages.check(h, "need seen by the suggested helper")
    assert "The council has suggested you could help with this" in h.content()
    assert h.get_by_role("button", name="Offer to help").count() == 0
    # Posting the form anyway (an old tab) through the other offer is refused with a message.
    token = h.context.cookies()
    csrf = next(c["value"] for c in token if c["name"] == "csrftoken")
    answer = h.request.post(
        base + f"/helping/needs/{need.pk}/",
        form={"offer": str(second.pk), "csrfmiddlewaretoken": csrf},
        headers={"Referer": base + f"/helping/needs/{need.pk}/"},
    )
    assert answer.status in (200, 302)
    assert Match.objects.filter(need=need, offer__helper=sam).count() == 1
