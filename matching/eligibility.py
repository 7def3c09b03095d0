"""Who may be matched with whom: every hard constraint of Kith's matching, written once.

Each rule lives here in the two forms the code needs, side by side:
- a Python check (`pair_problem` answers for one pair, in words a person reads; the rounds
  run the same checks on the rows they have already read), and
- an SQL fragment. `pair_conditions` composes the fragments into the WHERE clause of every
  statement that looks for pairs: a need's offers and an offer's needs
  (`matching.candidates`) and the oversight count of needs nobody can take
  (`insights.oversight`); the rounds' listing statements use `listing_ready_sql` and
  `level_held_sql`.

The rules, in the order `pair_problem` reports them:
 1. not the helper's own need;
 2. same council and same kind of help (category);
 3. both listings open, both people active and not suspended;
 4. no block between the two people, either way;
 5. the helper holds the check the category requires (a higher level meets a lower one);
 6. within the helper's travel radius, capped by the council's maximum, measured from grid
    cell centre to grid cell centre on the sphere (`places.geo.haversine_m`; in SQL
    `ST_DWithin(..., false)`, the same sphere), never from an exact home;
 7. the helper's gender, if the person asked for one;
 8. meals: the cook covers every dietary requirement;
 9. weekly times overlap when both sides give some;
10. places left on the need and on the offer;
11. for suggestions only (`pair_eligible`, the candidate searches and the rounds): no earlier
    match of this need with this helper, through any of their offers, in `NOT_AGAIN` (one
    proposal per need and helper; a helper declined for a need is not suggested for it again
    through another offer). `pair_problem` leaves it out because it also re-checks a pair that
    already has its proposed match (accepting it).

A new rule goes here in both forms (and into `pair_problem` / `pair_conditions`);
tests/matching/test_parity.py checks on random worlds that every statement agrees with the
Python predicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Council, User
from marketplace.availability import overlap_minutes
from marketplace.models import GenderPreference, Need, Offer
from places.geo import haversine_m
from trust.models import Block, HelperCheck
from trust.vetting import current_q

from .models import Match

PLATFORM_MAX_RADIUS_M = 50_000
# Statuses of a previous match that stop the same pair being suggested again.
NOT_AGAIN = ("proposed", "accepted", "active", "declined")
# Statuses of a match that take one of the need's places and one of the offer's.
HOLDING = tuple(Match.HOLDING)


# --- Rules in Python ------------------------------------------------------------------------
def search_bound_m(council: Council) -> int:
    """The council's maximum travel radius: no offer may reach further than this."""
    return min(int(council.max_travel_radius_m or PLATFORM_MAX_RADIUS_M), PLATFORM_MAX_RADIUS_M)


def person_ready(person: User) -> bool:
    """Rule 3 for a person: active and not suspended."""
    return bool(person.is_active) and not person.is_suspended


def within_reach(*, need_cell: Point, offer_cell: Point, radius_m: float, bound_m: float) -> bool:
    """Rule 6: cell centre to cell centre, within the radius and the council's maximum."""
    metres = haversine_m(offer_cell.x, offer_cell.y, need_cell.x, need_cell.y)
    return metres <= min(float(radius_m), float(bound_m))


def kinds_meeting(level: int) -> list[str]:
    """Rule 5: the kinds of check that meet `level` (a higher level meets a lower one)."""
    return sorted(kind for kind, lvl in HelperCheck.LEVEL_FOR_KIND.items() if lvl >= level)


def valid_checks(*, user_id: int, level: int) -> QuerySet[HelperCheck]:
    """The person's current checks that meet `level` today: not revoked, not superseded by a
    newer record of their kind, not expired."""
    return HelperCheck.objects.filter(user_id=user_id, kind__in=kinds_meeting(level)).filter(
        current_q(timezone.localdate())
    )


def helper_holds_level(*, helper: User, level: int) -> bool:
    """Rule 5 for one helper (one query, none for a category that needs no check)."""
    return level <= 0 or valid_checks(user_id=helper.pk, level=level).exists()


def level_ok(*, held: int, required: int) -> bool:
    """Rule 5 on a level already read (`level_held_sql`)."""
    return required <= 0 or held >= required


def gender_ok(*, preference: str, gender: str) -> bool:
    """Rule 7: no preference, or the helper's gender is the one asked for."""
    return not preference or gender == preference


def diet_missing(*, is_meal: bool, required: Iterable[str], offered: Iterable[str]) -> set[str]:
    """Rule 8: the dietary requirements a cook does not cover (none outside meals)."""
    return set(required or ()) - set(offered or ()) if is_meal else set()


