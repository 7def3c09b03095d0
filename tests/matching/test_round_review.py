"""Reviewing a round proposal by proposal: staff send the ones they tick, the others are
recorded as not sent and nobody is told of them; a round is sent once, whoever presses the
button twice; ids of another round are refused; the API follows the same rules. And where
the greedy assignment of the same input would have differed, stored with the round."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Offer
from matching.models import Match, Round, RoundProposal
from matching.rounds import (
    Problem,
    greedy_assignment,
    greedy_differences,
    optimal_assignment,
    round_apply,
    round_discard,
    round_run,
)
from notifications.models import Notification
from tests.kit import factories as make

Outcome = RoundProposal.Outcome


def _three_pairs(council) -> SimpleNamespace:
    """Three needs, each with one offer near it and nothing else in reach: a round proposes
    all three pairs, greedy the same."""
    staff = make.staff(council=council, lives_here=True, with_home=False)
    pairs = []
    for east in (-10_000, 0, 10_000):
        offer = make.offer_row(council=council, at=make.point_at(east, 0), radius_m=2000)
        need = make.need_row(council=council, at=make.point_at(east + 300, 0))
        pairs.append((need, offer))
    rnd = round_run(council=council, actor=staff)
    proposals = {p.need_id: p for p in rnd.proposals.all()}
    assert len(proposals) == 3
    return SimpleNamespace(
        staff=staff,
        round=rnd,
        pairs=pairs,
        proposals=[proposals[need.pk] for need, _ in pairs],
    )


@pytest.fixture
def three(mcouncil) -> SimpleNamespace:
    return _three_pairs(mcouncil)


def _outcomes(rnd: Round) -> list[str]:
    return list(rnd.proposals.order_by("need_id").values_list("outcome", flat=True))


# --- Sending some ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_apply_sends_only_the_selected_proposals(three):
    first, second, third = three.proposals
    result = round_apply(
        staff=three.staff, round_id=three.round.pk, proposal_ids=[first.pk, third.pk]
    )
    assert result == {"sent": 2, "not_sent": 1, "skipped": 0}
    assert set(Match.objects.values_list("need_id", "offer_id")) == {
        (first.need_id, first.offer_id),
        (third.need_id, third.offer_id),
    }
    three.round.refresh_from_db()
    assert three.round.status == Round.Status.APPLIED
    for proposal, outcome, matched in (
        (first, Outcome.SENT, True),
        (second, Outcome.NOT_SELECTED, False),
        (third, Outcome.SENT, True),
    ):
        proposal.refresh_from_db()
        assert (proposal.outcome, proposal.match_id is not None) == (outcome, matched)


@pytest.mark.django_db
def test_without_a_list_every_proposal_is_sent(three):
    result = round_apply(staff=three.staff, round_id=three.round.pk)
    assert result == {"sent": 3, "not_sent": 0, "skipped": 0}
    assert _outcomes(three.round) == [Outcome.SENT] * 3


@pytest.mark.django_db
def test_sending_none_selected_is_refused_and_changes_nothing(three):
    with pytest.raises(ApplicationError) as refused:
        round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=[])
    assert refused.value.code == "round_nothing_selected"
    assert "at least one" in refused.value.message
    three.round.refresh_from_db()
    assert three.round.status == Round.Status.PROPOSED
    assert _outcomes(three.round) == [Outcome.WAITING] * 3
    assert not Match.objects.exists()
    assert not AuditEvent.objects.filter(verb="round.applied").exists()


@pytest.mark.django_db
def test_proposals_of_another_round_are_refused(three, mcouncil):
    other = round_run(council=mcouncil, actor=three.staff)
    theirs = other.proposals.first()
    for ids in ([three.proposals[0].pk, theirs.pk], [three.proposals[0].pk, 987_654_321]):
        with pytest.raises(ApplicationError) as refused:
            round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=ids)
        assert refused.value.code == "round_proposal_unknown"
        assert "not part of this round" in refused.value.message
    three.round.refresh_from_db()
    assert three.round.status == Round.Status.PROPOSED
    assert _outcomes(three.round) == [Outcome.WAITING] * 3
    assert not Match.objects.exists()


@pytest.mark.django_db
def test_a_round_is_sent_once(three):
    ids = [p.pk for p in three.proposals[:2]]
    round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=ids)
    before = list(Match.objects.order_by("pk").values_list("pk", flat=True))
    for again in (ids, [three.proposals[2].pk], None):
        with pytest.raises(ApplicationError) as refused:
            round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=again)
        assert refused.value.code == "round_decided"
    assert list(Match.objects.order_by("pk").values_list("pk", flat=True)) == before
    assert AuditEvent.objects.filter(verb="round.applied").count() == 1
    assert _outcomes(three.round) == [Outcome.SENT, Outcome.SENT, Outcome.NOT_SELECTED]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_sending_at_once_send_once(mcouncil):
    three = _three_pairs(mcouncil)
    ids = [p.pk for p in three.proposals]
    connection.close()
    barrier, lock, results = threading.Barrier(2), threading.Lock(), []

    def send():
        try:
            barrier.wait()
            outcome = round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=ids)
        except ApplicationError as exc:
            outcome = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted(
        [{"sent": 3, "not_sent": 0, "skipped": 0}, "round_decided"], key=str
    )
    assert Match.objects.count() == 3
    assert AuditEvent.objects.filter(verb="round.applied").count() == 1


@pytest.mark.django_db
def test_unselected_proposals_are_not_notified(three, django_capture_on_commit_callbacks):
    sent, left_out = three.proposals[0], three.proposals[1]
    left_people = {left_out.need.owner_id, left_out.offer.helper_id}
    sent_people = {sent.need.owner_id, sent.offer.helper_id}
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        round_apply(staff=three.staff, round_id=three.round.pk, proposal_ids=[sent.pk])
    new = Notification.objects.exclude(pk__in=before)
    assert set(new.filter(template="council_proposed").values_list("person_id", flat=True)) == (
        sent_people
    )
    assert not new.filter(person_id__in=left_people).exists()
    assert not Match.objects.filter(need_id=left_out.need_id).exists()


@pytest.mark.django_db
def test_the_audit_row_counts_sent_not_sent_and_skipped(three):
    sent, left_out, gone = three.proposals
    # The helper of the third pair paused their offer after the round was worked out.
    Offer.objects.filter(pk=gone.offer_id).update(status=Offer.Status.PAUSED)
    result = round_apply(
        staff=three.staff, round_id=three.round.pk, proposal_ids=[sent.pk, gone.pk]
    )
    assert result == {"sent": 1, "not_sent": 1, "skipped": 1}
    event = AuditEvent.objects.get(verb="round.applied")
    assert (event.actor_id, event.target_id) == (three.staff.pk, three.round.pk)
    assert event.data == {"sent": 1, "not_sent": 1, "skipped": 1}
    assert _outcomes(three.round) == [Outcome.SENT, Outcome.NOT_SELECTED, Outcome.SKIPPED]


@pytest.mark.django_db
def test_discarding_marks_every_proposal_discarded(three):
    round_discard(staff=three.staff, round_id=three.round.pk)
    assert _outcomes(three.round) == [Outcome.DISCARDED] * 3
    with pytest.raises(ApplicationError):
        round_apply(staff=three.staff, round_id=three.round.pk)
    assert not Match.objects.exists()


# --- Where greedy differed ------------------------------------------------------------------
def test_greedy_differences_name_each_need_greedy_would_have_met_otherwise():
    # Offers A (10) and B (11). Greedy takes 1–A (0.9) first, so need 3 (only A) goes unmet
    # and need 2 gets B; the round gives 1 B and 3 A, which scores higher and leaves 2 unmet.
    edges = [(1, 10), (1, 11), (2, 11), (3, 10)]
    p = Problem(
        need_ids=[1, 2, 3],
        offer_ids=[10, 11],
        need_cap={1: 1, 2: 1, 3: 1},
        offer_cap={10: 1, 11: 1},
        edges=edges,
        scores=[0.9, 0.5, 0.2, 0.8],
    )
    best, greedy = optimal_assignment(p), greedy_assignment(p)
    assert [edges[i] for i in best.chosen] == [(1, 11), (3, 10)]
    assert greedy_differences(p, best, greedy) == [
        {"need_id": 1, "offer_id": 10, "score": 0.9},  # another helper
        {"need_id": 2, "offer_id": 11, "score": 0.2},  # a need the round leaves unmet
        {"need_id": 3, "offer_id": None, "score": None},  # left unmet by greedy
    ]


def test_greedy_differences_are_empty_when_greedy_agrees():
    p = Problem(
        need_ids=[1, 2],
        offer_ids=[10, 11],
        need_cap={1: 1, 2: 1},
        offer_cap={10: 1, 11: 1},
        edges=[(1, 10), (2, 11)],
        scores=[0.9, 0.4],
    )
    assert greedy_differences(p, optimal_assignment(p), greedy_assignment(p)) == []


@pytest.mark.django_db
def test_round_run_stores_where_greedy_differed(mcouncil):
    # The crafted case on the map (tests/matching/test_rounds.py): greedy gives need 1 offer A
    # and leaves need 2 unmet; the round gives need 1 offer B and need 2 offer A.
    a = make.offer_row(council=mcouncil, at=make.point_at(0, 0), radius_m=1500)
    make.offer_row(council=mcouncil, at=make.point_at(-1200, 0), radius_m=1500)
    n1 = make.need_row(council=mcouncil, at=make.point_at(-100, 0))
    n2 = make.need_row(council=mcouncil, at=make.point_at(1200, 0))
    rnd = round_run(council=mcouncil)
    differences = rnd.summary["greedy_differences"]
    assert [(d["need_id"], d["offer_id"]) for d in differences] == [(n1.pk, a.pk), (n2.pk, None)]
    assert 0 < differences[0]["score"] <= 1 and differences[1]["score"] is None
    # The audit row keeps to the figures.
    event = AuditEvent.objects.get(verb="round.proposed", target_id=rnd.pk)
    assert "greedy_differences" not in event.data
    assert event.data["greedy"] == rnd.summary["greedy"]


# --- The API --------------------------------------------------------------------------------
def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_api_shows_proposal_ids_and_sends_the_listed_ones(three):
    api = _api(three.staff)
    body = api.get(f"/api/v1/staff/rounds/{three.round.pk}/").json()
    listed = {p["id"]: p for p in body["proposals"]}
    assert set(listed) == {p.pk for p in three.proposals}
    assert {p["outcome"] for p in listed.values()} == {"waiting"}
    assert body["summary"]["greedy_differences"] == []
    chosen = three.proposals[1].pk
    response = api.post(
        f"/api/v1/staff/rounds/{three.round.pk}/apply/", {"proposal_ids": [chosen]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"sent": 1, "not_sent": 2, "skipped": 0}
    assert list(Match.objects.values_list("need_id", flat=True)) == [three.proposals[1].need_id]
    after = api.get(f"/api/v1/staff/rounds/{three.round.pk}/").json()
    assert {p["id"]: p["outcome"] for p in after["proposals"]}[chosen] == "sent"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload, message",
    [
        ({"proposal_ids": []}, "at least one"),
        ({"proposal_ids": ["other"]}, "not part of this round"),
        ({"proposal_ids": [987_654_321]}, "not part of this round"),
        ({"proposal_ids": ["x"]}, "valid integer"),
        ({"proposal_ids": 5}, "list"),
        ({"proposal_ids": None}, "null"),
    ],
)
def test_api_refuses_bad_proposal_lists_and_saves_nothing(three, mcouncil, payload, message):
    if payload["proposal_ids"] == ["other"]:
        other = round_run(council=mcouncil, actor=three.staff)
        payload = {"proposal_ids": [three.proposals[0].pk, other.proposals.first().pk]}
    response = _api(three.staff).post(
        f"/api/v1/staff/rounds/{three.round.pk}/apply/", payload, format="json"
    )
    assert response.status_code == 400
    assert message in str(response.json())
    three.round.refresh_from_db()
    assert three.round.status == Round.Status.PROPOSED
    assert _outcomes(three.round) == [Outcome.WAITING] * 3
    assert not Match.objects.exists()
    assert not AuditEvent.objects.filter(verb="round.applied").exists()
