"""Reads for the impact report of one council, by kind of help: needs met, repeat pairings
and the estimated cost avoided of the matches completed in a date range, and, from the visit
log of ongoing help, the hours given, visits done and missed, arrangements running and their
length, and the welfare checks opened and how they ended.

A completed match is counted by the day it was completed, and the figures of ongoing help
are defined in `insights.measures` (`ongoing_figures`). Hours given are the minutes helpers
spent on visits done, as the visit log records them: not an estimate. The cost avoided is an
estimate from the council's own unit costs (`impact_units` below): completed matches × cost
per match. A hot meal defaults to £4.90, the council cost of a meals-on-wheels meal
published by Casserole Club.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError
from insights import measures
from insights.measures import OngoingFigures
from marketplace.models import Category


@dataclass
class ImpactRow:
    slug: str
    name: str
    completed: int
    needs_met: int
    repeat_pairs: int
    unit_cost: Decimal
    cost_avoided: Decimal
    ongoing: OngoingFigures = field(default_factory=OngoingFigures)

    @property
    def hours(self) -> Decimal:
        """Hours given, from the visit log."""
        return self.ongoing.hours


@dataclass
class Impact:
    date_from: dt.date
    date_to: dt.date
    rows: list[ImpactRow]
    total: ImpactRow


def impact_report(*, council: Council, date_from: dt.date, date_to: dt.date) -> Impact:
    start, end = measures.day_range(date_from, date_to)
    completed = measures.completed_matches(council_id=council.pk, start=start, end=end)
    pairs = completed.values("need__category_id", "need__owner_id", "offer__helper_id").annotate(
        n=Count("id")
    )
    needs = completed.values("need__category_id").annotate(n=Count("need_id", distinct=True))
    counts: dict[int, int] = defaultdict(int)
    repeats: dict[int, int] = defaultdict(int)
    for pair in pairs:
        counts[pair["need__category_id"]] += pair["n"]
        if pair["n"] >= 2:
            repeats[pair["need__category_id"]] += 1
    needs_met = {row["need__category_id"]: row["n"] for row in needs}
    ongoing = measures.ongoing_figures(council_id=council.pk, start=start, end=end)
    units = impact_units(council=council)
    rows = []
    shown = {*counts, *(pk for pk in ongoing if pk is not measures.TOTAL)}
    for category in Category.objects.filter(pk__in=shown).order_by("sort_order", "name"):
        n = counts[category.pk]
        cost_each = Decimal(units["unit_costs"].get(category.slug, "0"))
        rows.append(
            ImpactRow(
                slug=category.slug,
                name=category.local_name,
                completed=n,
                needs_met=needs_met.get(category.pk, 0),
                repeat_pairs=repeats[category.pk],
                unit_cost=cost_each,
                cost_avoided=(cost_each * n).quantize(Decimal("0.01")),
                ongoing=ongoing.get(category.pk) or OngoingFigures(),
            )
        )
    total = ImpactRow(
        slug="",
        name=_("All kinds of help"),
        completed=sum(r.completed for r in rows),
        needs_met=sum(r.needs_met for r in rows),
        repeat_pairs=sum(r.repeat_pairs for r in rows),
        unit_cost=Decimal(0),
        cost_avoided=sum((r.cost_avoided for r in rows), Decimal("0.00")),
        ongoing=ongoing[measures.TOTAL],
    )
    return Impact(date_from=date_from, date_to=date_to, rows=rows, total=total)


# --- Impact unit costs -----------------------------------------------------------------------
# The council cost of a meals-on-wheels meal that Casserole Club publishes; every other kind
# of help has no cost until the council sets one.
DEFAULT_UNIT_COSTS = {"hot-meals": "4.90"}


def impact_units(*, council: Council) -> dict[str, dict[str, str]]:
    """The council's unit cost (pounds) per completed match, by category slug. (Hours per
    match, which the report once estimated hours from, are kept as they were stored but no
    longer used: hours come from the visit log.)"""
    stored = (council.settings or {}).get("impact", {})
    return {
        "unit_costs": {**DEFAULT_UNIT_COSTS, **stored.get("unit_costs", {})},
        "unit_hours": dict(stored.get("unit_hours", {})),
    }


@transaction.atomic
def impact_units_update(
    *, actor: User, unit_costs: dict[str, Decimal], unit_hours: dict[str, Decimal] | None = None
) -> Council:
    """Set what one completed match of each kind of help saves the council, for the impact
    report. Audited with before and after. `unit_hours` (hours per match) is no longer used
    by the report, which takes hours from the visit log; left out, the stored ones stay."""
    council = staff_council(actor, Capability.COUNCIL_SETTINGS)
    council = Council.objects.select_for_update().get(pk=council.pk)
    slugs = set(Category.objects.values_list("slug", flat=True))
    before = impact_units(council=council)
    if unit_hours is None:
        unit_hours = {slug: Decimal(v) for slug, v in before["unit_hours"].items()}
    for label, values, top, out_of_range in (
        ("cost", unit_costs, 10000, _("Each cost must be between 0 and %(top)s.")),
        ("hours", unit_hours, 24, _("Each hours must be between 0 and %(top)s.")),
    ):
        for slug, value in values.items():
            if slug not in slugs:
                raise ApplicationError(
                    _("Unknown kind of help: %(slug)s.") % {"slug": slug}, code="category"
                )
            if value < 0 or value > top:
                raise ApplicationError(out_of_range % {"top": top}, code=f"{label}_range")
    settings_ = dict(council.settings or {})
    settings_["impact"] = {
        "unit_costs": {slug: str(v) for slug, v in unit_costs.items()},
        "unit_hours": {slug: str(v) for slug, v in unit_hours.items()},
    }
    council.settings = settings_
    council.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        verb="council.impact_units_changed",
        council=council,
        target_type="council",
        target_id=council.pk,
        data={"before": before, "after": impact_units(council=council)},
    )
    return council