def times_ok(need_slots: Sequence, offer_slots: Sequence) -> bool:
    """Rule 9: either side gave no weekly times, or some of them overlap."""
    return not (need_slots and offer_slots and overlap_minutes(need_slots, offer_slots) == 0)


def places_left(*, holding: int, wanted: int) -> bool:
    """Rule 10: matches holding a place are fewer than the places on offer."""
    return holding < wanted


def holding_count(*, need: Need | None = None, offer: Offer | None = None) -> int:
    """Live matches (accepted or active) of a need or an offer: the places they take."""
    qs = Match.objects.filter(status__in=HOLDING)
    if need is not None:
        qs = qs.filter(need=need)
    if offer is not None:
        qs = qs.filter(offer=offer)
    return qs.count()


def blocked(*, owner_id: int, helper_id: int) -> bool:
    """Rule 4: a block between the two people, in either direction."""
    return Block.objects.filter(
        Q(blocker_id=owner_id, blocked_id=helper_id) | Q(blocker_id=helper_id, blocked_id=owner_id)
    ).exists()


def pair_problem(*, need: Need, offer: Offer) -> str | None:
    """Why this need and offer cannot be matched, in words for the person, or None.

    Rules 1–10 for one pair (the candidate searches apply the same rules in SQL for many),
    checked in this order: the two listings, the two people, then how well they fit."""
    return (
        _listings_problem(need, offer) or _people_problem(need, offer) or _fit_problem(need, offer)
    )


def _listings_problem(need: Need, offer: Offer) -> str | None:
    """Rules 1–3 on the listings: not one's own, one council and category, both open."""
    if need.owner_id == offer.helper_id:
        return _("You cannot be matched with your own offer.")
    if need.council_id != offer.council_id:
        return _("This helper works in a different council area.")
    if need.category_id != offer.category_id:
        return _("This offer is for a different kind of help.")
    if need.status != Need.Status.OPEN:
        if need.status == Need.Status.MATCHED:
            return _("This need already has the helpers it asked for.")
        return _("This need is not open.")
    if offer.status != Offer.Status.OPEN:
        return _("This offer is not open at the moment.")
    return None


def _people_problem(need: Need, offer: Offer) -> str | None:
    """Rules 3–5 on the people: both active and not suspended, no block, the helper's
    checks."""
    owner, helper = need.owner, offer.helper
    if not (person_ready(owner) and person_ready(helper)):
        return _("This match is not possible at the moment.")
    if blocked(owner_id=owner.pk, helper_id=helper.pk):
        return _("This match is not possible.")
    category = need.category
    if not helper_holds_level(helper=helper, level=category.required_level):
        return _("This helper does not yet hold the checks that %(category)s needs.") % {
            "category": category.local_name.lower()
        }
    return None


def _fit_problem(need: Need, offer: Offer) -> str | None:
    """Rules 6–10 on the fit: reach, gender, food, weekly times, places left."""
    if not within_reach(
        need_cell=need.approx_location,
        offer_cell=offer.approx_location,
        radius_m=offer.radius_m,
        bound_m=search_bound_m(need.council),
    ):
        return _("This need is further away than the helper travels.")
    if not gender_ok(preference=need.helper_gender_preference, gender=offer.helper.gender):
        if need.helper_gender_preference == GenderPreference.WOMAN:
            return _("This person asked for a helper who is a woman.")
        if need.helper_gender_preference == GenderPreference.MAN:
            return _("This person asked for a helper who is a man.")
        label = GenderPreference(need.helper_gender_preference).label.lower()
        return _("This person asked for a helper who is %(gender)s.") % {"gender": label}
    missing = diet_missing(
        is_meal=need.category.is_meal,
        required=need.dietary_requirements,
        offered=offer.dietary_capabilities,
    )
    if missing:
        return _("This helper does not cook for: %(diets)s") % {
            "diets": ", ".join(sorted(m.replace("_", "-") for m in missing))
        }
    if not times_ok(list(need.slots.all()), list(offer.slots.all())):
        return _("Your weekly times do not overlap.")
    if not places_left(holding=holding_count(need=need), wanted=need.helpers_wanted):
        return _("This need already has the helpers it asked for.")
    if not places_left(holding=holding_count(offer=offer), wanted=offer.capacity):
        return _("This helper has no room for anyone else right now.")
    return None


def suggested_before(*, need_id: int, helper_id: int) -> bool:
    """Rule 11: an earlier match of this need with this helper, through any of their offers,
    stops the helper being suggested for it again."""
    return Match.objects.filter(
        need_id=need_id, offer__helper_id=helper_id, status__in=NOT_AGAIN
    ).exists()


