"""Reads of matches, feedback, messages and rounds that the web pages (citizens' and staff's)
ask for, built on the visibility rules of `matching.selectors` so that a page never sees more
than the API would."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from marketplace.models import Need
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


def live_matches_for(*, user: User, limit: int = 20) -> list[Match]:
    """Agreed matches still going where `user` is one of the two people, newest first (the
    home page's "Your matches")."""
    return list(
        matches_visible_to(user=user, as_staff=False)
        .filter(status__in=Match.HOLDING)
        .select_related("need__category", "need__owner", "offer__helper")
        .order_by("-accepted_at", "-created_at")[:limit]
    )
