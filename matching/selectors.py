"""Reads for matching: the listings a person may rank, and the matches and messages a person
may see. Candidate search and ranking are in `matching.candidates`; who may be matched with
whom is in `matching.eligibility`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import User
from accounts.permissions import staff_council_id
from core.errors import NotFound
from marketplace.availability import WeeklySlot
from marketplace.models import Need, Offer

from .models import AlertPreference, Match, Message

__all__ = [
    "alert_preference_get",
    "match_get",
    "match_role",
    "matches_visible_to",
    "message_list_for_party",
    "need_and_slots_for_ranking",
    "need_for_ranking",
    "offer_and_slots_for_ranking",
    "offer_for_ranking",
    "staff_council_id",
]


# --- Access ---------------------------------------------------------------------------------


def need_for_ranking(*, user: User, need_id: int) -> Need:
    """The need, if `user` owns it or is staff of its council; otherwise NotFound."""
    # The council's boundary (thousands of points for a real council) is not needed to rank.
    need = (
        Need.objects.select_related("council", "category", "owner")
        .defer("council__boundary")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise NotFound()
    if need.owner_id == user.pk or staff_council_id(user) == need.council_id:
        return need
    raise NotFound()


# A listing's weekly times, in the order of `Slot.Meta.ordering`, read with the listing.
_SLOTS_SQL = """COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end")
                                ORDER BY s.weekday, s.start)
                      FROM marketplace_{kind}slot s WHERE s.{kind}_id = marketplace_{kind}.id),
                     '[]')"""
_NEED_SLOTS_SQL = _SLOTS_SQL.format(kind="need")
_OFFER_SLOTS_SQL = _SLOTS_SQL.format(kind="offer")


def _weekly(rows) -> list[WeeklySlot]:
    return [
        WeeklySlot(int(d), dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for d, a, b in rows
    ]


def need_and_slots_for_ranking(*, user: User, need_id: int) -> tuple[Need, list[WeeklySlot]]:
    """`need_for_ranking` and the need's weekly times, in one statement (what a ranking
    reads before its candidate statement)."""
    need = (
        Need.objects.select_related("council", "category", "owner")
        .defer("council__boundary")
        .annotate(slot_rows=RawSQL(_NEED_SLOTS_SQL, ()))  # noqa: S611  (constant SQL, no input)
        .filter(pk=need_id)
        .first()
    )
    if need is None or not (need.owner_id == user.pk or staff_council_id(user) == need.council_id):
        raise NotFound()
    return need, _weekly(need.slot_rows)  # the annotation above


def offer_and_slots_for_ranking(*, user: User, offer_id: int) -> tuple[Offer, list[WeeklySlot]]:
    """`offer_for_ranking` and the offer's weekly times, in one statement."""
    offer = (
        Offer.objects.select_related("council", "category", "helper")
        .defer("council__boundary")
        .annotate(slot_rows=RawSQL(_OFFER_SLOTS_SQL, ()))  # noqa: S611  (constant SQL, no input)
        .filter(pk=offer_id)
        .first()
    )
    if offer is None or not (
        offer.helper_id == user.pk or staff_council_id(user) == offer.council_id
    ):
        raise NotFound()
    return offer, _weekly(offer.slot_rows)  # the annotation above


def offer_for_ranking(*, user: User, offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_related("council", "category", "helper")
        .defer("council__boundary")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise NotFound()
    if offer.helper_id == user.pk or staff_council_id(user) == offer.council_id:
        return offer
    raise NotFound()


def matches_visible_to(*, user: User, as_staff: bool = True) -> QuerySet[Match]:
    """Matches where `user` is one of the two people, or all of their council if staff.

    `as_staff=False` leaves the council's out: the matches any person sees, which is what
    an endpoint for everyone gives a member of staff without two-factor authentication."""
    q = Q(need__owner_id=user.pk) | Q(offer__helper_id=user.pk)
    council_id = staff_council_id(user) if as_staff else None
    if council_id is not None:
        q |= Q(council_id=council_id)
    return Match.objects.filter(q).select_related(
        "need", "offer", "need__owner", "offer__helper", "council"
    )


def match_get(*, user: User, match_id: int) -> Match:
    match = matches_visible_to(user=user).filter(pk=match_id).first()
    if match is None:
        raise NotFound()
    return match


def match_role(*, user: User, match: Match) -> str | None:
    """'citizen', 'helper', 'staff' or None."""
    if match.need.owner_id == user.pk:
        return "citizen"
    if match.offer.helper_id == user.pk:
        return "helper"
    if staff_council_id(user) == match.council_id:
        return "staff"
    return None


def message_list_for_party(*, match: Match) -> QuerySet[Message]:
    """Messages of a match, oldest first. Staff reads go through
    `matching.services.message_list` so that each one is audited."""
    return match.messages.select_related("sender").order_by("created_at", "id")


def alert_preference_get(*, user: User) -> AlertPreference:
    pref, _ = AlertPreference.objects.get_or_create(user=user)
    return pref