def pair_eligible(*, need: Need, offer: Offer) -> bool:
    """Whether Kith would suggest this pair: rules 1–11 (what every search returns)."""
    return pair_problem(need=need, offer=offer) is None and not suggested_before(
        need_id=need.pk, helper_id=offer.helper_id
    )


# --- Rules in SQL ---------------------------------------------------------------------------
def listing_ready_sql(listing: str, person: str) -> str:
    """Rule 3 for one side: the listing (table alias) open, its person (alias) able to match."""
    return f"{listing}.status = 'open' AND {person}.suspended_at IS NULL AND {person}.is_active"


_HOLDING_SQL = (
    "SELECT count(*) AS holding FROM matching_match hm"
    " WHERE hm.{column} = {listing_id} AND hm.status IN ({statuses})"
)


def holding_sql(*, column: str, listing_id: str) -> str:
    """A scalar subquery: places of a need or offer taken by live matches (rule 10)."""
    statuses = ", ".join(f"'{s}'" for s in HOLDING)
    return _HOLDING_SQL.format(column=column, listing_id=listing_id, statuses=statuses)


_VALID_CHECK = (
    "hc.user_id = {helper} AND hc.revoked_at IS NULL AND hc.superseded_at IS NULL"
    " AND (hc.expires_on IS NULL OR hc.expires_on >= %(today)s)"
)


_LEVEL_HELD_SQL = (
    "COALESCE((SELECT max(CASE hc.kind {whens} ELSE 0 END) FROM accounts_helpercheck hc"
    " WHERE {valid}), 0)"
)


def level_held_sql(helper: str) -> str:
    """The highest check level `helper` (an SQL expression) holds today, 0 without one.

    Needs the `today` parameter (`check_params`)."""
    whens = " ".join(
        f"WHEN '{kind}' THEN {int(level)}" for kind, level in HelperCheck.LEVEL_FOR_KIND.items()
    )
    return _LEVEL_HELD_SQL.format(whens=whens, valid=_VALID_CHECK.format(helper=helper))


def check_params() -> dict[str, Any]:
    return {"today": timezone.localdate()}


@dataclass(frozen=True)
class PairSql:
    """How one statement names each side of a pair: SQL expressions, either columns of the
    rows being searched or parameters of the one listing searched for.

    `need_row`/`owner_row`/`offer_row`/`helper_row` are table aliases of the sides read as
    rows (rule 3 applies to them in SQL; a fixed side is checked in Python before the
    statement runs). `category` is the category when the statement is for one; otherwise
    `category_row` is the alias of `marketplace_category` joined to the need. The holding
    expressions are None where rule 10 does not apply (the oversight count)."""

    need: str
    owner: str
    need_council: str
    need_category: str
    need_cell: str
    gender_preference: str
    diet_required: str
    offer: str
    helper: str
    offer_council: str
    offer_category: str
    offer_cell: str
    radius: str
    bound: str
    helper_gender: str
    diet_offered: str
    need_row: str | None = None
    owner_row: str | None = None
    offer_row: str | None = None
    helper_row: str | None = None
    required_level: int | None = None
    is_meal: bool | None = None
    category_row: str = "c"
    need_holding: str | None = None
    helpers_wanted: str | None = None
    offer_holding: str | None = None
    capacity: str | None = None
    # The fixed side's weekly times (rule 9): the row side's slot table, its key and id.
    fixed_slots: Sequence = ()
    row_slots: tuple[str, str, str] | None = None
    not_again: bool = True
    # Each EXISTS as a probe of the row at hand (a SubPlan), not a join for the planner to
    # place: for a KNN scan that meets a few hundred rows, where placing the joins cost more
    # than running the probes (see `matching.candidates`). Sets of pairs keep the joins.
    per_row: bool = False


@dataclass
class Conditions:
    """WHERE conditions (to be joined with AND) and the parameters they need."""

    sql: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def where(self, indent: str = "\n      ") -> str:
        return (indent + "AND ").join(self.sql)


# The fragments of `pair_conditions` ({names} are the sides' SQL expressions).
# One NOT EXISTS per direction: each is a lookup on the (blocker, blocked) unique index, where
# one NOT EXISTS with an OR read the whole block table for every candidate.
# `{per_row}` is empty, or "OFFSET 0" for `PairSql.per_row` (PostgreSQL never turns a
# sub-select with an OFFSET into a join).
_BLOCK_SQL = """NOT EXISTS (
          SELECT 1 FROM marketplace_block b
          WHERE b.blocker_id = {owner} AND b.blocked_id = {helper}{per_row})
        AND NOT EXISTS (
          SELECT 1 FROM marketplace_block b
          WHERE b.blocker_id = {helper} AND b.blocked_id = {owner}{per_row})"""
