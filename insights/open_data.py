"""Open data: public, anonymised statistics about each council's service, for anyone.

- `/api/v1/open/stats/`: needs asked for, matched and fulfilled per council, kind of help and
  month.
- `/api/v1/open/demand/`: needs waiting for help on a hexagon grid, as GeoJSON, counted in
  the background once per refresh period and served from storage with HTTP caching
  (`insights.demand_map`; docs/open-data.md).

No person, listing or exact place is ever in these answers. Any count under the suppression
threshold (`insights.measures`) is withheld (null in the statistics; the hexagon left out of
the map), so nobody can be picked out from them. The measures themselves are defined there.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
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
from core.db import lag_tolerant_cursor
from core.errors import ApplicationError
from insights import measures
from insights.demand_map import DEFAULT_PERIOD_SECONDS, demand_map_stored, fresh_for

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
    with lag_tolerant_cursor() as cursor:
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
    """Where needs are waiting for help, on a hexagon grid, as GeoJSON: the stored map, with
    the headers that let browsers, proxies and open-data tools keep it and ask again cheaply."""

    @extend_schema(
        summary="Open map of needs waiting for help (GeoJSON hexagons)",
        description=(
            "Public and anonymised: hexagons about 2 km across (WGS84 polygons) with the "
            "number of needs waiting for help in each. Hexagons with fewer than "
            f"{measures.SUPPRESS_BELOW} are left out.\n\n"
            "Each council's map is counted in the background every "
            f"{DEFAULT_PERIOD_SECONDS // 60} minutes (the deployment may choose another "
            "interval) and served as stored, so two requests in one interval get the same "
            "document. `Last-Modified` says when the counts last changed, `ETag` identifies "
            "the document, and `Cache-Control: public, max-age` says how long it may be kept: "
            "until the next count is due. Ask again with `If-None-Match` (or "
            "`If-Modified-Since`) to get `304 Not Modified`, with no body, while nothing has "
            "changed.\n\n"
            "A council whose map has never been counted (one just added to Kith) has it "
            "counted on its first request, which may then take a few seconds; the answer is "
            "always a map of the needs waiting when it was counted, never an empty placeholder."
        ),
        parameters=[
            OpenApiParameter(
                "council", OpenApiTypes.STR, required=True, description="A council's slug"
            ),
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="The ETag of the map you hold: 304 while it is still current.",
            ),
            OpenApiParameter(
                "If-Modified-Since",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="An HTTP date: 304 if the counts have not changed since.",
            ),
        ],
        responses={
            200: OpenApiResponse(
                inline_serializer(
                    name="OpenDemand",
                    fields={
                        "type": serializers.CharField(),
                        "features": serializers.ListField(child=serializers.DictField()),
                        "council": serializers.CharField(),
                        "suppressed_below": serializers.IntegerField(),
                    },
                ),
                description="The council's map as last counted, with ETag, Last-Modified and "
                "Cache-Control headers.",
            ),
            304: OpenApiResponse(
                description="Not modified: the map you hold (If-None-Match or "
                "If-Modified-Since) is still the current one."
            ),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        slug = request.query_params.get("council")
        if not slug:
            raise ApplicationError(_("Say which council, like ?council=leeds."), code="council")
        stored = demand_map_stored(council=_council(slug))
        response = HttpResponse(content_type="application/json")
        response["ETag"] = quote_etag(stored.etag)
        response["Last-Modified"] = http_date(stored.changed_at.timestamp())
        patch_cache_control(response, public=True, max_age=fresh_for(stored, now=timezone.now()))
        not_modified = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=int(stored.changed_at.timestamp()),
            response=response,
        )
        if not_modified is not response:
            return not_modified
        response.content = stored.document.encode()
        return response
