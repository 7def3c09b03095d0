"""Simultaneous moderation decisions on one listing, from two members of staff, on real
threads with their own database connections.

Row locks make the decisions serial, and a decision from the review queue only applies to a
listing still waiting for review: two approvals, two rejections, or an approval and a
rejection → exactly one wins, the other is told clearly it is no longer waiting for review,
one audit row, never a half-decided listing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from core.models import AuditEvent
from marketplace.models import Need, Offer
from tests.kit import factories as make

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _decide_at_once(*, model, listing_id: int, calls: list[tuple]) -> list[tuple[int, dict]]:
    """Run each (user, url, body) POST on its own thread, all released at the same moment
    while the listing's row is held, so every decision is in flight before any proceeds."""
    results: list[tuple[int, dict]] = [None] * len(calls)  # type: ignore[list-item]
    ready = threading.Barrier(len(calls) + 1)

    def post(index: int, user, url: str, body: dict) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            ready.wait(timeout=10)
            response = client.post(url, body, format="json")
            results[index] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i, *call)) for i, call in enumerate(calls)]
    with transaction.atomic():
        model.objects.select_for_update().get(pk=listing_id)
        for thread in threads:
            thread.start()
        ready.wait(timeout=10)
        threading.Event().wait(0.5)  # both requests now wait on the row lock
    for thread in threads:
        thread.join(timeout=30)
    assert all(result is not None for result in results)
    return results


@pytest.fixture
def staff_pair():
    council = make.CouncilFactory(name="Busy Council")
    first = make.staff(council=council, lon=-1.54, lat=53.80)
    second = make.staff(council=council, lon=-1.56, lat=53.81)
    citizen = make.person(council=council, lon=-1.55, lat=53.80)
    return first, second, citizen


def _verbs(kind: str, pk: int) -> list[tuple[str, int]]:
    return list(
        AuditEvent.objects.filter(target_type=kind, target_id=pk, verb__startswith=kind + ".")
        .exclude(verb__in=[f"{kind}.created", f"{kind}.submitted", f"{kind}.viewed"])
        .order_by("id")
        .values_list("verb", "actor_id")
    )


@pytest.mark.parametrize("kind", ["need", "offer"])
def test_two_approvals_at_once_one_wins_and_the_other_is_told_why(staff_pair, kind):
    first, second, citizen = staff_pair
    listing = make.need(owner=citizen) if kind == "need" else make.offer(helper=citizen)
    url = f"/api/v1/staff/{kind}s/{listing.pk}/approve/"
    model = Need if kind == "need" else Offer
    results = _decide_at_once(
        model=model, listing_id=listing.pk, calls=[(first, url, {}), (second, url, {})]
    )
    statuses = sorted(code for code, _ in results)
    assert statuses == [200, 400], results
    refused = next(body for code, body in results if code == 400)
    assert "not waiting for review" in refused["detail"]
    listing.refresh_from_db()
    assert listing.status == "open"
    approvals = [verb for verb in _verbs(kind, listing.pk) if verb[0] == f"{kind}.approved"]
    assert len(approvals) == 1
    winner = first if results[0][0] == 200 else second
    assert approvals[0][1] == winner.pk


@pytest.mark.parametrize("kind", ["need", "offer"])
def test_two_rejections_at_once_one_wins_and_the_other_is_told_why(staff_pair, kind):
    first, second, citizen = staff_pair
    listing = make.need(owner=citizen) if kind == "need" else make.offer(helper=citizen)
    url = f"/api/v1/staff/{kind}s/{listing.pk}/reject/"
    model = Need if kind == "need" else Offer
    results = _decide_at_once(
        model=model,
        listing_id=listing.pk,
        calls=[(first, url, {"reason": "First reason"}), (second, url, {"reason": "Second"})],
    )
    assert sorted(code for code, _ in results) == [200, 400], results
    refused = next(body for code, body in results if code == 400)
    assert "not waiting for review" in refused["detail"]
    listing.refresh_from_db()
    winner_reason = "First reason" if results[0][0] == 200 else "Second"
    assert (listing.status, listing.rejection_reason) == ("closed", winner_reason)
    rejections = [verb for verb in _verbs(kind, listing.pk) if verb[0] == f"{kind}.rejected"]
    assert len(rejections) == 1


@pytest.mark.parametrize("kind", ["need", "offer"])
def test_an_approval_and_a_rejection_at_once_one_wins_and_the_other_is_told_why(staff_pair, kind):
    first, second, citizen = staff_pair
    listing = make.need(owner=citizen) if kind == "need" else make.offer(helper=citizen)
    model = Need if kind == "need" else Offer
    approve = (first, f"/api/v1/staff/{kind}s/{listing.pk}/approve/", {})
    reject = (second, f"/api/v1/staff/{kind}s/{listing.pk}/reject/", {"reason": "Too vague"})
    results = _decide_at_once(model=model, listing_id=listing.pk, calls=[approve, reject])
    listing.refresh_from_db()
    decisions = [
        verb
        for verb in _verbs(kind, listing.pk)
        if verb[0] in (f"{kind}.approved", f"{kind}.rejected")
    ]
    assert sorted(code for code, _ in results) == [200, 400], results
    loser = next(body for code, body in results if code == 400)
    assert "not waiting for review" in loser["detail"]
    if results[0][0] == 200:
        assert listing.status == "open" and listing.rejection_reason == ""
        assert decisions == [(f"{kind}.approved", first.pk)]
    else:
        assert (listing.status, listing.rejection_reason) == ("closed", "Too vague")
        assert decisions == [(f"{kind}.rejected", second.pk)]
