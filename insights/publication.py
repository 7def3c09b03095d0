"""Open data published, not live: each council's figures for a period are counted once the
period has closed, from moderated needs only, protected (`insights.disclosure`) and stored
frozen (`insights.models.OpenPublication`). Nothing in the database changes them afterwards —
not a rejection, an erasure or a late moderation.

- **Months** (final): needs asked in the month, and of those how many were matched and
  fulfilled by its end; by kind of help, by hexagon of the grid (`measures.HEXAGON_CELLS`,
  stable cell ids such as `H1000-353-247`) and, for needs asked, by week of the month.
- **Weeks** (provisional): the needs asked in each week of the month (days 1–7, 8–14, 15–21,
  22–28 and 29 to the end), council-wide, counted as soon as the week closes. They are
  carried into their month's table as published, so that the month's figures cannot be set
  against them to uncover a withheld week (or the other way round).

Periods are in Europe/London local time (`settings.TIME_ZONE`): a month is from midnight on its
first day to midnight on the first day of the next, whether GMT or BST.

Re-publication: the beat job publishes each closed period once, and never again (figures
frozen). An operator may rebuild a period (`manage.py publish_open_data`) with a reason: if the
figures come out the same nothing is stored; if not, they are a new version, numbered, with
the reason as its note, and the earlier version stays published as it was (`?version=`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import logging
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Council
from core.audit import audit_record
from core.db import lag_tolerant_cursor
from insights import measures
from insights.disclosure import Breakdown, protect
from insights.models import OpenPublication
from marketplace.models import Category

logger = logging.getLogger(__name__)

MONTH: str = OpenPublication.Kind.MONTH.value
WEEK: str = OpenPublication.Kind.WEEK.value
_LOCK_SPACE = zlib.crc32(b"insights.publication") - 2**31

# Needs asked in [start, end) by kind of help and week of the month (0 for days 1–7, ... 4 for
# the 29th on), with how many were matched and fulfilled by the end.
_COUNTS_SQL = f"""
SELECT cat.slug,
       least((extract(day FROM n.created_at AT TIME ZONE %(tz)s)::int - 1) / 7, 4),
       count(*), count(*) FILTER (WHERE {measures.MATCHED_BY_END}),
       count(*) FILTER (WHERE {measures.FULFILLED_BY_END})
FROM marketplace_need n
JOIN marketplace_category cat ON cat.id = n.category_id
{measures.FIRST_MATCH}
WHERE n.council_id = %(c)s AND n.created_at >= %(start)s AND n.created_at < %(end)s
  AND {measures.MODERATED}
GROUP BY 1, 2
"""  # noqa: S608 – the fragments are constants of insights.measures

_CELLS_SQL = f"""
WITH {measures.HEXAGON_CELLS}
SELECT i, j, n, ST_AsGeoJSON(ST_Transform({measures.HEXAGON_OF_CELL}, 4326), 5)
FROM cells ORDER BY i, j
"""  # noqa: S608 – the fragments are constants of insights.measures

_ASKED_WHERE = (
    "n.council_id = %(c)s AND n.created_at >= %(start)s AND n.created_at < %(end)s "
    f"AND {measures.MODERATED}"
)


def cell_id(i: int, j: int) -> str:
    """A hexagon's id, from the grid alone: its size in metres, column and row. The same
    hexagon has the same id in every period and every council."""
    return f"H{measures.HEX_SIZE_M}-{i}-{j}"


# --- Periods -----------------------------------------------------------------------------------
def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def month_end(month: dt.date) -> dt.date:
    """The first day of the month after `month`'s."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1]) + dt.timedelta(1)