_NOT_AGAIN_SQL = """NOT EXISTS (
          SELECT 1 FROM matching_match xm
          JOIN marketplace_offer xo ON xo.id = xm.offer_id
          WHERE xm.need_id = {need} AND xo.helper_id = {helper}
            AND xm.status = ANY(%(not_again)s){per_row})"""
_CHECK_SQL = """EXISTS (
          SELECT 1 FROM accounts_helpercheck hc
          WHERE {valid}
            AND hc.kind = ANY(%(kinds)s){per_row})"""
_TIMES_SQL = """(NOT EXISTS (SELECT 1 FROM {table} ts WHERE ts.{key} = {row_id}{per_row})
           OR EXISTS (
               SELECT 1 FROM {table} ts,
                    unnest(%(wd)s::int[], %(st)s::time[], %(en)s::time[]) AS fs(wd, st, en)
               WHERE ts.{key} = {row_id} AND ts.weekday = fs.wd
                 AND ts.start < fs.en AND ts."end" > fs.st{per_row}))"""


def reach_conditions(p: PairSql) -> list[str]:
    """Rules 2 and 6: same council and category, within reach cell to cell on the sphere
    (the council's maximum as a constant bound: with 2, what a composite GiST index on
    (council, category, cell) serves). A KNN scan applies these alone first."""
    return [
        f"{p.need_council} = {p.offer_council}",
        f"{p.need_category} = {p.offer_category}",
        f"ST_DWithin({p.offer_cell}, {p.need_cell}, {p.bound}, false)",
        f"ST_DWithin({p.offer_cell}, {p.need_cell}, {p.radius}, false)",
    ]


def pair_conditions(p: PairSql) -> Conditions:
    """Rules 1–11 as SQL conditions over the two sides `p` names (see the module docstring)."""
    out = Conditions()
    add = out.sql.append
    per_row = "\n          OFFSET 0" if p.per_row else ""
    # 3. Open listings, people able to match (rows only: a fixed side is checked in Python).
    if p.offer_row and p.helper_row:
        add(listing_ready_sql(p.offer_row, p.helper_row))
    if p.need_row and p.owner_row:
        add(listing_ready_sql(p.need_row, p.owner_row))
    # 2 and 6. Same council and category, within reach.
    out.sql.extend(reach_conditions(p))
    # 1. Not one's own.
    add(f"{p.helper} <> {p.owner}")
    # 10. Places left.
    if p.need_holding and p.helpers_wanted:
        add(f"{p.need_holding} < {p.helpers_wanted}")
    if p.offer_holding and p.capacity:
        add(f"{p.offer_holding} < {p.capacity}")
    # 4. No block either way.
    add(_BLOCK_SQL.format(owner=p.owner, helper=p.helper, per_row=per_row))
    # 11. Not suggested again.
    if p.not_again:
        add(_NOT_AGAIN_SQL.format(need=p.need, helper=p.helper, per_row=per_row))
        out.params["not_again"] = list(NOT_AGAIN)
    # 5. The check the category requires.
    if p.required_level is None:
        c = p.category_row
        add(f"({c}.required_level = 0 OR {c}.required_level <= {level_held_sql(p.helper)})")
        out.params.update(check_params())
    elif p.required_level > 0:
        add(_CHECK_SQL.format(valid=_VALID_CHECK.format(helper=p.helper), per_row=per_row))
        out.params.update(check_params(), kinds=kinds_meeting(p.required_level))
    # 7. Gender, if asked for.
    add(f"{p.gender_preference} IN ('', {p.helper_gender})")
    # 8. Meals: every dietary requirement covered.
    if p.is_meal is None:
        add(f"(NOT {p.category_row}.is_meal OR {p.diet_offered} @> {p.diet_required})")
    elif p.is_meal:
        add(f"{p.diet_offered} @> {p.diet_required}")
    # 9. Weekly times overlap when both sides give some.
    if p.fixed_slots and p.row_slots:
        table, key, row_id = p.row_slots
        add(_TIMES_SQL.format(table=table, key=key, row_id=row_id, per_row=per_row))
        out.params.update(
            wd=[s.weekday for s in p.fixed_slots],
            st=[s.start for s in p.fixed_slots],
            en=[s.end for s in p.fixed_slots],
        )
    return out
