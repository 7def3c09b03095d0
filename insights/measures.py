"""The measures Kith reports about a council's service, each defined once.

Open data, the oversight dashboard, the impact report and `/metrics` all count with these
definitions, so a figure with one name is the same figure wherever it appears:

- **asked**: a need someone asked for. Drafts are not asked yet, and needs that moderators
  turned down were never public. Counted by when the need was recorded (`created_at`).
- **matched**: a need with at least one accepted match, whenever it was accepted.
- **fulfilled**: a need closed as fulfilled, or with a completed match.
- **waiting**: a need open now, that is published and not yet fully matched.
- **places**: the helpers a need wants (`helpers_wanted`); a need wanting two helpers is one
  need and two places. **Places filled** are accepted matches, at most as many as the need
  wants. Needs and places are counted, and labelled, separately everywhere (rounds fill
  places too).
- **time to match**: from the need being recorded to its first accepted match. It starts when
  the person asked, not when a moderator published the need, because the time a listing
  waits for review is time the person waits for help too. A need that wants two helpers is
  matched when the first one is, as it counts as matched from then.
- **completed matches** (the impact report): matches completed in a range of days.
- **ongoing help** (from the visit log, `arrangements`), by the kind of help of the need:
  - **hours given**: the minutes spent on visits done (`Visit.minutes_spent`), in hours;
  - **visits done** and **visits missed** (status "missed"): visits that were due to start
    in the range; the **missed rate** is missed / (done + missed), leaving out visits still
    planned, skipped or cancelled;
  - **active arrangements**: arrangements running now;
  - **arrangement length**: the median number of days from the arrangement's start
    (`created_at`, when both people agreed) to its end (`ended_at`), over arrangements that
    ended in the range; and, separately, the median age so far of those running now;
  - **welfare checks**: those opened in the range, and how they ended: closed with the
    person reached and fine, closed with the person needing something, passed to the
    safeguarding lead (escalated), or still open.
- **needs by month**: needs asked by the month they were recorded (local time), and how many
  of those have been matched: month by month, the same counts as "asked" and "matched".
- **durations** are shown in days, and in hours only when under a day (`duration_words`).
- **place names** on the hexagon grid: the district (outward code, "LS1") of the postcode
  nearest the cell's centre, found in SQL with a nearest-neighbour (KNN) query.
- **suppression**: a count under `SUPPRESS_BELOW` is never shown on the staff's oversight map;
  open data follows the stricter rule of `insights.disclosure` (withheld under 10, rounded to
  5, secondary suppression), on moderated needs only (`MODERATED`), by the end of each period
  (`MATCHED_BY_END`, `FULFILLED_BY_END`).
- **the hexagon grid**: PostGIS `ST_HexagonGrid` cells of `HEX_SIZE_M` in British National
  Grid metres over the council's boundary; a need is counted in the cell holding its
  published grid-cell centre (`approx_location`), never its exact point. The cell is worked
  out by arithmetic, one need at a time (`HEXAGON_COUNTS_SQL`), never by comparing cells with
  needs.

The SQL fragments read a need as `n` and a match as `m`; queries that need the time of a
need's first match join `FIRST_MATCH` after `marketplace_need n`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from arrangements.models import Arrangement, Visit, WelfareCheck
from core.db import lag_tolerant_cursor
from marketplace.models import Need, Offer
from matching.models import Match

# Counts under this are withheld (null in open data, "fewer than 5" on the oversight map).
SUPPRESS_BELOW = 5
# The hexagon grid: distance from a cell's centre to a corner, British National Grid metres.
HEX_SIZE_M = 1000
BRITISH_NATIONAL_GRID = 27700

# The district (outward code: "LS1" of "LS1 4AP") of the live postcode nearest the centre of
# a hexagon `counted.geom` (British National Grid): a KNN query on the postcodes' spatial index.
NEAREST_DISTRICT = """(
    SELECT split_part(p.postcode, ' ', 1) FROM marketplace_postcode p
    WHERE NOT p.terminated
    ORDER BY p.location <-> ST_Transform(ST_Centroid(counted.geom), 4326)
    LIMIT 1)"""

# Over a match `m`: both people agreed to it (it may have ended since).
MATCH_ACCEPTED = "m.accepted_at IS NOT NULL"

# Over a need `n`; the values are those of Need.Status, Need.ClosedReason and Match.Status.
ASKED = "n.status <> 'draft' AND NOT (n.status = 'closed' AND n.closed_reason = 'rejected')"
WAITING = "n.status = 'open'"
FULFILLED = (
    "(n.closed_reason = 'fulfilled' OR EXISTS ("
    "SELECT 1 FROM matching_match m WHERE m.need_id = n.id AND m.status = 'completed'))"
)
# Open data counts moderated needs only (`insights.publication`): published by a moderator (or
# opened at once and looked at since), never turned down, not waiting for review again.
MODERATED = (
    "n.published_at IS NOT NULL AND NOT n.review_after_open "
    "AND n.status IN ('open', 'matched', 'closed') AND n.closed_reason <> 'rejected'"
)
# Matched and fulfilled by the end of a period `%(end)s`, so that a period's figures say what
# was known when it closed (with FIRST_MATCH joined).
MATCHED_BY_END = "first_match.matched_at < %(end)s"
FULFILLED_BY_END = (
    "(EXISTS (SELECT 1 FROM matching_match m WHERE m.need_id = n.id "
    "AND m.status = 'completed' AND m.completed_at < %(end)s) "
    "OR (n.closed_reason = 'fulfilled' AND n.updated_at < %(end)s))"
)
# When a need's first match was accepted (null while it has none), as `first_match.matched_at`.
FIRST_MATCH = (
    "LEFT JOIN LATERAL (SELECT min(m.accepted_at) AS matched_at, count(*) AS accepted "  # noqa: S608
    "FROM matching_match m "
    f"WHERE m.need_id = n.id AND {MATCH_ACCEPTED}) first_match ON true"
)
MATCHED = "first_match.matched_at IS NOT NULL"
SECONDS_TO_MATCH = "extract(epoch FROM first_match.matched_at - n.created_at)"

# Needs asked, matched and fulfilled, as the columns of an aggregate query over the needs
# `n` that ASKED admits, joined with FIRST_MATCH.
NEED_COUNTS = f"""count(*) AS asked,
       count(*) FILTER (WHERE {MATCHED}) AS matched,
       count(*) FILTER (WHERE {FULFILLED}) AS fulfilled"""
# Places (helpers wanted) asked and filled, over the same rows as NEED_COUNTS.
PLACE_COUNTS = """coalesce(sum(n.helpers_wanted), 0) AS places_asked,
       coalesce(sum(least(first_match.accepted, n.helpers_wanted)), 0) AS places_filled"""
# percentile_cont leaves out the needs not matched: their time to match is null.
MEDIAN_SECONDS_TO_MATCH = f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {SECONDS_TO_MATCH})"


@dataclass(frozen=True)
class NeedFigures:
    asked: int
    matched: int
    fulfilled: int
    median_seconds_to_match: float | None
    places_asked: int = 0
    places_filled: int = 0


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # the first day of the month
    asked: int
    matched: int


def duration_words(seconds: float | None) -> str | None:
    """A duration as people read it: whole days from a day up ("3 days"), hours under a day
    ("5 hours"), "less than an hour" under one; None stays None."""
    if seconds is None:
        return None
    days = round(seconds / 86400)
    if seconds >= 86400:
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    hours = int(seconds // 3600)
    if hours < 1:
        return _("less than an hour")
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def is_suppressed(count: int) -> bool:
    return count < SUPPRESS_BELOW


def suppress(count: int) -> int | None:
    """The count, or None when it is too small to show."""
    return None if is_suppressed(count) else count


def day_range(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `date_from` to the start of the day after `date_to`, local time."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def month_range(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `first`'s month to the start of the month after `last`'s, local time."""
    following = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day_range(first.replace(day=1), following - dt.timedelta(days=1))