def weeks_of(month: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The weeks of a month: days 1–7, 8–14, 15–21, 22–28 and the 29th to the end (if any),
    each as (first day, day after the last)."""
    end = month_end(month)
    starts = [month + dt.timedelta(days=7 * k) for k in range(5)]
    return [
        (start, min(start + dt.timedelta(days=7), end) if k < 4 else end)
        for k, start in enumerate(starts)
        if start < end
    ]


def week_holding(day: dt.date) -> tuple[dt.date, dt.date]:
    return next(w for w in weeks_of(day.replace(day=1)) if w[0] <= day < w[1])


def closed_periods(*, today: dt.date, months_back: int = 2) -> list[tuple[str, dt.date]]:
    """The periods that have closed by `today` (local): the last `months_back` months and the
    weeks of the current and previous months, oldest first — what the job makes sure is
    published."""
    periods = []
    month = today.replace(day=1)
    for back in range(months_back, 0, -1):
        m = month
        for _ in range(back):
            m = (m - dt.timedelta(days=1)).replace(day=1)
        periods += [(WEEK, s) for s, _e in weeks_of(m)]
        periods.append((MONTH, m))
    periods += [(WEEK, s) for s, e in weeks_of(month) if e <= today]
    return periods


def period_end(kind: str, start: dt.date) -> dt.date:
    return month_end(start) if kind == MONTH else week_holding(start)[1]


# --- Counting and protecting -------------------------------------------------------------------
@dataclass
class MonthCounts:
    """The true counts of one council's month, before the rule: never published as such."""

    asked: dict[str, int]
    matched: dict[str, int]
    fulfilled: dict[str, int]
    weeks: dict[str, int]
    cells: dict[str, int]
    geometries: dict[str, dict]


def _params(council: Council, start: dt.date, end: dt.date) -> dict:
    return {
        "c": council.pk,
        "start": local_midnight(start),
        "end": local_midnight(end),
        "tz": settings.TIME_ZONE,
        "size": measures.HEX_SIZE_M,
    }


def month_counts(*, council: Council, month: dt.date) -> MonthCounts:
    end = month_end(month)
    categories = list(Category.objects.filter(is_active=True).values_list("slug", flat=True))
    counts = MonthCounts(
        asked=dict.fromkeys(categories, 0),
        matched=dict.fromkeys(categories, 0),
        fulfilled=dict.fromkeys(categories, 0),
        weeks={start.isoformat(): 0 for start, _e in weeks_of(month)},
        cells={},
        geometries={},
    )
    week_keys = list(counts.weeks)
    params = _params(council, month, end)
    with lag_tolerant_cursor() as cursor:
        cursor.execute(_COUNTS_SQL, params)
        for slug, week, asked, matched, fulfilled in cursor.fetchall():
            for table, n in ((counts.asked, asked), (counts.matched, matched)):
                table[slug] = table.get(slug, 0) + n
            counts.fulfilled[slug] = counts.fulfilled.get(slug, 0) + fulfilled
            counts.weeks[week_keys[week]] += asked
    counts.cells, counts.geometries = needs_by_cell(where=_ASKED_WHERE, params=params)
    return counts


def needs_by_cell(*, where: str, params: dict) -> tuple[dict[str, int], dict[str, dict]]:
    """The needs `where` selects, counted by hexagon (every hexagon holding any, wherever it
    lies, so that the cells add up to the council's total): counts and WGS84 polygons by id."""
    counts, geometries = {}, {}
    with lag_tolerant_cursor() as cursor:
        cursor.execute(_CELLS_SQL.format(where=where), {"size": measures.HEX_SIZE_M, **params})
        for i, j, n, geometry in cursor.fetchall():
            counts[cell_id(i, j)] = n
            geometries[cell_id(i, j)] = json.loads(geometry)
    return counts, geometries


def week_asked(*, council: Council, start: dt.date, end: dt.date) -> int:
    with lag_tolerant_cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM marketplace_need n WHERE {_ASKED_WHERE}",  # noqa: S608
            _params(council, start, end),
        )
        return cursor.fetchone()[0]


def _current(council: Council, kind: str, start: dt.date) -> OpenPublication | None:
    return (
        OpenPublication.objects.filter(council=council, kind=kind, period_start=start)
        .order_by("-version")
        .first()
    )


def _published_weeks(council: Council, month: dt.date) -> dict[str, int | None]:
    """The provisional weekly figures of `month` as published (current versions)."""
    published = {}
    for start, _end in weeks_of(month):
        week = _current(council, WEEK, start)
        if week is not None:
            published[start.isoformat()] = week.figures["needs_asked"]["total"]
    return published


