"""Reads of published open data (`insights.models.OpenPublication`): what the open-data
endpoints serve, as flat rows. Nothing here counts needs: every figure was protected and
frozen when it was published (`insights.publication`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, QuerySet

from accounts.models import Council
from insights.models import OpenPublication
from insights.publication import MONTH, WEEK, month_end
from marketplace.models import Category

ALL_CATEGORIES = "all"


@dataclass(frozen=True)
class Rows:
    rows: list[dict]
    last_modified: dt.datetime | None


def _current(queryset: QuerySet[OpenPublication]) -> list[OpenPublication]:
    """The latest version of each council's period."""
    latest = {}
    for publication in queryset.select_related("council").order_by("period_start", "version"):
        latest[(publication.council_id, publication.period_start)] = publication
    return sorted(latest.values(), key=lambda p: (p.council.code, p.period_start))


def _publications(
    *, kind: str, council: Council | None, first: dt.date, last: dt.date, version: int | None
) -> list[OpenPublication]:
    queryset = OpenPublication.objects.filter(
        kind=kind, period_start__gte=first, period_start__lt=month_end(last)
    )
    if council is not None:
        queryset = queryset.filter(council=council)
    if version is not None:
        return sorted(
            queryset.filter(version=version).select_related("council"),
            key=lambda p: (p.council.code, p.period_start),
        )
    return _current(queryset)


def _last_modified(publications: list[OpenPublication]) -> dt.datetime | None:
    return max((p.computed_at for p in publications), default=None)


def _council_fields(council: Council) -> dict:
    return {"council_code": council.code, "council_name": council.name}


def monthly_rows(
    *, council: Council | None, first: dt.date, last: dt.date, version: int | None = None
) -> Rows:
    """Each published month's figures: a row per council, month and kind of help, and one
    for all kinds together (`category` "all")."""
    publications = _publications(
        kind=MONTH, council=council, first=first, last=last, version=version
    )
    rows = []
    for p in publications:
        figures = p.figures
        common = {
            **_council_fields(p.council),
            "month": p.period_start.strftime("%Y-%m"),
            "status": "final",
            "version": p.version,
            "published_at": p.computed_at.isoformat(),
            "correction_note": p.note,
        }
        categories = sorted(figures["needs_asked"]["by_category"])
        for category in [*categories, ALL_CATEGORIES]:
            row = {**common, "category": category}
            for measure in ("needs_asked", "needs_matched", "needs_fulfilled"):
                table = figures[measure]
                row[measure] = (
                    table["total"]
                    if category == ALL_CATEGORIES
                    else table["by_category"].get(category)
                )
            rows.append(row)
    return Rows(rows, _last_modified(publications))


def weekly_rows(*, council: Council | None, first: dt.date, last: dt.date) -> Rows:
    """Needs asked in each week of the months asked for: from the month's final figures once
    it is published, provisional before (each row says which)."""
    months = {
        (p.council_id, p.period_start): p
        for p in _publications(kind=MONTH, council=council, first=first, last=last, version=None)
    }
    weeks = _publications(kind=WEEK, council=council, first=first, last=last, version=None)
    rows = []
    for week in weeks:
        month = months.get((week.council_id, week.period_start.replace(day=1)))
        row = {
            **_council_fields(week.council),
            "week_start": week.period_start.isoformat(),
            "week_end": (week.period_end - dt.timedelta(days=1)).isoformat(),
            "month": week.period_start.strftime("%Y-%m"),
        }
        if month is not None:
            by_week = month.figures["needs_asked"]["by_week"]
            row |= {
                "status": "final",
                "version": month.version,
                "needs_asked": by_week.get(week.period_start.isoformat()),
            }
        else:
            row |= {
                "status": "provisional",
                "version": week.version,
                "needs_asked": week.figures["needs_asked"]["total"],
            }
        rows.append(row)
    return Rows(rows, _last_modified(weeks + list(months.values())))


@dataclass(frozen=True)
class Cell:
    cell: str
    month: str
    council_code: str
    needs_asked: int
    status: str
    version: int
    geometry: dict


def cells(
    *, council: Council, first: dt.date, last: dt.date, version: int | None = None
) -> tuple[list[Cell], dt.datetime | None]:
    """The hexagons shown in each published month of one council (withheld ones are left
    out), with their stable ids."""
    publications = _publications(
        kind=MONTH, council=council, first=first, last=last, version=version
    )
    found = [
        Cell(
            cell=cell,
            month=p.period_start.strftime("%Y-%m"),
            council_code=council.code,
            needs_asked=n,
            status="final",
            version=p.version,
            geometry=p.figures["cells"][cell],
        )
        for p in publications
        for cell, n in sorted(p.figures["needs_asked"]["by_cell"].items())
    ]
    return found, _last_modified(publications)


def latest_published_month(*, council: Council | None) -> dt.date | None:
    queryset = OpenPublication.objects.filter(kind=MONTH)
    if council is not None:
        queryset = queryset.filter(council=council)
    return queryset.aggregate(latest=Max("period_start"))["latest"]


def public_categories() -> list[dict]:
    """The kinds of help open data counts by, with their definitions (English and Welsh)."""
    return [
        {
            "category": c.slug,
            "name": c.name,
            "name_cy": c.name_cy,
            "definition": c.description,
            "definition_cy": c.description_cy,
        }
        for c in Category.objects.filter(is_active=True).order_by("sort_order", "name")
    ]


def public_councils() -> list[dict]:
    return [
        {
            "council_code": c.code,
            "council_name": c.name,
            "council_name_cy": c.name_cy,
            "slug": c.slug,
        }
        for c in Council.objects.filter(is_active=True).defer("boundary").order_by("code")
    ]
