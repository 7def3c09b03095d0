"""Open data: public, anonymised statistics about each council's service, for anyone.

- `/api/v1/open/stats/`: needs asked for, matched and fulfilled per council, kind of help and
  month.
- `/api/v1/open/demand/`: needs waiting for help on a hexagon grid, as GeoJSON.

No person, listing or exact place is ever in these answers. Any count under the suppression
threshold (`insights.measures`) is withheld (null in the statistics; the hexagon left out of
the map), so nobody can be picked out from them. The measures themselves are defined there.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Council
from core.errors import ApplicationError
from insights import measures

MAX_MONTHS = 36

_STATS_SQL = f"""
SELECT c.slug, cat.slug, to_char(date_trunc('month', n.created_at AT TIME ZONE %(tz)s), 'YYYY-MM'),
       {measures.NEED_COUNTS}
FROM marketplace_need n
JOIN accounts_council c ON c.id = n.council_id AND c.is_active
JOIN marketplace_category cat ON cat.id = n.category_id
{measures.FIRST_MATCH}
WHERE n.created_at >= %(start)s AND n.created_at < %(end)s AND {measures.ASKED}
  AND (%(council)s::bigint IS NULL OR n.council_id = %(council)s)
GROUP BY 1, 2, 3
ORDER BY 1, 3, 2
"""  # noqa: S608 – the fragments are constants of insights.measures


# Months Kith can be asked about: a later year would overflow the month after it.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _month(value: str, *, name: str) -> dt.date:
    try:
        month = dt.datetime.strptime(value, "%Y-%m").replace(day=1).date()  # noqa: DTZ007
    except ValueError:
        month = None
    if month is None or not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise ApplicationError(
            _(
                "Give %(name)s as a year and month between %(first)s-01 and %(last)s-12, "
                "like 2026-01."
            )
            % {"name": name, "first": FIRST_YEAR, "last": LAST_YEAR},
            code="invalid_month",
        )
    return month


def _council(slug: str | None) -> Council | None:
    if not slug:
        return None
    council = Council.objects.filter(slug=slug, is_active=True).defer("boundary").first()
    if council is None:
        raise NotFound(_("There is no council with that name on Kith."))
    return council


def open_stats(*, council: Council | None, first: dt.date, last: dt.date) -> list[dict]:
    """Needs asked, matched and fulfilled per council, category and month (months
    `first`..`last`, inclusive), small counts withheld."""
    start, end = measures.month_range(first, last)
    with connection.cursor() as cursor:
        cursor.execute(
            _STATS_SQL,
            {
                "tz": str(timezone.get_current_timezone()),
                "start": start,
                "end": end,
                "council": council.pk if council else None,
            },
        )
        rows = cursor.fetchall()
    return [
        {
            "council": council_slug,
            "category": category_slug,
            "month": month,
            "needs_asked": measures.suppress(asked),
            "needs_matched": measures.suppress(matched),
            "needs_fulfilled": measures.suppress(fulfilled),
        }
        for council_slug, category_slug, month, asked, matched, fulfilled in rows
    ]


def open_demand(*, council: Council) -> dict:
    """A GeoJSON FeatureCollection of the hexagons (about 2 km across) holding at least
    `SUPPRESS_BELOW` needs that are waiting for help now; the others are left out."""
    cells = measures.waiting_needs_by_hexagon(council_id=council.pk, srid=4326, decimals=5)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": geometry, "properties": {"open_needs": n}}
            for geometry, n in cells
            if not measures.is_suppressed(n)
        ],
        "council": council.slug,
        "suppressed_below": measures.SUPPRESS_BELOW,
    }


# --- API -------------------------------------------------------------------------------------
# The refusals both endpoints can give, documented for clients and schema-driven fuzzers.
ERROR_RESPONSES = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description='Refused: "detail" says why.'),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No council with that slug."),
}


class _PublicApi(APIView):
    """Open to anyone, signed in or not."""

    authentication_classes = []
    permission_classes = [AllowAny]


def _stats_row_fields() -> dict:
    return {
        "council": serializers.CharField(),
        "category": serializers.CharField(),
        "month": serializers.CharField(help_text=gettext_lazy("YYYY-MM")),
        "needs_asked": serializers.IntegerField(allow_null=True),
        "needs_matched": serializers.IntegerField(allow_null=True),
        "needs_fulfilled": serializers.IntegerField(allow_null=True),
    }


class OpenStatsApi(_PublicApi):
    """Needs asked for, matched and fulfilled, per council, kind of help and month."""

    @extend_schema(
        summary="Open statistics per council, kind of help and month",
        description=(
            f"Public and anonymised. Any count under {measures.SUPPRESS_BELOW} is null "
            "(withheld), so that nobody can "
            "be picked out. Months are of when the need was asked for; drafts and needs "
            "turned down by moderators are not counted."
        ),
        parameters=[
            OpenApiParameter("council", OpenApiTypes.STR, description="A council's slug"),
            OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM"),
            OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM"),
        ],
        responses={
            200: inline_serializer(
                name="OpenStats",
                fields={
                    "suppressed_below": serializers.IntegerField(),
                    "results": inline_serializer(
                        name="OpenStatsRow", fields=_stats_row_fields(), many=True
                    ),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        this_month = timezone.localdate().replace(day=1)
        last = (
            _month(request.query_params["to"], name="to")
            if "to" in request.query_params
            else this_month
        )
        default_first = (last - dt.timedelta(days=365)).replace(day=1)
        first = (
            _month(request.query_params["from"], name="from")
            if "from" in request.query_params
            else default_first
        )
        if first > last:
            raise ApplicationError(_("The first month must not be after the last."), code="order")
        if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
            raise ApplicationError(
                _("Ask for at most %(count)s months at a time.") % {"count": MAX_MONTHS},
                code="too_many_months",
            )
        council = _council(request.query_params.get("council"))
        return Response(
            {
                "suppressed_below": measures.SUPPRESS_BELOW,
                "results": open_stats(council=council, first=first, last=last),
            }
        )


class OpenDemandApi(_PublicApi):
    """Where needs are waiting for help, on a hexagon grid, as GeoJSON."""

    @extend_schema(
        summary="Open map of needs waiting for help (GeoJSON hexagons)",
        description=(
            "Public and anonymised: hexagons about 2 km across (WGS84 polygons) with the "
            "number of needs waiting for help in each. Hexagons with fewer than "
            f"{measures.SUPPRESS_BELOW} are left out."
        ),
        parameters=[
            OpenApiParameter(
                "council", OpenApiTypes.STR, required=True, description="A council's slug"
            )
        ],
        responses={
            200: inline_serializer(
                name="OpenDemand",
                fields={
                    "type": serializers.CharField(),
                    "features": serializers.ListField(child=serializers.DictField()),
                    "council": serializers.CharField(),
                    "suppressed_below": serializers.IntegerField(),
                },
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        slug = request.query_params.get("council")
        if not slug:
            raise ApplicationError(_("Say which council, like ?council=leeds."), code="council")
        return Response(open_demand(council=_council(slug)))
