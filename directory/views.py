"""Kith's Open Referral UK feed, open to anyone without a key (`/oruk/`): the API's
description, the services listed in pages, and each service in full. JSON, readable from any
web page (`Access-Control-Allow-Origin: *`), cached for an hour, with an `ETag` so that a
reader that already has the answer gets `304 Not Modified`."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.links import absolute_url

from . import feed

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
CACHE_SECONDS = 3600


def _answer(request, payload: dict, status: int = 200) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if status == 200 and etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, status=status, content_type="application/json")
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Vary"] = "Accept-Encoding"
    return response


def _problem(request, status: int, detail: str) -> HttpResponse:
    titles = {400: "Bad Request", 404: "Not Found"}
    return _answer(request, {"status": status, "title": titles[status], "detail": detail}, status)


def _positive(raw: str | None, default: int) -> int | None:
    if raw is None or raw == "":
        return default
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


@require_GET
def api_root(request):
    return _answer(
        request,
        {
            "version": feed.HSDS_VERSION,
            "profile": feed.PROFILE_URL,
            "openapi_url": absolute_url(reverse("oruk_openapi")),
        },
    )


@require_GET
def services(request):
    page = _positive(request.GET.get("page"), 1)
    per_page = _positive(request.GET.get("per_page"), DEFAULT_PER_PAGE)
    if page is None or per_page is None:
        return _problem(request, 400, _("“page” and “per_page” must be whole numbers above 0."))
    if per_page > MAX_PER_PAGE:
        return _problem(
            request, 400, _("“per_page” can be at most %(max)s.") % {"max": MAX_PER_PAGE}
        )
    councils = list(feed.councils_published())
    search = (request.GET.get("search") or "").strip().lower()
    if search:
        councils = [c for c in councils if search in feed.service_summary(c)["name"].lower()]
    term = request.GET.get("taxonomy_term_id")
    if term:
        councils = feed.councils_offering(term, councils)
    shown = councils[(page - 1) * per_page : page * per_page]
    return _answer(
        request,
        feed.page_of(
            [feed.service_summary(c) for c in shown],
            page=page,
            per_page=per_page,
            total=len(councils),
        ),
    )


@require_GET
def service(request, service_id: str):
    council = feed.council_of_service(service_id)
    if council is None:
        return _problem(request, 404, _("There is no service with this id."))
    return _answer(request, feed.service_full(council))


@require_GET
def openapi(request):
    """The part of the Open Referral UK API that Kith answers, for validators and readers."""
    page = {"type": "object", "properties": {"contents": {"type": "array"}}}
    return _answer(
        request,
        {
            "openapi": "3.0.0",
            "info": {
                "title": "Kith — Open Referral UK feed",
                "version": feed.HSDS_VERSION,
                "license": {
                    "name": "Open Government Licence v3.0",
                    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                },
            },
            "paths": {
                "/": {"get": {"responses": {"200": {"description": "About this API."}}}},
                "/services": {
                    "get": {
                        "parameters": [
                            {"name": n, "in": "query", "schema": {"type": t}}
                            for n, t in (
                                ("page", "integer"),
                                ("per_page", "integer"),
                                ("search", "string"),
                                ("taxonomy_term_id", "string"),
                            )
                        ],
                        "responses": {
                            "200": {
                                "description": "A page of services.",
                                "content": {"application/json": {"schema": page}},
                            }
                        },
                    }
                },
                "/services/{id}": {
                    "get": {
                        "parameters": [
                            {
                                "name": "id",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                        ],
                        "responses": {
                            "200": {"description": "The service in full."},
                            "404": {"description": "No service with this id."},
                        },
                    }
                },
            },
        },
    )