def need_figures(*, council_id: int, start: dt.datetime, end: dt.datetime) -> NeedFigures:
    """Asked, matched, fulfilled and the median time to match of the needs one council
    recorded in [start, end)."""
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {NEED_COUNTS}, {MEDIAN_SECONDS_TO_MATCH}, {PLACE_COUNTS}
            FROM marketplace_need n {FIRST_MATCH}
            WHERE n.council_id = %(council)s
              AND n.created_at >= %(start)s AND n.created_at < %(end)s AND {ASKED}
            """,  # noqa: S608 – the fragments are constants of this module
            {"council": council_id, "start": start, "end": end},
        )
        asked, matched, fulfilled, median_seconds, places_asked, places_filled = cursor.fetchone()
    return NeedFigures(asked, matched, fulfilled, median_seconds, places_asked, places_filled)


@dataclass(frozen=True)
class UrgentFigures:
    """Urgent needs asked in a range: how many, matched, matched within an hour of being
    asked (the measure docs/matching-over-time.md compares alert policies on), how many
    needed a second wave of alerts, and the urgent alerts they sent."""

    asked: int = 0
    matched: int = 0
    within_hour: int = 0
    second_wave: int = 0
    alerts: int = 0


def urgent_figures(*, council_id: int, start: dt.datetime, end: dt.datetime) -> UrgentFigures:
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*),
                   count(*) FILTER (WHERE {MATCHED}),
                   count(*) FILTER (WHERE {SECONDS_TO_MATCH} <= 3600),
                   count(*) FILTER (WHERE ar.waves >= 2),
                   coalesce(sum(alerts.sent), 0)
            FROM marketplace_need n {FIRST_MATCH}
            LEFT JOIN matching_alertrequest ar ON ar.need_id = n.id
            LEFT JOIN LATERAL (
                SELECT count(*) AS sent FROM matching_alertsent a
                WHERE a.need_id = n.id AND a.kind = 'urgent'
            ) alerts ON true
            WHERE n.council_id = %(council)s AND n.urgency = 'urgent'
              AND n.created_at >= %(start)s AND n.created_at < %(end)s AND {ASKED}
            """,  # noqa: S608 – the fragments are constants of this module
            {"council": council_id, "start": start, "end": end},
        )
        return UrgentFigures(*cursor.fetchone())


