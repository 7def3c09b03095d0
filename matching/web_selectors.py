"""Reads of matches, feedback, messages and rounds that the web pages (citizens' and staff's)
ask for, built on the visibility rules of `matching.selectors` so that a page never sees more
than the API would."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from marketplace.models import Need, Offer
from matching.models import Feedback, Match, Message, Round, RoundProposal
from matching.selectors import matches_visible_to, message_list_for_party


def matches_waiting_for(*, user: User, limit: int = 20) -> list[Match]:
    """Proposed matches, newest first, where `user` is one of the two people and has not
    agreed yet (the "waiting for you" list of the dashboard)."""
    proposed = matches_visible_to(user=user).filter(status="proposed").order_by("-created_at")
    return [
        m
        for m in proposed[:limit]
        if (m.need.owner_id == user.pk and m.citizen_agreed_at is None)
        or (m.offer.helper_id == user.pk and m.helper_agreed_at is None)
    ]


def matches_as_helper(*, user: User, limit: int = 50) -> list[Match]:
    """The matches of `user`'s offers, newest first."""
    return list(
        matches_visible_to(user=user)
        .filter(offer__helper=user)
        .select_related("need__category")
        .order_by("-created_at")[:limit]
    )


def matches_of_need(*, user: User, need: Need) -> list[Match]:
    """The matches of `need` that `user` may see, newest first."""
    return list(matches_visible_to(user=user).filter(need=need).order_by("-created_at"))


def live_match_of_helper(*, need: Need, helper: User) -> Match | None:
    """The newest live match between `need` and one of `helper`'s offers, if any."""
    return (
        Match.objects.filter(need=need, offer__helper=helper, status__in=Match.LIVE)
        .order_by("-created_at")
        .first()
    )


def feedback_left(*, match: Match, author: User) -> bool:
    return Feedback.objects.filter(match=match, author=author).exists()


def message_of_match(*, match: Match, message_id: int) -> Message | None:
    """One message of the conversation of `match` (for a party to it)."""
    return message_list_for_party(match=match).filter(pk=message_id).first()


def round_of_council(*, council, round_id: int) -> Round | None:
    return Round.objects.filter(pk=round_id, council=council).first()


def rounds_of_council(*, council, limit: int = 30) -> list[Round]:
    """The council's latest rounds (the model's own order: newest first)."""
    return list(Round.objects.filter(council=council)[:limit])


def round_proposals(*, round_: Round) -> QuerySet[RoundProposal]:
    """A round's proposals, best score first, with what the review page shows of each."""
    return round_.proposals.select_related(
        "need__category", "need__owner", "offer__helper", "match"
    ).order_by("-score", "id")


@dataclass(frozen=True)
class GreedyChoice:
    """A helper greedy matching would have chosen for a need: their public name only."""

    helper_name: str
    score: float


@dataclass(frozen=True)
class ProposalRow:
    """A proposal and what greedy matching would have done for its need instead: None where
    it agrees, no choices where it would have left the need unmet."""

    proposal: RoundProposal
    greedy: list[GreedyChoice] | None


@dataclass(frozen=True)
class GreedyOnlyNeed:
    """A need greedy matching would have met and the round leaves unmet."""

    need: Need
    greedy: list[GreedyChoice]


@dataclass(frozen=True)
class RoundReview:
    rows: list[ProposalRow]
    greedy_only: list[GreedyOnlyNeed]
    # Needs for which greedy matching would have chosen otherwise; None for rounds run
    # before greedy's pairs were kept.
    needs_differing: int | None


def round_review(*, round_: Round) -> RoundReview:
    """A round's proposals, best score first, each with where greedy matching would have
    chosen otherwise (`Round.summary["greedy_differences"]`), and the needs only greedy
    would have met. Helpers are named by their public names, nothing more."""
    proposals = list(round_proposals(round_=round_))
    differences = round_.summary.get("greedy_differences")
    greedy: dict[int, list[GreedyChoice]] = {}
    offers = Offer.objects.select_related("helper").in_bulk(
        {d["offer_id"] for d in differences or [] if d["offer_id"] is not None}
    )
    for difference in differences or []:
        choices = greedy.setdefault(difference["need_id"], [])
        if difference["offer_id"] is not None:
            offer = offers.get(difference["offer_id"])
            name = offer.helper.public_name if offer else "a helper whose offer has gone"
            choices.append(GreedyChoice(helper_name=name, score=difference["score"]))
    proposed = {p.need_id for p in proposals}
    unmet = Need.objects.select_related("category", "owner").in_bulk(
        [need_id for need_id in greedy if need_id not in proposed]
    )
    return RoundReview(
        rows=[ProposalRow(proposal=p, greedy=greedy.get(p.need_id)) for p in proposals],
        greedy_only=[
            GreedyOnlyNeed(need=unmet[need_id], greedy=choices)
            for need_id, choices in greedy.items()
            if need_id in unmet
        ],
        needs_differing=None if differences is None else len(greedy),
    )


def live_matches_for(*, user: User, limit: int = 20) -> list[Match]:
    """Agreed matches still going where `user` is one of the two people, newest first (the
    home page's "Your matches")."""
    return list(
        matches_visible_to(user=user, as_staff=False)
        .filter(status__in=Match.HOLDING)
        .select_related("need__category", "need__owner", "offer__helper")
        .order_by("-accepted_at", "-created_at")[:limit]
    )
