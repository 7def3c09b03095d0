"""How open data is answered: the same published figures as JSON, CSV (`text/csv`, with a
header row) or GeoJSON (`application/geo+json`), chosen by `?format=` or the `Accept` header;
the licence and context every answer carries; and the headers that let anyone use it from a
web page and keep it (`Access-Control-Allow-Origin: *`, `Cache-Control`, `ETag`,
`Last-Modified`, with conditional requests answered 304).

Only the open-data endpoints answer this way: the rest of the API keeps its own headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from rest_framework.renderers import BaseRenderer

from insights.disclosure import MIN_POSSIBLE_VALUES, ROUND_TO, SUPPRESS_BELOW

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
DOCUMENTATION = "docs/open-data.md"
# Published figures change only when a period is published: an hour is fresh enough.
MAX_AGE_SECONDS = 3600


class _PassThrough(BaseRenderer):
    """The body is made by the view; an error (a dict) is written as JSON."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class JsonRenderer(_PassThrough):
    media_type = "application/json"
    format = "json"


class CsvRenderer(_PassThrough):
    media_type = "text/csv"
    format = "csv"


class GeoJsonRenderer(_PassThrough):
    media_type = "application/geo+json"
    format = "geojson"


def licence() -> dict:
    return {
        "name": LICENCE_NAME,
        "url": LICENCE_URL,
        "attribution": _(
            "Contains public sector information licensed under the Open Government Licence v3.0."
        ),
    }


def metadata(*, title: str, status: str, last_modified: dt.datetime | None) -> dict:
    """The context every JSON and GeoJSON answer carries (CSV: the `Link` header)."""
    return {
        "title": title,
        "publisher": "Kith",
        "licence": licence(),
        "status": status,
        "last_modified": last_modified.isoformat() if last_modified else None,
        "time_zone": settings.TIME_ZONE,
        "disclosure_control": {
            "suppressed_below": SUPPRESS_BELOW,
            "rounded_to": ROUND_TO,
            "secondary_suppression": True,
            "min_possible_values": MIN_POSSIBLE_VALUES,
        },
        "documentation": DOCUMENTATION,
        "contact": settings.KITH_OPEN_DATA_CONTACT,
    }


def csv_body(header: list[str], rows: list[list]) -> bytes:
    """A CSV document with its header row; withheld figures are empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode()


def json_body(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def answer(
    request,
    *,
    body: bytes | Callable[[], bytes],
    content_type: str,
    last_modified: dt.datetime | None,
    max_age: int = MAX_AGE_SECONDS,
    etag: str | None = None,
    filename: str | None = None,
) -> HttpResponse:
    """The open-data answer: `body` with CORS, caching, licence and validators, or 304 Not
    Modified (no body) when the client's copy (If-None-Match / If-Modified-Since) is current.
    `body` may be a function, read only when it is sent (give `etag` then)."""
    response = HttpResponse(content_type=content_type)
    if etag is None:
        assert isinstance(body, bytes)
        etag = hashlib.sha256(body).hexdigest()
    response["ETag"] = quote_etag(etag)
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Link"
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Accept"])
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(last_modified.timestamp()) if last_modified else None,
        response=response,
    )
    if conditional is not None and conditional is not response:
        for header in ("Access-Control-Allow-Origin", "Link", "Vary"):
            conditional[header] = response[header]
        return conditional
    response.content = body if isinstance(body, bytes) else body()
    return response