def needs_by_month(*, council_id: int, first: dt.date, last: dt.date) -> list[MonthFigures]:
    """Needs asked in each month from `first`'s to `last`'s (local time, every month listed,
    empty ones too), and how many of them have been matched."""
    start, end = month_range(first, last)
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            f"""
            WITH months AS (
                SELECT generate_series(
                    date_trunc('month', %(start)s::timestamptz AT TIME ZONE %(tz)s),
                    date_trunc('month', %(end)s::timestamptz AT TIME ZONE %(tz)s)
                        - interval '1 month',
                    interval '1 month') AS month
            ), counts AS (
                SELECT date_trunc('month', n.created_at AT TIME ZONE %(tz)s) AS month,
                       {NEED_COUNTS}
                FROM marketplace_need n {FIRST_MATCH}
                WHERE n.council_id = %(council)s
                  AND n.created_at >= %(start)s AND n.created_at < %(end)s AND {ASKED}
                GROUP BY 1
            )
            SELECT months.month::date, coalesce(counts.asked, 0), coalesce(counts.matched, 0)
            FROM months LEFT JOIN counts ON counts.month = months.month
            ORDER BY months.month
            """,  # noqa: S608 – the fragments are constants of this module
            {
                "council": council_id,
                "start": start,
                "end": end,
                "tz": timezone.get_current_timezone_name(),
            },
        )
        return [MonthFigures(month, asked, matched) for month, asked, matched in cursor]


def waiting_needs() -> QuerySet[Need]:
    """The needs `WAITING` counts, for queries written with the ORM."""
    return Need.objects.filter(status=Need.Status.OPEN)


def completed_matches(*, council_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Match]:
    """Matches of one council completed in [start, end)."""
    return Match.objects.filter(
        council_id=council_id,
        status=Match.Status.COMPLETED,
        completed_at__gte=start,
        completed_at__lt=end,
    )


# Waiting needs counted on the hexagon grid, in one pass over the needs: each published point
# is moved to British National Grid once and given its cell by arithmetic, never compared with
# every cell. ST_HexagonGrid's cells are fixed by their size alone, whatever area they cover:
# cell (i, j) of size s (centre to corner) is centred at x = 1.5·s·i and
# y = √3·s·j, plus √3·s/2 when i is odd. A point's cell is the one whose centre is nearest
# (hexagons are the nearest-centre regions of their centres), which is one of two: in the
# column just west or just east of the point, the centre nearest in y. Cells are then kept
# where they meet the council's area, as ST_HexagonGrid over that area would give them; the
# cell's polygon is ST_Hexagon(s, i, j), the very polygon ST_HexagonGrid draws. A point on an
# edge is counted in one cell, not in both. `{where}` selects the needs `n`; `{place}` is a
# cell's place name (or NULL), over `counted.geom`.
HEXAGON_CELLS = f"""
published AS (
    SELECT ST_X(n.approx_location::geometry) AS lon, ST_Y(n.approx_location::geometry) AS lat,
           count(*) AS needs
    FROM marketplace_need n
    WHERE {{where}}
    GROUP BY 1, 2
), points AS MATERIALIZED (
    SELECT ST_X(p.g) AS x, ST_Y(p.g) AS y, floor(ST_X(p.g) / (1.5 * %(size)s))::int AS west,
           p.needs
    FROM (
        SELECT ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), {BRITISH_NATIONAL_GRID})
                   AS g,
               needs
        FROM published
    ) p
), columns AS (
    SELECT x, y, needs, west, west + 1 AS east,
           round((y - (west & 1) * sqrt(3) * %(size)s / 2) / (sqrt(3) * %(size)s))::int
               AS west_j,
           round((y - ((west + 1) & 1) * sqrt(3) * %(size)s / 2) / (sqrt(3) * %(size)s))::int
               AS east_j
    FROM points
), nearest AS (
    SELECT (x - 1.5 * %(size)s * west) ^ 2
               + (y - sqrt(3) * %(size)s * (west_j + (west & 1) / 2.0)) ^ 2
           <= (x - 1.5 * %(size)s * east) ^ 2
               + (y - sqrt(3) * %(size)s * (east_j + (east & 1) / 2.0)) ^ 2 AS is_west,
           needs, west, west_j, east, east_j
    FROM columns
), cells AS (
    SELECT CASE WHEN is_west THEN west ELSE east END AS i,
           CASE WHEN is_west THEN west_j ELSE east_j END AS j,
           sum(needs)::bigint AS n
    FROM nearest
    GROUP BY 1, 2
)"""  # noqa: S608 – the fragments are constants of this module
# The polygon of hexagon (i, j), in British National Grid.
HEXAGON_OF_CELL = (
    f"ST_Hexagon(%(size)s, i, j, ST_SetSRID(ST_MakePoint(0, 0), {BRITISH_NATIONAL_GRID}))"
)

