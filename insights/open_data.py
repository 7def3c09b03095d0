"""Open data: public, keyless, anonymised statistics about each council's service
(docs/open-data.md).

- `/api/v1/open/stats/`: each closed month's published figures — needs asked, matched and
  fulfilled, per council and kind of help (JSON or CSV);
- `/api/v1/open/stats/weekly/`: needs asked per council and week of the month, provisional
  until the month's final figures are published (JSON or CSV);
- `/api/v1/open/cells/`: a council's published months on the hexagon grid, with stable cell
  ids and the month (GeoJSON or CSV);
- `/api/v1/open/demand/`: the weekly snapshot map of needs waiting for help (GeoJSON);
- `/api/v1/open/categories/` and `/api/v1/open/councils/`: the kinds of help, with their
  definitions, and the councils, by ONS code and name.

Every figure is read from what was published (`insights.publication`, `insights.selectors`):
nothing is counted in a request, so a moderator's decision, an erasure or a late change never
shows in the figures of a period already published. Formats, licence and headers are those of
`insights.open_formats`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.models import Council
from core.errors import ApplicationError
from insights import selectors
from insights.demand_map import DEFAULT_PERIOD_SECONDS, demand_map_stored, fresh_for
from insights.open_formats import (
    CsvRenderer,
    GeoJsonRenderer,
    JsonRenderer,
    answer,
    csv_body,
    json_body,
    metadata,
)

MAX_MONTHS = 36
# Months Kith can be asked about: a later year would overflow the month after it.
FIRST_YEAR, LAST_YEAR = 2000, 2999

STATS_COLUMNS = [
    "council_code",
    "council_name",
    "month",
    "category",
    "needs_asked",
    "needs_matched",
    "needs_fulfilled",
    "status",
    "version",
    "published_at",
    "correction_note",
]
WEEKLY_COLUMNS = [
    "council_code",
    "council_name",
    "month",
    "week_start",
    "week_end",
    "needs_asked",
    "status",
    "version",
]
CELL_COLUMNS = ["cell", "month", "council_code", "needs_asked", "status", "version"]


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


def _council(value: str | None) -> Council | None:
    """A council by its ONS code (E08000035) or its slug."""
    if not value:
        return None
    councils = Council.objects.filter(is_active=True).defer("boundary")
    council = councils.filter(code=value).first() or councils.filter(slug=value).first()
    if council is None:
        raise NotFound(_("There is no council with that code or name on Kith."))
    return council


def _months(request, *, default_last: dt.date | None) -> tuple[dt.date, dt.date]:
    params = request.query_params
    this_month = timezone.localdate().replace(day=1)
    last = _month(params["to"], name="to") if "to" in params else (default_last or this_month)
    default_first = (last - dt.timedelta(days=365)).replace(day=1)
    first = _month(params["from"], name="from") if "from" in params else default_first
    if first > last:
        raise ApplicationError(_("The first month must not be after the last."), code="order")
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise ApplicationError(
            _("Ask for at most %(count)s months at a time.") % {"count": MAX_MONTHS},
            code="too_many_months",
        )
    return first, last


def _version(request, *, single: bool) -> int | None:
    raw = request.query_params.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1 or not single:
        raise ApplicationError(
            _("Ask for a version (1, 2, …) of one council's month: give council, from and to."),
            code="invalid_version",
        )
    return int(raw)


def _table(request, *, title: str, status: str, columns: list[str], rows, filename: str):
    """JSON (`{"metadata": …, "results": […]}`) or CSV, as the request asks."""
    if request.accepted_renderer.format == "csv":
        body = csv_body(columns, [[row[c] for c in columns] for row in rows.rows])
        content_type = "text/csv; charset=utf-8"
    else:
        document = {
            "metadata": metadata(title=title, status=status, last_modified=rows.last_modified),
            "results": rows.rows,
        }
        body, content_type = json_body(document), "application/json"
    return answer(
        request,
        body=body,
        content_type=content_type,
        last_modified=rows.last_modified,
        filename=filename if request.accepted_renderer.format == "csv" else None,
    )


# --- Schema ------------------------------------------------------------------------------------
ERROR_RESPONSES = {
    400: OpenApiResponse(description='Refused: "detail" says why.'),
    404: OpenApiResponse(description="No council with that code or slug."),
    406: OpenApiResponse(description="None of the formats asked for (Accept) is offered."),
}
NOT_MODIFIED = OpenApiResponse(
    description="Not modified: the copy you hold (If-None-Match or If-Modified-Since) is current."
)
CONDITIONAL = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        description="The ETag of the answer you hold: 304 while it is still current.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        location=OpenApiParameter.HEADER,
        description="An HTTP date: 304 if nothing was published since.",
    ),
]
COUNCIL = OpenApiParameter(
    "council", OpenApiTypes.STR, description="A council's ONS code (E08000035) or slug"
)
MONTHS = [
    OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM"),
    OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM"),
]
VERSION = OpenApiParameter(
    "version",
    OpenApiTypes.INT,
    description="An earlier version of one council's month (give council, and from = to)",
)


def _format(*choices: str) -> OpenApiParameter:
    return OpenApiParameter(
        "format",
        OpenApiTypes.STR,
        enum=list(choices),
        description="The format, instead of the Accept header: " + ", ".join(choices),
    )


HEADERS_NOTE = (
    "Open to anyone, without a key, from any web page (`Access-Control-Allow-Origin: *`). "
    "Published figures only: each closed month is counted after it ends (Europe/London), from "
    "moderated needs, and frozen; counts under 10 are withheld (null), the others rounded to "
    "the nearest 5, and more are withheld where totals could uncover a hidden one. Licensed "
    "under the Open Government Licence v3.0 (in `metadata.licence`, and a `Link: rel=license` "
    "header). Cached (`Cache-Control: public`), with `ETag` and `Last-Modified`: ask again "
    "with `If-None-Match` or `If-Modified-Since` to get 304 Not Modified."
)


class _OpenApi(APIView):
    """Open to anyone, signed in or not, without a key."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JsonRenderer, CsvRenderer]


