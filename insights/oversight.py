"""Reads for the oversight dashboard of one council: open needs by category and urgency,
time to match, fulfilment, active helpers (and how many were asked to help this week, and
how many not for weeks), "do you still want to help?" in the last 90 days (asked, kept,
paused, waiting), needs nobody eligible can reach, unmet demand
on a hexagon grid with small counts suppressed, and ongoing help from the visit log (hours
given, visits done and missed, arrangements running and their length, welfare checks).

Every figure is computed in the database for one council and a date range of need creation
(the snapshot figures — open needs, active helpers, unreached needs — are as of now). What
counts as asked, matched, fulfilled and waiting, how time to match is measured, the hexagon
grid and the suppression threshold are defined once in `insights.measures`, which open data
and `/metrics` use too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Council
from core.db import lag_tolerant_cursor
from core.welsh import in_active_language
from insights import measures
from insights.measures import BRITISH_NATIONAL_GRID, SUPPRESS_BELOW, OngoingFigures
from marketplace.models import Urgency
from matching.eligibility import PairSql, pair_conditions, search_bound_m
from matching.models import AlertSent, Match, StillHelping


@dataclass
class CategoryRow:
    name: str
    by_urgency: dict[str, int]
    total: int

    @property
    def urgency_counts(self) -> list[int]:
        return [self.by_urgency.get(value, 0) for value in Urgency.values]


# The map's shades, by band: grey for a suppressed count, then paler to darker blue.
BAND_FILLS = ["#b1b4b6", "#9fc4e2", "#5694ca", "#1d70b8", "#003078"]


@dataclass
class Hexagon:
    points: str  # SVG polygon points in the map's viewBox
    count: int | None  # None when suppressed (fewer than SUPPRESS_BELOW)
    label: str
    band: int  # 0 suppressed, 1..4 darker for more need
    place: str = ""  # the nearest postcode district, "LS1" (numbered when two cells share it)
    anchor: str = ""  # the id of the cell on the map, which the table links to

    @property
    def fill(self) -> str:
        return BAND_FILLS[self.band]

    @property
    def title(self) -> str:
        return f"{self.place}: {self.label}"


@dataclass
class LegendEntry:
    band: int
    label: str

    @property
    def fill(self) -> str:
        return BAND_FILLS[self.band]


@dataclass
class DemandMap:
    width: int
    height: int
    outline: list[str] = field(default_factory=list)
    hexagons: list[Hexagon] = field(default_factory=list)
    #: What each shade means, in words, palest first (only the shades on the map).
    legend: list[LegendEntry] = field(default_factory=list)


@dataclass(frozen=True)
class StillHelpingFigures:
    """ "Do you still want to help?" asked of the council's idle helpers in the last
    `STILL_HELPING_DAYS`: how many were asked, how many said yes (offers kept open), said no
    (`offers_paused` offers paused with them) or have not answered yet."""

    asked: int = 0
    kept: int = 0
    paused: int = 0
    offers_paused: int = 0
    waiting: int = 0


@dataclass
class Oversight:
    date_from: dt.date
    date_to: dt.date
    categories: list[CategoryRow]
    urgencies: list[tuple[str, str]]
    open_total: int
    created: int
    matched: int
    fulfilled: int
    median_hours_to_match: float | None
    #: The median time to match in words ("3 days"; hours only under a day).
    time_to_match: str | None
    fulfilment_rate: float | None
    active_helpers: int
    unreached: int
    demand: DemandMap
    #: Ongoing help in the range, every kind of help together (`measures.ongoing_figures`).
    ongoing: OngoingFigures = field(default_factory=OngoingFigures)
    #: Places (helpers wanted) of the needs asked, and how many are filled: not needs.
    places_asked: int = 0
    places_filled: int = 0
    #: Needs asked and matched by month, over the months of the range.
    by_month: list[measures.MonthFigures] = field(default_factory=list)
    #: Active helpers asked to help in the last 7 days, and those not asked for 4 weeks.
    asked_last_week: int = 0
    idle_helpers: int = 0
    #: "Do you still want to help?" in the last 90 days (`still_helping_figures`).
    still_helping: StillHelpingFigures = field(default_factory=StillHelpingFigures)
    #: Urgent needs asked in the range, and how their alerts went (`measures.urgent_figures`).
    urgent: measures.UrgentFigures = field(default_factory=measures.UrgentFigures)


def open_needs_by_category(*, council: Council) -> list[CategoryRow]:
    rows: dict[str, CategoryRow] = {}
    counts = (
        measures.waiting_needs()
        .filter(council=council)
        .values("category__name", "category__name_cy", "category__sort_order", "urgency")
        .annotate(n=Count("id"))
        .order_by("category__sort_order", "category__name")
    )
    for row in counts:
        name = in_active_language(row["category__name"], row["category__name_cy"])
        entry = rows.setdefault(
            name, CategoryRow(name=name, by_urgency=dict.fromkeys(Urgency.values, 0), total=0)
        )
        entry.by_urgency[row["urgency"]] = row["n"]
        entry.total += row["n"]
    return list(rows.values())


_UNREACHED_SQL = """
SELECT count(*) FROM marketplace_need n
JOIN marketplace_category c ON c.id = n.category_id
WHERE n.council_id = %(council)s AND n.status = 'open'
  AND NOT EXISTS (
    SELECT 1 FROM marketplace_offer o
    JOIN accounts_user hu ON hu.id = o.helper_id
    WHERE {conditions}
  )
