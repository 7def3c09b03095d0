"""Blocking someone ends what is between the two people: every proposed, accepted or active
match between them is cancelled in the block's own transaction, its place freed, and the other
person is told only that the match has ended. Neither person's reliability suffers, and a block
racing an accept or a new proposal (real threads, own connections) never leaves a live match
between people who have blocked one another."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Need
from matching import candidates as matching_candidates
from matching import eligibility, scoring, services
from matching.history import NO_HISTORY
from matching.models import Match
from matching.services import BLOCK_ENDED_REASON
from privacy.erasure import person_erase
from safeguarding.blocks import block_create
from tests.kit import factories as make
from tests.kit.races import at_once
from trust.models import Block

pytestmark = pytest.mark.django_db

S = Match.Status


def _pair(council, *, capacity: int = 1):
    """A citizen's open need and a helper's open offer nearby, with a proposal the helper made."""
    need = make.need_row(council=council)
    offer = make.offer_row(council=council, capacity=capacity)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    return need, offer, match


def _to(match, status):
    citizen, helper = match.need.owner, match.offer.helper
    if status in (S.ACCEPTED, S.ACTIVE):
        services.match_accept(user=citizen, match_id=match.pk)
    if status == S.ACTIVE:
        services.match_start(user=helper, match_id=match.pk)
    match.refresh_from_db()
    assert match.status == status
    return match


# --- Each status ends -------------------------------------------------------------------------
@pytest.mark.parametrize("status", [S.PROPOSED, S.ACCEPTED, S.ACTIVE])
@pytest.mark.parametrize("blocker_role", ["citizen", "helper"])
def test_a_block_cancels_the_match_whatever_its_stage(mcouncil, status, blocker_role):
    need, offer, match = _pair(mcouncil)
    match = _to(match, status)
    citizen, helper = need.owner, offer.helper
    blocker, blocked = (citizen, helper) if blocker_role == "citizen" else (helper, citizen)

    block_create(blocker=blocker, blocked_id=blocked.pk)

    match.refresh_from_db()
    assert match.status == S.CANCELLED
    assert match.decline_reason == BLOCK_ENDED_REASON
    assert match.ended_by_id is None and match.ended_at is not None
    event = AuditEvent.objects.get(verb="match.cancelled", target_id=match.pk)
    assert event.actor_id == blocker.pk
    assert event.data["because"] == "block" and event.data["by"] == blocker_role
    # The place is free again: the need is open, the offer holds nobody.
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    assert eligibility.holding_count(offer=offer) == 0 and eligibility.holding_count(need=need) == 0


def test_the_freed_place_can_be_taken_by_someone_else(mcouncil):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    newcomer = make.need_row(council=mcouncil)
    with pytest.raises(ApplicationError, match="no room"):
        services.match_request(citizen=newcomer.owner, need_id=newcomer.pk, offer_id=offer.pk)
    block_create(blocker=need.owner, blocked_id=offer.helper.pk)
    fresh = services.match_request(citizen=newcomer.owner, need_id=newcomer.pk, offer_id=offer.pk)
    assert services.match_accept(user=offer.helper, match_id=fresh.pk).status == S.ACCEPTED


def test_every_live_match_between_the_two_ends_both_ways_round_and_nothing_else(mcouncil):
    citizen = make.person(council=mcouncil)
    helper = make.person(council=mcouncil)
    third = make.person(council=mcouncil)
    # The citizen asks the helper twice (one accepted, one waiting) and once had help done.
    done_need = make.need_row(council=mcouncil, owner=citizen)
    offer = make.offer_row(council=mcouncil, helper=helper, capacity=3)
    done = services.match_offer_help(helper=helper, need_id=done_need.pk, offer_id=offer.pk)
    services.match_accept(user=citizen, match_id=done.pk)
    services.match_complete(user=citizen, match_id=done.pk)
    accepted_need = make.need_row(council=mcouncil, owner=citizen)
    accepted = services.match_request(citizen=citizen, need_id=accepted_need.pk, offer_id=offer.pk)
    services.match_accept(user=helper, match_id=accepted.pk)
    waiting = services.match_request(
        citizen=citizen,
        need_id=make.need_row(council=mcouncil, owner=citizen).pk,
        offer_id=offer.pk,
    )
    # The other way round: the helper has a need of their own that the citizen helps with.
    reverse_offer = make.offer_row(council=mcouncil, helper=citizen)
    reverse = services.match_offer_help(
        helper=citizen,
        need_id=make.need_row(council=mcouncil, owner=helper).pk,
        offer_id=reverse_offer.pk,
    )
    # The helper also helps someone else, who is not part of the block.
    theirs = services.match_offer_help(
        helper=helper, need_id=make.need_row(council=mcouncil, owner=third).pk, offer_id=offer.pk
    )
    services.match_accept(user=third, match_id=theirs.pk)

    block_create(blocker=citizen, blocked_id=helper.pk)

    status = dict(Match.objects.values_list("pk", "status"))
    assert status[accepted.pk] == status[waiting.pk] == status[reverse.pk] == S.CANCELLED
    assert status[done.pk] == S.COMPLETED
    assert status[theirs.pk] == S.ACCEPTED
    assert AuditEvent.objects.filter(verb="match.cancelled").count() == 3


def test_blocking_again_ends_nothing_more_and_tells_nobody_again(
    mcouncil, mailoutbox, django_capture_on_commit_callbacks
):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        first = block_create(blocker=need.owner, blocked_id=offer.helper.pk)
    with django_capture_on_commit_callbacks(execute=True):
        again = block_create(blocker=need.owner, blocked_id=offer.helper.pk)
    assert first.pk == again.pk and Block.objects.count() == 1
    assert len(mailoutbox) == 1
    assert AuditEvent.objects.filter(verb="match.cancelled").count() == 1


def test_no_match_can_be_proposed_or_accepted_after_a_block(mcouncil):
    need, offer, match = _pair(mcouncil)
    block_create(blocker=offer.helper, blocked_id=need.owner.pk)
    with pytest.raises(ApplicationError, match="has been ended, so it can no longer be changed"):
        services.match_accept(user=need.owner, match_id=match.pk)
    with pytest.raises(ApplicationError, match="not possible"):
        services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)


# --- What the other person is told -------------------------------------------------------------
def test_the_other_person_is_told_only_that_the_match_has_ended(
    mcouncil, mailoutbox, django_capture_on_commit_callbacks
):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACTIVE)
    citizen, helper = need.owner, offer.helper
    with django_capture_on_commit_callbacks(execute=True):
        block_create(blocker=citizen, blocked_id=helper.pk)

    assert [m.to for m in mailoutbox] == [[helper.email]]  # the blocker gets nothing
    email = mailoutbox[0]
    assert "Your Kith match has ended" in email.subject
    assert "This match has ended." in email.body
    for text in (email.subject, email.body):
        assert "block" not in text.lower()
        assert citizen.public_name not in text and citizen.email not in text

    # What the helper reads through the API says the same, and nothing about a block.
    api = APIClient()
    api.force_authenticate(helper)
    data = api.get(f"/api/v1/matches/{match.pk}/").json()
    assert data["status"] == "cancelled" and data["decline_reason"] == "This match has ended."
    assert "block" not in str(data).lower()


def test_no_email_before_the_block_is_committed(mcouncil, mailoutbox):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    block_create(blocker=need.owner, blocked_id=offer.helper.pk)
    assert mailoutbox == []  # the test's transaction never commits


# --- Statistics -------------------------------------------------------------------------------
def _failures(offer) -> tuple[int, int, int]:
    """The helper's "failed" count as each ranking reads it: need-side candidates (SQL),
    offer-side facts (SQL) and the scoring context (`load_context`)."""
    probe = make.need_row(council=offer.council, at=make.point_at(50, 50))
    found = matching_candidates.offer_candidates_for_need(need=probe)
    from_need_side = next(c.history.failed for c in found if c.offer.pk == offer.pk)
    _, facts = matching_candidates.need_candidates(offer=offer, limit=10, offer_slots=None)
    return from_need_side, facts.history.failed, _failures_in_scoring(offer)


def _failures_in_scoring(offer) -> int:
    context = scoring.load_context([], [offer])
    return context.history.get(offer.helper_id, NO_HISTORY).failed


@pytest.mark.parametrize("blocker_role", ["citizen", "helper"])
def test_a_block_never_counts_as_the_helper_failing(mcouncil, blocker_role):
    need, offer, match = _pair(mcouncil, capacity=2)
    _to(match, S.ACCEPTED)
    citizen, helper = need.owner, offer.helper
    blocker, blocked = (citizen, helper) if blocker_role == "citizen" else (helper, citizen)
    block_create(blocker=blocker, blocked_id=blocked.pk)
    assert _failures(offer) == (0, 0, 0)


def test_the_helper_cancelling_still_counts_as_failing(mcouncil):
    """The control for the test above: the same figures do move when the helper cancels."""
    need, offer, match = _pair(mcouncil, capacity=2)
    _to(match, S.ACCEPTED)
    services.match_cancel(user=offer.helper, match_id=match.pk)
    assert _failures(offer) == (1, 1, 1)


def test_erasing_the_blocker_later_keeps_the_match_ended_and_neutral(mcouncil):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    block_create(blocker=offer.helper, blocked_id=need.owner.pk)
    person_erase(person=offer.helper)
    match.refresh_from_db()
    assert (match.status, match.decline_reason, match.ended_by_id) == (
        S.CANCELLED,
        BLOCK_ENDED_REASON,
        None,
    )
    assert Block.objects.filter(blocker=offer.helper, blocked=need.owner).exists()
    assert _failures_in_scoring(offer) == 0


# --- The page that asks before blocking -------------------------------------------------------
def test_the_block_page_says_matches_end_and_what_the_other_person_is_told(client, mcouncil):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    client.force_login(need.owner)
    html = client.get(reverse("match_block", args=[match.pk])).content.decode()
    assert "every match between you that has not finished ends now" in html
    assert f"Blocking {offer.helper.public_name} ends this match." in html
    assert "they are told only that the match has ended" in html
    assert "does not end this match" not in html
    client.post(reverse("match_block", args=[match.pk]))
    match.refresh_from_db()
    assert match.status == S.CANCELLED


def test_the_block_page_does_not_say_a_finished_match_ends(client, mcouncil):
    need, offer, match = _pair(mcouncil)
    _to(match, S.ACCEPTED)
    services.match_complete(user=need.owner, match_id=match.pk)
    client.force_login(offer.helper)
    html = client.get(reverse("match_block", args=[match.pk])).content.decode()
    assert "every match between you that has not finished ends now" in html
    assert "ends this match." not in html


# --- Races on real threads --------------------------------------------------------------------
def _no_live_match_between(a, b) -> bool:
    return not Match.objects.filter(
        status__in=Match.LIVE, need__owner__in=(a, b), offer__helper__in=(a, b)
    ).exists()


HOLDS = ["need", "blocked_person", "nothing"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_accept_that_commits_while_the_block_waits_is_then_ended():
    """Deterministic order: the block is in flight (waiting on the people's rows) when the
    accept commits, so the block must find the match accepted, not proposed, and end it."""

    need, offer, match = _pair(make.council())
    citizen, helper = need.owner, offer.helper
    result: list = []

    def block():
        try:
            result.append(block_create(blocker=helper, blocked_id=citizen.pk))
        except Exception as error:  # noqa: BLE001 - the test inspects it
            result.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=block)
    with transaction.atomic():
        type(citizen).objects.select_for_update(no_key=True).get(pk=citizen.pk)
        thread.start()
        threading.Event().wait(0.4)  # the block now waits on the citizen's row
        assert result == []
        assert services.match_accept(user=citizen, match_id=match.pk).status == S.ACCEPTED
    thread.join(timeout=30)
    assert isinstance(result[0], Block), result
    match.refresh_from_db()
    assert match.status == S.CANCELLED and eligibility.holding_count(offer=offer) == 0
    assert _no_live_match_between(citizen, helper)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("hold", HOLDS)
def test_a_block_racing_an_accept_never_leaves_an_accepted_match(hold):
    """Holding the need makes both wait on it (either may then go first); holding the blocked
    person's row makes the block wait, so the accept commits first and the block must then end
    the accepted match; holding nothing lets them run freely."""

    council = make.council()
    for _ in range(3):
        need, offer, match = _pair(council)
        citizen, helper = need.owner, offer.helper
        rows = {
            "need": lambda need=need: Need.objects.select_for_update().get(pk=need.pk),
            # FOR NO KEY UPDATE, as the block takes it: the accept (whose audit row refers
            # to the citizen) is not held up, the block is.
            "blocked_person": lambda c=citizen: (
                type(c).objects.select_for_update(no_key=True).get(pk=c.pk)
            ),
            "nothing": lambda: None,
        }
        accepted, blocked = at_once(
            hold=rows[hold],
            calls=[
                lambda m=match, c=citizen: services.match_accept(user=c, match_id=m.pk),
                lambda h=helper, c=citizen: block_create(blocker=h, blocked_id=c.pk),
            ],
        )
        assert isinstance(blocked, Block), blocked
        if isinstance(accepted, Exception):
            assert isinstance(accepted, ApplicationError), accepted
            assert accepted.code == "invalid_transition" or "not possible" in str(accepted)
        else:
            assert accepted.status == S.ACCEPTED  # it went first, and the block ended it
        match.refresh_from_db()
        need.refresh_from_db()
        assert match.status == S.CANCELLED and match.decline_reason == BLOCK_ENDED_REASON
        assert need.status == Need.Status.OPEN and eligibility.holding_count(offer=offer) == 0
        assert _no_live_match_between(citizen, helper)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("hold", ["need", "nothing"])
def test_a_block_racing_a_new_proposal_never_leaves_a_live_match(hold):

    council = make.council()
    for _ in range(3):
        need = make.need_row(council=council)
        offer = make.offer_row(council=council)
        # Something already between them, so each may see the other's listings to block.
        old = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
        services.match_decline(user=need.owner, match_id=old.pk)
        second = make.offer_row(council=council, helper=offer.helper)
        citizen, helper = need.owner, offer.helper
        rows = {
            "need": lambda need=need: Need.objects.select_for_update().get(pk=need.pk),
            "nothing": lambda: None,
        }
        proposed, blocked = at_once(
            hold=rows[hold],
            calls=[
                lambda n=need, o=second, h=helper: services.match_offer_help(
                    helper=h, need_id=n.pk, offer_id=o.pk
                ),
                lambda h=helper, c=citizen: block_create(blocker=c, blocked_id=h.pk),
            ],
        )
        assert isinstance(blocked, Block), blocked
        if isinstance(proposed, Exception):
            assert "not possible" in str(proposed), proposed
        assert _no_live_match_between(citizen, helper)