class OpenStatsApi(_OpenApi):
    """Each closed month's published figures, per council and kind of help."""

    query_parameters = ("council", "from", "to", "version", "format")

    @extend_schema(
        summary="Open statistics per council, kind of help and month (published, final)",
        description=HEADERS_NOTE
        + "\n\nA row per council, month and kind of help, and one for all kinds together "
        '(`category` "all"). Needs asked in the month; of those, matched and fulfilled by its '
        "end. `version` above 1 is a correction (`correction_note` says why). JSON by default; "
        "CSV with `?format=csv` or `Accept: text/csv`.",
        parameters=[COUNCIL, *MONTHS, VERSION, _format("json", "csv"), *CONDITIONAL],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        council = _council(request.query_params.get("council"))
        latest = selectors.latest_published_month(council=council)
        first, last = _months(request, default_last=latest)
        version = _version(request, single=council is not None and first == last)
        rows = selectors.monthly_rows(council=council, first=first, last=last, version=version)
        return _table(
            request,
            title="Kith: needs asked, matched and fulfilled, per council, kind of help and month",
            status="final",
            columns=STATS_COLUMNS,
            rows=rows,
            filename="kith-open-statistics.csv",
        )


class OpenWeeklyApi(_OpenApi):
    """Needs asked per council and week of the month: provisional until the month is final."""

    query_parameters = ("council", "from", "to", "format")

    @extend_schema(
        summary="Open weekly series: needs asked per council and week (provisional)",
        description=HEADERS_NOTE
        + "\n\nWeeks of the month: days 1–7, 8–14, 15–21, 22–28 and the 29th to the end. Each "
        "week is counted when it closes and marked `provisional`; once its month's final "
        "figures are published, the week's row is the month's and says `final`. Months are "
        "given by `from`/`to`.",
        parameters=[COUNCIL, *MONTHS, _format("json", "csv"), *CONDITIONAL],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        council = _council(request.query_params.get("council"))
        first, last = _months(request, default_last=None)
        rows = selectors.weekly_rows(council=council, first=first, last=last)
        return _table(
            request,
            title="Kith: needs asked per council and week of the month",
            status="provisional",
            columns=WEEKLY_COLUMNS,
            rows=rows,
            filename="kith-open-weekly.csv",
        )


class OpenCellsApi(_OpenApi):
    """A council's published months on the hexagon grid."""

    renderer_classes = [GeoJsonRenderer, CsvRenderer, JsonRenderer]
    query_parameters = ("council", "from", "to", "version", "format")

    @extend_schema(
        summary="Open map of needs asked per hexagon and month (GeoJSON, published)",
        description=HEADERS_NOTE
        + "\n\nA GeoJSON FeatureCollection (`application/geo+json`): a feature per hexagon "
        "and month shown, its `id` the cell id and month (`H1000-353-247/2026-11`). Cell ids "
        "come from the grid (British National Grid hexagons of 1 km centre to corner: size, "
        "column, row), so the same hexagon has the same id in every month and council. "
        "Hexagons whose count is withheld are left out. CSV (`?format=csv`) has the same "
        "rows without the shapes. By default, the latest published month.",
        parameters=[
            OpenApiParameter(
                "council",
                OpenApiTypes.STR,
                required=True,
                description="A council's ONS code (E08000035) or slug",
            ),
            *MONTHS,
            VERSION,
            _format("geojson", "csv", "json"),
            *CONDITIONAL,
        ],
        responses={
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        council = _council(request.query_params.get("council"))
        if council is None:
            raise ApplicationError(_("Say which council, like ?council=E08000035."), code="council")
        first, last = _months(
            request, default_last=selectors.latest_published_month(council=council)
        )
        if "from" not in request.query_params:
            first = last
        version = _version(request, single=first == last)
        found, last_modified = selectors.cells(
            council=council, first=first, last=last, version=version
        )
        if request.accepted_renderer.format == "csv":
            body = csv_body(
                CELL_COLUMNS, [[getattr(c, column) for column in CELL_COLUMNS] for c in found]
            )
            return answer(
                request,
                body=body,
                content_type="text/csv; charset=utf-8",
                last_modified=last_modified,
                filename="kith-open-cells.csv",
            )
        document = {
            "type": "FeatureCollection",
            "metadata": metadata(
                title=f"Kith: needs asked per hexagon and month, {council.name}",
                status="final",
                last_modified=last_modified,
            ),
            "council_code": council.code,
            "council_name": council.name,
            "features": [
                {
                    "type": "Feature",
                    "id": f"{c.cell}/{c.month}",
                    "geometry": c.geometry,
                    "properties": {
                        "cell": c.cell,
                        "month": c.month,
                        "council_code": c.council_code,
                        "needs_asked": c.needs_asked,
                        "status": c.status,
                        "version": c.version,
                    },
                }
                for c in found
            ],
        }
        return answer(
            request,
            body=json_body(document),
            content_type=request.accepted_renderer.media_type,
            last_modified=last_modified,
        )


class OpenDemandApi(_OpenApi):
    """Where moderated needs were waiting for help when the week's snapshot was taken."""

    renderer_classes = [GeoJsonRenderer, JsonRenderer]
    query_parameters = ("council", "format")

    @extend_schema(
        summary="Open map of needs waiting for help (GeoJSON hexagons, weekly snapshot)",
        description=HEADERS_NOTE
        + "\n\nA snapshot of the moderated needs waiting for help, taken once a week "
        f"({DEFAULT_PERIOD_SECONDS // 86400} days; the deployment may choose another "
        "interval), by hexagon (the cell ids of `/open/cells/`), through the same rule. Two "
        "requests in one week get the same document; `Cache-Control: max-age` runs until the "
        "next snapshot is due. A council that has none yet has it taken on its first request.",
        parameters=[
            OpenApiParameter(
                "council",
                OpenApiTypes.STR,
                required=True,
                description="A council's ONS code (E08000035) or slug",
            ),
            _format("geojson", "json"),
            *CONDITIONAL,
        ],
        responses={
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
            304: NOT_MODIFIED,
            **ERROR_RESPONSES,
        },
    )
    def get(self, request):
        value = request.query_params.get("council")
        if not value:
            raise ApplicationError(_("Say which council, like ?council=E08000035."), code="council")
        stored = demand_map_stored(council=_council(value))
        return answer(
            request,
            body=lambda: stored.document.encode(),
            content_type=request.accepted_renderer.media_type,
            last_modified=stored.changed_at,
            max_age=fresh_for(stored, now=timezone.now()),
            etag=stored.etag,
        )


class OpenCategoriesApi(_OpenApi):
    """The kinds of help open data counts by, with their definitions."""

    query_parameters = ("format",)

    @extend_schema(
        summary="Open data: kinds of help and their definitions",
        description=HEADERS_NOTE.split(" Published figures only")[0]
        + " The `category` of every row of open data is one of these.",
        parameters=[_format("json", "csv"), *CONDITIONAL],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            406: ERROR_RESPONSES[406],
        },
    )
    def get(self, request):
        rows = selectors.Rows(selectors.public_categories(), None)
        return _table(
            request,
            title="Kith: kinds of help",
            status="reference",
            columns=["category", "name", "name_cy", "definition", "definition_cy"],
            rows=rows,
            filename="kith-categories.csv",
        )


class OpenCouncilsApi(_OpenApi):
    """The councils on Kith, by ONS code and name."""

    query_parameters = ("format",)

    @extend_schema(
        summary="Open data: councils by ONS code and name",
        description=HEADERS_NOTE.split(" Published figures only")[0],
        parameters=[_format("json", "csv"), *CONDITIONAL],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            406: ERROR_RESPONSES[406],
        },
    )
    def get(self, request):
        rows = selectors.Rows(selectors.public_councils(), None)
        return _table(
            request,
            title="Kith: councils",
            status="reference",
            columns=["council_code", "council_name", "council_name_cy", "slug"],
            rows=rows,
            filename="kith-councils.csv",
        )