HEXAGON_COUNTS_SQL = f"""
WITH {HEXAGON_CELLS}, counted AS MATERIALIZED (
    SELECT {HEXAGON_OF_CELL} AS geom, n FROM cells
)
SELECT ST_AsGeoJSON(ST_Transform(counted.geom, %(srid)s), %(decimals)s), counted.n, {{place}}
FROM counted
WHERE ST_Intersects(
    counted.geom,
    (SELECT ST_Transform(boundary, {BRITISH_NATIONAL_GRID}) FROM accounts_council
     WHERE id = %(c)s))
ORDER BY counted.n DESC, ST_Y(ST_Centroid(counted.geom)) DESC, ST_X(ST_Centroid(counted.geom))
"""  # noqa: S608 – the fragments are constants of this module


def waiting_needs_by_hexagon(
    *,
    council_id: int,
    srid: int,
    decimals: int,
    recorded: tuple[dt.datetime, dt.datetime] | None = None,
    name_places: bool = False,
) -> list[tuple]:
    """Needs waiting for help on the hexagon grid over the council's area: each cell holding
    any, as a GeoJSON geometry in `srid` (coordinates to `decimals` places) with its count,
    most first. A need counts where it is published (its grid-cell centre), never at its
    exact point: a count must not narrow down where someone lives. Small counts are
    included: the caller suppresses them as it shows them.
    `recorded` limits the needs to those recorded in [start, end). With `name_places`, each
    cell also has its place name: the district (outward code) of the postcode nearest its
    centre, or None when no postcodes are loaded."""
    start, end = recorded or (None, None)
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            HEXAGON_COUNTS_SQL.format(
                where=f"""n.council_id = %(c)s AND {WAITING}
                 AND (%(start)s::timestamptz IS NULL OR n.created_at >= %(start)s)
                 AND (%(end)s::timestamptz IS NULL OR n.created_at < %(end)s)""",
                place=NEAREST_DISTRICT if name_places else "NULL",
            ),
            {
                "c": council_id,
                "size": HEX_SIZE_M,
                "srid": srid,
                "decimals": decimals,
                "start": start,
                "end": end,
            },
        )
        rows = cursor.fetchall()
    if name_places:
        return [(json.loads(geometry), count, place) for geometry, count, place in rows]
    return [(json.loads(geometry), count) for geometry, count, _place in rows]


# --- Ongoing help: the visit log ----------------------------------------------------------
# Group rows by the kind of help of the arrangement's need; `None` is every kind together.
TOTAL = None