def asked_table(counts: MonthCounts, *, published_weeks: dict) -> tuple[int, list[Breakdown]]:
    """The table of needs asked in a month: its total and its three breakdowns."""
    return sum(counts.asked.values()), [
        Breakdown("by_category", counts.asked),
        Breakdown("by_week", counts.weeks, published=published_weeks),
        Breakdown("by_cell", counts.cells, hidden_together=True),
    ]


def protect_month(counts: MonthCounts, *, published_weeks: dict) -> dict:
    """A month's true counts as they may be published: every figure through the rule."""
    asked = protect(*asked_table(counts, published_weeks=published_weeks))
    figures = {"needs_asked": {"total": asked.total, **asked.breakdowns}}
    for name, table in (("needs_matched", counts.matched), ("needs_fulfilled", counts.fulfilled)):
        protected = protect(sum(table.values()), [Breakdown("by_category", table)])
        figures[name] = {"total": protected.total, **protected.breakdowns}
    figures["cells"] = {cell: counts.geometries[cell] for cell in asked.breakdowns["by_cell"]}
    return figures


def month_figures(*, council: Council, month: dt.date) -> dict:
    """One council's month as it may be published."""
    return protect_month(
        month_counts(council=council, month=month),
        published_weeks=_published_weeks(council, month),
    )


def week_figures(*, council: Council, start: dt.date) -> dict:
    asked = protect(week_asked(council=council, start=start, end=period_end(WEEK, start)), [])
    return {"needs_asked": {"total": asked.total}}


# --- Publishing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Published:
    publication: OpenPublication
    created: bool


def publish(
    *,
    council: Council,
    kind: str,
    period_start: dt.date,
    now: dt.datetime | None = None,
    reason: str = "",
    actor=None,
) -> Published:
    """Publish one council's figures for a closed period. Without `reason` (the beat job) a
    period already published is left as it is; with one (an operator's correction) the figures
    are counted again and stored as the next version if they differ. Refuses a period that
    has not closed."""
    now = now or timezone.now()
    end = period_end(kind, period_start)
    if local_midnight(end) > now:
        raise ValueError(f"the {kind} from {period_start} has not closed yet")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, council.pk])
        current = _current(council, kind, period_start)
        if current is not None and not reason:
            return Published(current, created=False)
        if kind == MONTH:
            figures = month_figures(council=council, month=period_start)
        else:
            figures = week_figures(council=council, start=period_start)
        if current is not None and current.figures == figures:
            logger.info(
                "open data unchanged",
                extra={"event": "open_data_unchanged", "council_id": council.pk, "kind": kind},
            )
            return Published(current, created=False)
        digest = hashlib.sha256(
            json.dumps(figures, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
        publication = OpenPublication.objects.create(
            council=council,
            kind=kind,
            period_start=period_start,
            period_end=end,
            version=current.version + 1 if current else 1,
            computed_at=now,
            note=reason[:300],
            figures=figures,
            etag=digest,
        )
        audit_record(
            actor=actor,
            verb="open_data.published",
            target=publication,
            council=council,
            data={
                "kind": kind,
                "period_start": period_start.isoformat(),
                "version": publication.version,
                "correction": bool(current),
            },
        )
    logger.info(
        "open data published",
        extra={
            "event": "open_data_published",
            "council_id": council.pk,
            "kind": kind,
            "period_start": period_start.isoformat(),
            "version": publication.version,
        },
    )
    return Published(publication, created=True)


def publish_closed_periods(*, now: dt.datetime | None = None) -> dict:
    """What the beat job does: every active council's closed periods that are not published
    yet, published (weeks before their month, so that the month can carry them)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    done = {"published": 0, "already": 0, "failed": 0}
    periods = closed_periods(today=today)
    for council in Council.objects.filter(is_active=True).defer("boundary").order_by("pk"):
        for kind, start in periods:
            try:
                result = publish(council=council, kind=kind, period_start=start, now=now)
            except Exception:
                logger.exception(
                    "open data not published",
                    extra={"event": "open_data_failed", "council_id": council.pk, "kind": kind},
                )
                done["failed"] += 1
                continue
            done["published" if result.created else "already"] += 1
    return done