"""


def unreached_needs(*, council: Council) -> int:
    """Open needs that no open offer could ever take: every standing rule of
    `matching.eligibility` (same council and category, not one's own, helper able to match
    and holding the check the category requires, within reach, no block, gender, meals), the
    same SQL the candidate searches use. Places left, weekly times and earlier matches are not
    considered: they change from day to day, and this counts needs nobody could take at all."""
    conditions = pair_conditions(
        PairSql(
            need="n.id",
            owner="n.owner_id",
            need_council="n.council_id",
            need_category="n.category_id",
            need_cell="n.approx_location",
            gender_preference="n.helper_gender_preference",
            diet_required="n.dietary_requirements",
            offer="o.id",
            helper="o.helper_id",
            offer_council="o.council_id",
            offer_category="o.category_id",
            offer_cell="o.approx_location",
            radius="o.radius_m",
            bound="%(bound)s",
            helper_gender="hu.gender",
            diet_offered="o.dietary_capabilities",
            offer_row="o",
            helper_row="hu",
            category_row="c",
            not_again=False,
        )
    )
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            _UNREACHED_SQL.format(conditions=conditions.where("\n      ")),
            {"council": council.pk, "bound": search_bound_m(council), **conditions.params},
        )
        return cursor.fetchone()[0]


def demand_map(*, council: Council, start: dt.datetime, end: dt.datetime) -> DemandMap:
    """Needs still waiting for help (open) recorded in the range, counted on the hexagon grid
    over the council's area and drawn in British National Grid metres; cells with fewer than
    `SUPPRESS_BELOW` needs are drawn without their number."""
    cells = measures.waiting_needs_by_hexagon(
        council_id=council.pk,
        srid=BRITISH_NATIONAL_GRID,
        decimals=1,
        recorded=(start, end),
        name_places=True,
    )
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsGeoJSON(ST_Transform(boundary, %(srid)s), 1), "
            "ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT boundary, ST_Transform(boundary, %(srid)s)::box2d AS e "
            "FROM accounts_council WHERE id = %(c)s) b",
            {"srid": BRITISH_NATIONAL_GRID, "c": council.pk},
        )
        outline_json, xmin, ymin, xmax, ymax = cursor.fetchone()

    width = 600
    span_x, span_y = max(xmax - xmin, 1.0), max(ymax - ymin, 1.0)
    scale = width / span_x
    height = max(int(span_y * scale), 1)

    def project(ring) -> str:
        return " ".join(f"{(x - xmin) * scale:.1f},{(ymax - y) * scale:.1f}" for x, y in ring)

    result = DemandMap(width=width, height=height)
    outline = json.loads(outline_json)
    polygons = (
        outline["coordinates"] if outline["type"] == "MultiPolygon" else [outline["coordinates"]]
    )
    result.outline = [project(polygon[0]) for polygon in polygons]
    top = max((cell[1] for cell in cells), default=0)
    seen: dict[str, int] = {}
    for number, (geometry, n, district) in enumerate(cells, start=1):
        suppressed = measures.is_suppressed(n)
        band = 0 if suppressed else max(1, min(4, 1 + int(3 * (n - SUPPRESS_BELOW) / max(top, 1))))
        if district:
            seen[district] = seen.get(district, 0) + 1
            place = (
                district
                if seen[district] == 1
                else _("%(district)s, area %(number)s")
                % {"district": district, "number": seen[district]}
            )
        else:
            place = _("Area %(number)s") % {"number": number}
        result.hexagons.append(
            Hexagon(
                points=project(geometry["coordinates"][0]),
                count=None if suppressed else n,
                label=(
                    _("fewer than %(count)s needs") % {"count": SUPPRESS_BELOW}
                    if suppressed
                    else ngettext("%(count)s need", "%(count)s needs", n) % {"count": n}
                ),
                band=band,
                place=place,
                anchor=f"demand-cell-{number}",
            )
        )
    result.legend = _legend(result.hexagons)
    return result


def _legend(hexagons: list[Hexagon]) -> list[LegendEntry]:
    """Each shade on the map and the counts it stands for, in words."""
    entries = []
    for band in sorted({h.band for h in hexagons}):
        if band == 0:
            label = _("Palest grey: fewer than %(count)s needs (the number is not shown)") % {
                "count": SUPPRESS_BELOW
            }
        else:
            counts = [h.count for h in hexagons if h.band == band and h.count is not None]
            if not counts:
                continue
            low, high = min(counts), max(counts)
            shade = {
                1: _("Pale blue"),
                2: _("Mid blue"),
                3: _("Blue"),
                4: _("Darkest blue"),
            }[band]
            label = (
                ngettext("%(shade)s: %(low)s need", "%(shade)s: %(low)s needs", low)
                % {"shade": shade, "low": low}
                if low == high
                else _("%(shade)s: %(low)s to %(high)s needs")
                % {"shade": shade, "low": low, "high": high}
            )
        entries.append(LegendEntry(band=band, label=label))
    return entries


#: An active helper not asked to help for this long is idle.
IDLE_AFTER = dt.timedelta(weeks=4)


def helpers_asked(*, council: Council, now: dt.datetime | None = None) -> tuple[int, int]:
    """Of the council's active helpers (`measures.active_helper_ids`): how many were asked to
    help in the last 7 days — an urgent alert, or a match proposed to them by the person
    asking, staff or a round (a helper's own offer to help is not an ask) — and how many
    have not been asked for `IDLE_AFTER` (docs/matching-over-time.md)."""
    now = now or timezone.now()
    active = set(measures.active_helper_ids(council_id=council.pk))

    def asked_since(since: dt.datetime) -> set[int]:
        alerted = AlertSent.objects.filter(
            need__council_id=council.pk, helper_id__in=active, sent_at__gte=since
        ).values_list("helper_id", flat=True)
        proposed = (
            Match.objects.filter(
                council_id=council.pk, offer__helper_id__in=active, created_at__gte=since
            )
            .exclude(proposed_by=Match.ProposedBy.HELPER)
            .values_list("offer__helper_id", flat=True)
        )
        return set(alerted) | set(proposed)

    week = asked_since(now - dt.timedelta(days=7))
    idle = active - asked_since(now - IDLE_AFTER)
    return len(week), len(idle)


#: How far back the dashboard counts "do you still want to help?".
STILL_HELPING_DAYS = 90


def still_helping_figures(
    *, council: Council, now: dt.datetime | None = None
) -> StillHelpingFigures:
    """The council's "do you still want to help?" questions (`matching.still_helping`) asked
    in the last `STILL_HELPING_DAYS`, by their answer now: one query."""
    now = now or timezone.now()
    answered_yes = Q(answer=StillHelping.Answer.YES)
    answered_no = Q(answer=StillHelping.Answer.NO)
    row = StillHelping.objects.filter(
        council_id=council.pk,
        asked_at__gt=now - dt.timedelta(days=STILL_HELPING_DAYS),
    ).aggregate(
        asked=Count("id"),
        kept=Count("id", filter=answered_yes),
        paused=Count("id", filter=answered_no),
        offers_paused=Sum("paused_offers", filter=answered_no, default=0),
        waiting=Count("id", filter=Q(answered_at__isnull=True)),
    )
    return StillHelpingFigures(**row)


def oversight_for(*, council: Council, date_from: dt.date, date_to: dt.date) -> Oversight:
    start, end = measures.day_range(date_from, date_to)
    categories = open_needs_by_category(council=council)
    needs = measures.need_figures(council_id=council.pk, start=start, end=end)
    active_helpers = measures.active_helper_ids(council_id=council.pk).count()
    asked_last_week, idle_helpers = helpers_asked(council=council)
    return Oversight(
        date_from=date_from,
        date_to=date_to,
        categories=categories,
        urgencies=[(value, str(label)) for value, label in Urgency.choices],
        open_total=sum(c.total for c in categories),
        created=needs.asked,
        matched=needs.matched,
        fulfilled=needs.fulfilled,
        median_hours_to_match=(
            needs.median_seconds_to_match / 3600
            if needs.median_seconds_to_match is not None
            else None
        ),
        time_to_match=measures.duration_words(needs.median_seconds_to_match),
        places_asked=needs.places_asked,
        places_filled=needs.places_filled,
        by_month=measures.needs_by_month(council_id=council.pk, first=date_from, last=date_to),
        fulfilment_rate=(needs.fulfilled / needs.asked) if needs.asked else None,
        active_helpers=active_helpers,
        unreached=unreached_needs(council=council),
        asked_last_week=asked_last_week,
        idle_helpers=idle_helpers,
        still_helping=still_helping_figures(council=council),
        urgent=measures.urgent_figures(council_id=council.pk, start=start, end=end),
        demand=demand_map(council=council, start=start, end=end),
        ongoing=measures.ongoing_figures(council_id=council.pk, start=start, end=end)[
            measures.TOTAL
        ],
    )