class Median(Aggregate):
    """PostgreSQL's `percentile_cont(0.5)`: the median of an interval or a number."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


@dataclass
class OngoingFigures:
    hours: Decimal = Decimal(0)
    visits_done: int = 0
    visits_missed: int = 0
    active_arrangements: int = 0
    #: Median days from agreeing to ending, of arrangements that ended in the range.
    median_days_ended: float | None = None
    #: Median days so far of the arrangements running now.
    median_days_running: float | None = None
    welfare_opened: int = 0
    welfare_fine: int = 0
    welfare_needs: int = 0
    welfare_escalated: int = 0
    welfare_open: int = 0

    @property
    def missed_rate(self) -> float | None:
        """Missed visits / (done + missed), or None when there were neither."""
        due = self.visits_done + self.visits_missed
        return self.visits_missed / due if due else None

    @property
    def missed_percent(self) -> float | None:
        rate = self.missed_rate
        return None if rate is None else 100 * rate


def _days(value: dt.timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 86400


def _grouped(rows: QuerySet, key: str, **aggregates) -> dict[int | None, dict]:
    """The aggregates per value of `key`, and over all rows under `TOTAL`."""
    result: dict[int | None, dict] = {
        row[key]: row for row in rows.values(key).order_by().annotate(**aggregates)
    }
    result.pop(TOTAL, None)  # rows without a kind of help count only in the total
    result[TOTAL] = rows.aggregate(**aggregates)
    return result


def visits_due(*, council_id: int, start: dt.datetime, end: dt.datetime) -> QuerySet[Visit]:
    """The visits of one council's arrangements that were due to start in [start, end)."""
    return Visit.objects.filter(
        arrangement__council_id=council_id, starts_at__gte=start, starts_at__lt=end
    )


def ongoing_figures(
    *,
    council_id: int,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime | None = None,
) -> dict[int | None, OngoingFigures]:
    """The figures of ongoing help for one council and [start, end), by category id, with
    every kind together under `TOTAL` (checks without an arrangement count only there)."""
    now = now or timezone.now()
    category = "arrangement__match__need__category_id"
    done, missed = Q(status=Visit.Status.DONE), Q(status=Visit.Status.MISSED)
    visits = _grouped(
        visits_due(council_id=council_id, start=start, end=end),
        category,
        done=Count("id", filter=done),
        missed=Count("id", filter=missed),
        minutes=Sum("minutes_spent", filter=done),
    )
    arrangements = Arrangement.objects.filter(council_id=council_id)
    running_q = Q(status=Arrangement.Status.RUNNING)
    lengths = _grouped(
        arrangements.filter(
            running_q | Q(status=Arrangement.Status.ENDED, ended_at__gte=start, ended_at__lt=end)
        ),
        "match__need__category_id",
        running=Count("id", filter=running_q),
        ended_length=Median(
            ExpressionWrapper(F("ended_at") - F("created_at"), output_field=DurationField()),
            filter=Q(status=Arrangement.Status.ENDED),
            output_field=DurationField(),
        ),
        running_length=Median(
            ExpressionWrapper(
                Value(now, output_field=DateTimeField()) - F("created_at"),
                output_field=DurationField(),
            ),
            filter=running_q,
            output_field=DurationField(),
        ),
    )
    W = WelfareCheck
    welfare = _grouped(
        WelfareCheck.objects.filter(council_id=council_id, opened_at__gte=start, opened_at__lt=end),
        category,
        opened=Count("id"),
        fine=Count("id", filter=Q(status=W.Status.CLOSED, outcome=W.Outcome.FINE)),
        needs=Count("id", filter=Q(status=W.Status.CLOSED, outcome=W.Outcome.NEEDS_SOMETHING)),
        escalated=Count("id", filter=Q(status=W.Status.ESCALATED)),
        still_open=Count("id", filter=Q(status=W.Status.OPEN)),
    )
    figures: dict[int | None, OngoingFigures] = {}
    for key in {*visits, *lengths, *welfare}:
        v, a, w = visits.get(key, {}), lengths.get(key, {}), welfare.get(key, {})
        figures[key] = OngoingFigures(
            hours=(Decimal(v.get("minutes") or 0) / 60).quantize(Decimal("0.01")),
            visits_done=v.get("done") or 0,
            visits_missed=v.get("missed") or 0,
            active_arrangements=a.get("running") or 0,
            median_days_ended=_days(a.get("ended_length")),
            median_days_running=_days(a.get("running_length")),
            welfare_opened=w.get("opened") or 0,
            welfare_fine=w.get("fine") or 0,
            welfare_needs=w.get("needs") or 0,
            welfare_escalated=w.get("escalated") or 0,
            welfare_open=w.get("still_open") or 0,
        )
    return figures


def active_helper_ids(*, council_id: int) -> QuerySet:
    """Active helpers: people with an open offer in the council who are not suspended (the
    oversight figure and the vetting evidence count the same people)."""
    return (
        Offer.objects.filter(
            council_id=council_id, status=Offer.Status.OPEN, helper__suspended_at__isnull=True
        )
        .order_by()
        .values_list("helper_id", flat=True)
        .distinct()
    )
