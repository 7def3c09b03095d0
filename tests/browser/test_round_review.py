"""A council admin reviews a matching round proposal by proposal in a real browser (Chromium,
every page checked with axe-core and saved as a screenshot): sees where greedy matching
would have chosen otherwise, is told to tick at least one proposal, unticks one and sends
the rest; only the ticked pairs become proposed matches."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from marketplace.models import Need
from matching.models import Match, Round, RoundProposal
from tests.kit import factories as make
from tests.kit.browser import sign_in
from tests.kit.factories import Role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _listings(council) -> dict[str, Need]:
    """The crafted case (tests/matching/test_rounds.py) and one pair far from it: greedy gives
    Nora's need Ann and leaves Ned's unmet; the round gives Nora Bea, Ned Ann, Olive Cat."""
    for east, name in ((0, "Ann Able"), (-1200, "Bea Bright"), (8000, "Cat Carter")):
        at = make.point_at(east, 0)
        helper = make.person(council=council, home=at, display_name=name)
        make.offer_row(council=council, at=at, radius_m=1500, helper=helper)
    needs = {}
    for east, name, title in (
        (-100, "Nora", "Shopping on Fridays"),
        (1200, "Ned", "A chat on Tuesdays"),
        (8200, "Olive", "Lifts to the library"),
    ):
        owner = make.person(council=council, display_name=name)
        need = make.need_row(council=council, at=make.point_at(east, 0), owner=owner)
        Need.objects.filter(pk=need.pk).update(title=title)
        needs[name] = need
    return needs


def test_council_admin_sends_only_the_ticked_proposals(
    live_server, new_context, pages, home_council
):
    needs = _listings(home_council)
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    totp = make.enrol_totp(admin)
    base = live_server.url
    page = new_context().new_page()
    sign_in(page, base, admin.email, totp=totp, pages=pages)

    page.goto(base + "/staff/rounds/")
    page.get_by_role("button", name="Run a round now").click()
    page.get_by_text("Review the proposals below before sending.").wait_for()
    rnd = Round.objects.get()
    pages.check(page, "round to review")
    page.get_by_text(
        "This round fills 3 places (a helper for a need each); greedy matching would have filled 2."
    ).wait_for()
    assert page.get_by_text("Greedy would have chosen: Ann Able, score").count() == 1
    assert page.get_by_text("Greedy would have left this need unmet").count() == 1
    boxes = page.get_by_role("checkbox")
    assert boxes.count() == 3
    assert all(boxes.nth(i).is_checked() for i in range(3))

    # Nothing ticked: a clear error, and nothing sent.
    for i in range(3):
        boxes.nth(i).uncheck()
    page.get_by_role("button", name="Send selected").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    pages.check(page, "round with nothing ticked")
    assert page.title().startswith("Error: ")
    page.get_by_role("link", name="Choose at least one proposed match to send").click()
    assert page.evaluate("document.activeElement.id") == "id_proposals_0"
    assert not Match.objects.exists()

    # Tick all but Ned's and send.
    page.get_by_label("Send the match between Nora and Bea Bright").check()
    page.get_by_label("Send the match between Olive and Cat Carter").check()
    assert not page.get_by_label("Send the match between Ned and Ann Able").is_checked()
    page.get_by_role("button", name="Send selected").click()
    page.get_by_text("Sent 2 proposed matches to the people in them.").wait_for()
    pages.check(page, "round sent")
    assert page.get_by_role("button", name="Send selected").count() == 0
    proposed = page.get_by_role("table", name="Proposed matches, best fit first")
    assert proposed.get_by_role("cell", name="Sent", exact=True).count() == 2
    assert proposed.get_by_role("cell", name="Not sent: left out by staff").count() == 1

    rnd.refresh_from_db()
    assert rnd.status == Round.Status.APPLIED
    assert set(Match.objects.values_list("need_id", flat=True)) == {
        needs["Nora"].pk,
        needs["Olive"].pk,
    }
    assert rnd.proposals.get(need=needs["Ned"]).outcome == RoundProposal.Outcome.NOT_SELECTED
    event = AuditEvent.objects.get(verb="round.applied", actor_id=admin.pk)
    assert event.data == {"sent": 2, "not_sent": 1, "skipped": 0}
