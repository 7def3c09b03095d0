"""Every status change of needs and offers: the allowed ones happen, the others are refused
with a clear message and change nothing. Plus concurrent edits: no lost update."""

import threading

import pytest
from django.db import connection, transaction

from core.errors import ApplicationError
from marketplace import lifecycle, services
from marketplace.models import Need, Offer
from tests.kit import factories as make

N, R = Need.Status, Need.ClosedReason

ALL_NEED_MOVES = [(to, "") for to in N.values if to != N.CLOSED] + [
    (N.CLOSED, reason) for reason in R.values if reason
]


def _need_in(status, *, owner, moderator):
    need = make.need(owner=owner, submit=False)
    path = {
        N.DRAFT: [],
        N.PENDING_REVIEW: [N.PENDING_REVIEW],
        N.OPEN: [N.PENDING_REVIEW, N.OPEN],
        N.MATCHED: [N.PENDING_REVIEW, N.OPEN, N.MATCHED],
    }[status]
    for step in path:
        lifecycle.need_transition(need=need, to=step)
    return need


@pytest.mark.django_db
@pytest.mark.parametrize("start", [N.DRAFT, N.PENDING_REVIEW, N.OPEN, N.MATCHED])
@pytest.mark.parametrize("to, reason", ALL_NEED_MOVES)
def test_need_transitions(start, to, reason, citizen, moderator):
    need = _need_in(start, owner=citizen, moderator=moderator)
    allowed = to in lifecycle.NEED_TRANSITIONS[start] and (
        to != N.CLOSED or reason in lifecycle.NEED_CLOSE_REASONS[start]
    )
    if allowed:
        lifecycle.need_transition(need=need, to=to, closed_reason=reason)
        need.refresh_from_db()
        assert (need.status, need.closed_reason) == (to, reason)
    else:
        with pytest.raises(ApplicationError, match="cannot become"):
            lifecycle.need_transition(need=need, to=to, closed_reason=reason)
        need.refresh_from_db()
        assert need.status == start


@pytest.mark.django_db
@pytest.mark.parametrize("to, reason", ALL_NEED_MOVES)
def test_closed_needs_never_move(to, reason, citizen):
    need = make.need(owner=citizen)
    services.need_withdraw(actor=citizen, need=need)
    need.refresh_from_db()
    with pytest.raises(ApplicationError):
        lifecycle.need_transition(need=need, to=to, closed_reason=reason)


OFFER_STEPS = {
    "pause": services.offer_pause,
    "resume": services.offer_resume,
    "close": services.offer_close,
}
# start status → step → resulting status, or None when refused
OFFER_TABLE = {
    # Publishing is a moderator's decision, not the helper's: no resume from review.
    Offer.Status.PENDING_REVIEW: {"pause": None, "resume": None, "close": "closed"},
    Offer.Status.OPEN: {"pause": "paused", "resume": None, "close": "closed"},
    Offer.Status.PAUSED: {"pause": None, "resume": "open", "close": "closed"},
    Offer.Status.CLOSED: {"pause": None, "resume": None, "close": None},
}


@pytest.mark.django_db
@pytest.mark.parametrize("start", list(OFFER_TABLE))
@pytest.mark.parametrize("step", list(OFFER_STEPS))
def test_offer_owner_steps(start, step, helper, moderator):
    offer = make.offer(helper=helper)
    if start != Offer.Status.PENDING_REVIEW:
        services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    if start == Offer.Status.PAUSED:
        services.offer_pause(actor=helper, offer=offer)
    if start == Offer.Status.CLOSED:
        services.offer_close(actor=helper, offer=offer)
    expected = OFFER_TABLE[start][step]
    if expected is None:
        with pytest.raises(ApplicationError):
            OFFER_STEPS[step](actor=helper, offer=offer)
        offer.refresh_from_db()
        assert offer.status == start
    else:
        OFFER_STEPS[step](actor=helper, offer=offer)
        offer.refresh_from_db()
        assert offer.status == expected


@pytest.mark.django_db
def test_offer_edited_while_paused_goes_to_review_on_resume(helper, moderator):
    offer = make.open_offer(helper=helper, moderator=moderator)
    services.offer_pause(actor=helper, offer=offer)
    services.offer_update(
        actor=helper, offer=offer, version=1, data={"description": "Now I also do gardening."}
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PAUSED
    resumed = services.offer_resume(actor=helper, offer=offer)
    assert resumed.status == Offer.Status.PENDING_REVIEW
    services.moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN


@pytest.mark.django_db
def test_editing_an_open_offer_sends_it_back_to_review(helper, moderator):
    offer = make.open_offer(helper=helper, moderator=moderator)
    services.offer_update(actor=helper, offer=offer, version=1, data={"capacity": 2})
    offer.refresh_from_db()
    assert offer.status == Offer.Status.OPEN  # capacity is not public text
    services.offer_update(actor=helper, offer=offer, version=2, data={"title": "Walks"})
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_edits_from_the_same_version_lose_nothing(home_council, citizen):
    """Two people save changes made from version 1 at the same moment: one is saved, the
    other is refused as stale. Neither overwrites the other silently."""
    need = make.need(owner=citizen)
    results: list[str] = []
    ready = threading.Barrier(2)

    def edit(title: str) -> None:
        try:
            ready.wait(timeout=10)
            services.need_update(actor=citizen, need=need, version=1, data={"title": title})
            results.append("saved")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    # Hold the row so both edits are in flight before either can proceed.
    with transaction.atomic():
        Need.objects.select_for_update().get(pk=need.pk)
        threads = [threading.Thread(target=edit, args=(t,)) for t in ("Left", "Right")]
        for thread in threads:
            thread.start()
        threading.Event().wait(0.5)
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["saved", "stale_version"]
    need.refresh_from_db()
    assert need.version == 2
    assert need.title in ("Left", "Right")
