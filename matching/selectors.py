"""Reads for matching: the listings a person may rank, and the matches and messages a person
may see. Candidate search and ranking are in `matching.candidates`; who may be matched with
whom is in `matching.eligibility`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from psycopg.types.numeric import Int8

from accounts.models import Council, User
from accounts.permissions import staff_council_id
from core.db import prepared_cursor
from core.errors import NotFound
from core.rows import ModelColumns, model_columns
from marketplace.availability import WeeklySlot, weekly_from_json
from marketplace.models import Category, Need, Offer

from .models import AlertPreference, AlertRequest, AlertSent, Match, Message

__all__ = [
    "alert_preference_get",
    "urgent_alerts_of",
    "match_get",
    "match_role",
    "matches_visible_to",
    "message_list_for_party",
    "need_and_slots_for_ranking",
    "offer_and_slots_for_ranking",
    "staff_council_id",
]


# --- Access ---------------------------------------------------------------------------------


# A listing's weekly times, in the order of `Slot.Meta.ordering`, read with the listing.
_SLOTS_SQL = """COALESCE((SELECT json_agg(json_build_array(s.weekday, s.start, s."end")
                                ORDER BY s.weekday, s.start)
                      FROM marketplace_{kind}slot s WHERE s.{kind}_id = l.id),
                     '[]')"""

# A listing with its council (not its boundary: thousands of points for a real council, not
# needed to rank), category, person and weekly times: one hand-written statement of fixed
# shape, built into the instances the ORM would make (`core.rows`). As an ORM query with
# select_related, compiling it cost three times what running it did, on every ranking.
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
_LISTING_SQL = """SELECT {listing}, {council}, {category}, {person},
       {slots}
FROM marketplace_{kind} l
JOIN accounts_council c ON c.id = l.council_id
JOIN marketplace_category k ON k.id = l.category_id
JOIN accounts_user p ON p.id = l.{person_column}
WHERE l.id = %s"""


@functools.cache
def _listing_read(
    model: type[Need] | type[Offer],
) -> tuple[str, str, tuple[ModelColumns, ...]]:
    """The statement reading one listing of `model` for ranking, the listing's field naming its
    person, and its models' columns."""
    kind = model._meta.model_name
    person = "owner" if model is Need else "helper"
    parts = (
        model_columns(model, "l"),
        model_columns(Council, "c", defer=("boundary",)),
        model_columns(Category, "k"),
        model_columns(User, "p"),
    )
    sql = _LISTING_SQL.format(
        listing=parts[0].select,
        council=parts[1].select,
        category=parts[2].select,
        person=parts[3].select,
        slots=_SLOTS_SQL.format(kind=kind),
        kind=kind,
        person_column=f"{person}_id",
    )
    return sql, person, parts


def _listing_and_slots(model, listing_id: int):
    """The listing `listing_id` of `model` with council, category and person loaded, and its
    weekly times; None if there is no such listing."""
    if not BIGINT_MIN <= listing_id <= BIGINT_MAX:
        return None, []  # no such id (as the ORM answers a filter out of the column's range)
    sql, person_field, (listing, council, category, person) = _listing_read(model)
    with prepared_cursor() as cursor:
        cursor.execute(sql, [Int8(listing_id)])
        row = cursor.fetchone()
    if row is None:
        return None, []
    found = listing.take(row, 0)
    at = listing.width
    found.council = council.take(row, at)
    at += council.width
    found.category = category.take(row, at)
    at += category.width
    setattr(found, person_field, person.take(row, at))
    return found, weekly_from_json(row[-1])


def need_and_slots_for_ranking(*, user: User, need_id: int) -> tuple[Need, list[WeeklySlot]]:
    """The need, if `user` owns it or is staff of its council (else NotFound), with its
    council, category and owner loaded and its weekly times: one statement, what a ranking
    reads before its candidate statement."""
    need, slots = _listing_and_slots(Need, need_id)
    if need is None or not (need.owner_id == user.pk or staff_council_id(user) == need.council_id):
        raise NotFound()
    return need, slots


def offer_and_slots_for_ranking(*, user: User, offer_id: int) -> tuple[Offer, list[WeeklySlot]]:
    """The offer, if `user` is its helper or staff of its council (else NotFound), with its
    council, category and helper loaded and its weekly times: one statement."""
    offer, slots = _listing_and_slots(Offer, offer_id)
    if offer is None or not (
        offer.helper_id == user.pk or staff_council_id(user) == offer.council_id
    ):
        raise NotFound()
    return offer, slots


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


def need_has_matches_going(*, need_id: int) -> bool:
    """Whether anyone has been asked, has offered, or is helping with the need (a match
    proposed, accepted or going on): withdrawing the need ends those matches."""
    return Match.objects.filter(need_id=need_id, status__in=Match.LIVE).exists()


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


@dataclass(frozen=True)
class AlertWave:
    wave: int
    helpers: int
    sent_at: dt.datetime


@dataclass(frozen=True)
class UrgentAlerts:
    """An urgent need's alerts so far, wave by wave, and when the next wave is due (if no
    helper has said yes by then); counts only, never who."""

    waves: list[AlertWave]
    next_wave_at: dt.datetime | None
    pending: bool  # the first wave is still to run (the worker has not got to it yet)


def urgent_alerts_of(*, need_id: int) -> UrgentAlerts:
    rows = (
        AlertSent.objects.filter(need_id=need_id, kind=AlertSent.Kind.URGENT)
        .values("wave")
        .annotate(helpers=Count("id"), sent_at=Min("sent_at"))
        .order_by("wave")
    )
    request = AlertRequest.objects.filter(need_id=need_id).values("next_wave_at", "done_at")
    owed = next(iter(request), {"next_wave_at": None, "done_at": None})
    return UrgentAlerts(
        waves=[AlertWave(r["wave"], r["helpers"], r["sent_at"]) for r in rows],
        next_wave_at=owed["next_wave_at"],
        pending=bool(request) and owed["done_at"] is None,
    )
