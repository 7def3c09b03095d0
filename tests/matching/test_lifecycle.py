"""The match lifecycle: proposals, accept/decline/cancel/start/complete, statuses that follow,
refused transitions, audit rows, and capacity under real concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from marketplace.models import Need
from matching import services
from matching.models import Match
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def verbs(match):
    return list(
        AuditEvent.objects.filter(target_type="match", target_id=match.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_helper_offers_citizen_accepts_need_matched_then_fulfilled(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    assert match.status == "proposed" and match.helper_agreed_at is not None
    match = services.match_accept(user=need.owner, match_id=match.pk)
    assert match.status == "accepted"
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    services.match_start(user=offer.helper, match_id=match.pk)
    match = services.match_complete(user=need.owner, match_id=match.pk)
    assert match.status == "completed" and match.completed_at
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED and need.closed_reason == "fulfilled"
    assert verbs(match) == [
        "match.proposed",
        "match.accepted",
        "match.started",
        "match.completed",
    ]


def test_citizen_request_is_accepted_by_the_helper(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    with pytest.raises(ApplicationError, match="not been agreed yet"):
        services.match_start(user=need.owner, match_id=match.pk)  # not accepted yet
    match = services.match_accept(user=offer.helper, match_id=match.pk)
    assert match.status == "accepted"


def test_staff_proposal_needs_both_people(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_propose_by_staff(staff=staff, need_id=need.pk, offer_id=offer.pk)
    assert match.proposed_by == "staff"
    assert services.match_accept(user=need.owner, match_id=match.pk).status == "proposed"
    assert services.match_accept(user=offer.helper, match_id=match.pk).status == "accepted"
    assert verbs(match) == ["match.proposed", "match.agreed", "match.accepted"]
    with pytest.raises(ApplicationError, match="Only the two people"):
        services.match_accept(user=staff, match_id=match.pk)


def test_one_proposal_per_need_and_helper_whichever_offer(mcouncil):
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)
    need = make.need_row(council=mcouncil, helpers_wanted=2)
    first = make.offer_row(council=mcouncil)
    second = make.offer_row(council=mcouncil, helper=first.helper)
    services.match_propose_by_staff(staff=staff, need_id=need.pk, offer_id=first.pk)
    with pytest.raises(ApplicationError, match="already has a match for this need"):
        services.match_propose_by_staff(staff=staff, need_id=need.pk, offer_id=second.pk)
    with pytest.raises(ApplicationError, match="already has a match for this need"):
        services.match_offer_help(helper=first.helper, need_id=need.pk, offer_id=second.pk)


def test_staff_of_another_council_cannot_propose(mcouncil):

    other = make.staff(council=make.council(), lives_here=True, with_home=False)
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    with pytest.raises(NotFound):
        services.match_propose_by_staff(staff=other, need_id=need.pk, offer_id=offer.pk)


def test_decline_with_reason_and_refused_transitions(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    match = services.match_decline(user=need.owner, match_id=match.pk, reason="Found someone")
    assert match.status == "declined" and match.decline_reason == "Found someone"
    for action in (services.match_accept, services.match_start, services.match_complete):
        with pytest.raises(ApplicationError, match="This match was declined"):
            action(user=need.owner, match_id=match.pk)
    with pytest.raises(ApplicationError):
        services.match_cancel(user=need.owner, match_id=match.pk)
    # Declined pairs are not proposed again.
    with pytest.raises(ApplicationError, match="declined before"):
        services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)


def test_declined_pair_cannot_be_reproposed_but_constraint_holds_live_pairs(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    with pytest.raises(ApplicationError, match="already"):
        services.match_request(citizen=need.owner, need_id=need.pk, offer_id=offer.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(council=mcouncil, need=need, offer=offer, proposed_by="staff")


def test_cancel_reopens_the_need(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    services.match_accept(user=need.owner, match_id=match.pk)
    match = services.match_cancel(user=offer.helper, match_id=match.pk, reason="Moving away")
    assert match.status == "cancelled" and match.ended_by == offer.helper
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    with pytest.raises(ApplicationError, match="has been ended"):
        services.match_complete(user=need.owner, match_id=match.pk)


def test_a_stranger_gets_not_found(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    stranger = make.person(council=mcouncil)
    for action in (services.match_accept, services.match_decline, services.match_cancel):
        with pytest.raises(NotFound):
            action(user=stranger, match_id=match.pk)
    with pytest.raises(NotFound):
        services.match_offer_help(helper=stranger, need_id=need.pk, offer_id=offer.pk)


def test_hard_constraints_refuse_a_proposal_with_a_clear_message(mcouncil):
    need = make.need_row(council=mcouncil, gender="woman")
    offer = make.offer_row(council=mcouncil, helper=make.person(council=mcouncil, gender="man"))
    with pytest.raises(ApplicationError, match="asked for a helper who is a woman"):
        services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    assert not Match.objects.exists()


def test_need_with_two_helpers_is_matched_after_the_second(mcouncil):
    need = make.need_row(council=mcouncil, helpers_wanted=2)
    a, b, c = (make.offer_row(council=mcouncil) for _ in range(3))
    matches = [
        services.match_offer_help(helper=o.helper, need_id=need.pk, offer_id=o.pk)
        for o in (a, b, c)
    ]
    services.match_accept(user=need.owner, match_id=matches[0].pk)
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN
    services.match_accept(user=need.owner, match_id=matches[1].pk)
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    # The need is full: the third offer ended with it (its helper told), and cannot be taken.
    matches[2].refresh_from_db()
    assert matches[2].status == Match.Status.CANCELLED
    with pytest.raises(ApplicationError, match="has been ended"):
        services.match_accept(user=need.owner, match_id=matches[2].pk)


def test_offer_capacity_is_enforced(mcouncil):
    offer = make.offer_row(council=mcouncil, capacity=1)
    n1, n2 = make.need_row(council=mcouncil), make.need_row(council=mcouncil)
    m1 = services.match_request(citizen=n1.owner, need_id=n1.pk, offer_id=offer.pk)
    m2 = services.match_request(citizen=n2.owner, need_id=n2.pk, offer_id=offer.pk)
    services.match_accept(user=offer.helper, match_id=m1.pk)
    with pytest.raises(ApplicationError, match="already helping as many people as this offer says"):
        services.match_accept(user=offer.helper, match_id=m2.pk)


def test_expiry_of_old_proposals(mcouncil):
    import datetime as dt

    from django.utils import timezone

    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    Match.objects.filter(pk=match.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    assert services.matches_expire() == 1
    match.refresh_from_db()
    assert match.status == "expired"
    assert "match.expired" in verbs(match)


def _race(fn, args_list):
    barrier = threading.Barrier(len(args_list))
    results: list = []
    lock = threading.Lock()

    def run(kwargs):
        try:
            barrier.wait()
            outcome = fn(**kwargs).status
        except ApplicationError as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(kw,)) for kw in args_list]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_accepts_on_a_need_for_one_give_one_match(mcouncil):
    need = make.need_row(council=mcouncil, helpers_wanted=1)
    offers = [make.offer_row(council=mcouncil) for _ in range(20)]
    matches = [
        services.match_offer_help(helper=o.helper, need_id=need.pk, offer_id=o.pk) for o in offers
    ]
    connection.close()
    results = _race(
        services.match_accept, [{"user": need.owner, "match_id": m.pk} for m in matches]
    )
    assert results.count("accepted") == 1
    assert len(results) == 20
    assert Match.objects.filter(need=need, status__in=Match.HOLDING).count() == 1
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_simultaneous_accepts_on_an_offer_for_one_give_one_match(mcouncil):
    offer = make.offer_row(council=mcouncil, capacity=1, radius_m=5000)
    needs = [make.need_row(council=mcouncil) for _ in range(20)]
    matches = [
        services.match_request(citizen=n.owner, need_id=n.pk, offer_id=offer.pk) for n in needs
    ]
    connection.close()
    results = _race(
        services.match_accept, [{"user": offer.helper, "match_id": m.pk} for m in matches]
    )
    assert results.count("accepted") == 1
    assert Match.objects.filter(offer=offer, status__in=Match.HOLDING).count() == 1


def test_refusals_say_where_the_match_is_in_plain_words(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    helper, citizen = offer.helper, need.owner
    match = services.match_request(citizen=citizen, need_id=need.pk, offer_id=offer.pk)
    with pytest.raises(ApplicationError, match="^This match has not been agreed yet.$"):
        services.match_complete(user=helper, match_id=match.pk)
    services.match_decline(user=helper, match_id=match.pk)
    for refused in (services.match_accept, services.match_decline):
        with pytest.raises(ApplicationError) as caught:
            refused(user=helper, match_id=match.pk)
        assert caught.value.message == "This match was declined, so it can no longer be changed."
    other = make.offer_row(council=mcouncil)
    again = services.match_request(citizen=citizen, need_id=need.pk, offer_id=other.pk)
    services.match_accept(user=other.helper, match_id=again.pk)
    with pytest.raises(ApplicationError, match="^This match has already been agreed.$"):
        services.match_accept(user=citizen, match_id=again.pk)
