"""Every error under /api/ is one shape: a problem document (RFC 9457) sent as
`application/problem+json`, with a stable `type` per kind, the services' own `code`, field
errors for validation, and its words in the request's language (docs/api.md, "Errors, limits
and lists")."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from config.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, ProblemSerializer
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

NEED = {
    "category": "dog-walking",
    "title": "Walk my spaniel",
    "description": "He is friendly and likes the park.",
    "location": {"lat": 53.80, "lon": -1.55},
    "slots": [{"weekday": 0, "start": "09:00", "end": "11:00"}],
}
MEMBERS = {"type", "title", "status", "detail", "code"}


def _problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body.keys() >= MEMBERS, body
    assert body["type"] == f"urn:kith:problem:{kind}"
    assert body["status"] == status
    # The documented shape (config.problems.ProblemSerializer) reads it back unchanged.
    assert ProblemSerializer(data=body).is_valid(), ProblemSerializer(data=body).errors
    return body


@pytest.fixture
def citizen():
    return make.person(council=make.CouncilFactory(), display_name="Margaret")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_validation_names_each_field_with_a_pointer(citizen):
    body = {**NEED, "title": "", "slots": [{"weekday": 9, "start": "nine", "end": "11:00"}]}
    response = client_for(citizen).post("/api/v1/needs/", body, format="json")
    problem = _problem(response, 400, "invalid")
    assert problem["code"] == "invalid"
    errors = {e["field"]: e for e in problem["errors"]}
    assert set(errors) == {"title", "slots.0.weekday", "slots.0.start"}
    assert errors["title"] == {
        "field": "title",
        "location": "body",
        "pointer": "/title",
        "code": "blank",
        "detail": "This field may not be blank.",
    }
    assert errors["slots.0.start"]["pointer"] == "/slots/0/start"
    assert errors["slots.0.weekday"]["code"] == "max_value"


def test_one_mistake_is_also_the_detail(citizen):
    response = client_for(citizen).post("/api/v1/needs/", {**NEED, "title": ""}, format="json")
    problem = _problem(response, 400, "invalid")
    assert (problem["detail"], problem["code"]) == ("This field may not be blank.", "blank")


def test_a_service_refusal_keeps_its_code(citizen):
    outside = {**NEED, "location": {"lat": 51.5, "lon": -0.12}}
    response = client_for(citizen).post("/api/v1/needs/", outside, format="json")
    problem = _problem(response, 400, "refused")
    assert problem["detail"] == "Kith is not available in your area yet."
    assert problem["code"] == "not_available"
    assert "errors" not in problem


def test_a_stale_version_is_a_409_conflict(citizen):
    api = client_for(citizen)
    pk = api.post("/api/v1/needs/", NEED, format="json").json()["id"]
    assert api.patch(f"/api/v1/needs/{pk}/", {"version": 1}, format="json").status_code == 200
    stale = api.patch(f"/api/v1/needs/{pk}/", {"version": 1, "title": "x"}, format="json")
    problem = _problem(stale, 409, "conflict")
    assert problem["code"] == "stale_version"


def test_not_signed_in_is_401_with_www_authenticate():
    response = APIClient().get("/api/v1/me/")
    problem = _problem(response, 401, "unauthenticated")
    assert problem["code"] == "not_authenticated"
    assert response["WWW-Authenticate"]


def test_staff_without_a_second_factor_get_403():
    staff = make.staff(council=make.council(), mfa=False)
    response = client_for(staff).get("/api/v1/staff/review/needs/")
    problem = _problem(response, 403, "forbidden")
    assert "two-factor" in problem["detail"] or "authenticator" in problem["detail"]


@pytest.mark.parametrize("path", ["/api/v1/needs/999999/", "/api/v1/no-such-thing/"])
def test_not_found_is_the_same_problem_however_it_arises(citizen, path):
    problem = _problem(client_for(citizen).get(path), 404, "not-found")
    assert (problem["detail"], problem["code"]) == ("Not found.", "not_found")


def test_method_not_allowed_keeps_allow(citizen):
    response = client_for(citizen).delete("/api/v1/needs/")
    problem = _problem(response, 405, "method-not-allowed")
    assert problem["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_not_acceptable(citizen):
    response = client_for(citizen).get("/api/v1/needs/", HTTP_ACCEPT="application/xml")
    problem = _problem(response, 406, "not-acceptable")
    assert problem["code"] == "not_acceptable"


def test_a_form_body_is_415(citizen):
    response = client_for(citizen).post("/api/v1/needs/", {"title": "x"}, format="multipart")
    _problem(response, 415, "unsupported-media-type")


def test_malformed_json_is_400(citizen):
    response = client_for(citizen).post(
        "/api/v1/needs/", "{not json", content_type="application/json"
    )
    problem = _problem(response, 400, "malformed")
    assert problem["code"] == "parse_error"


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_body_too_large_is_413(citizen):
    body = json.dumps({**NEED, "description": "x" * 2000})
    response = client_for(citizen).post("/api/v1/needs/", body, content_type="application/json")
    problem = _problem(response, 413, "too-large")
    assert problem["code"] == "too_large"


def test_a_nul_byte_in_the_address_is_400():
    problem = _problem(Client().get("/api/v1/needs/?q=%00"), 400, "malformed")
    assert problem["code"] == "nul_character"


def test_an_unknown_query_parameter_is_named(citizen):
    response = client_for(citizen).get("/api/v1/needs/?status=closed")
    problem = _problem(response, 400, "invalid")
    assert problem["code"] == "unknown_parameter"
    assert problem["errors"] == [
        {
            "field": "status",
            "location": "query",
            "pointer": None,
            "code": "unknown_parameter",
            "detail": "status is not a query parameter of this operation. This operation "
            "takes: cursor, limit, page, page_size, updated_after.",
        }
    ]


def test_operations_without_parameters_take_none(citizen):
    need = make.need(owner=citizen)
    response = client_for(citizen).get(f"/api/v1/needs/{need.pk}/?expand=owner")
    problem = _problem(response, 400, "invalid")
    assert problem["errors"][0]["field"] == "expand"
    assert "takes no query parameters" in problem["detail"]
    # A write takes none either.
    response = client_for(citizen).post("/api/v1/needs/?draft=1", NEED, format="json")
    assert _problem(response, 400, "invalid")["errors"][0]["field"] == "draft"


def test_a_known_parameter_with_a_bad_value_is_named(citizen):
    response = client_for(citizen).get("/api/v1/needs/near/?max_distance_m=abc")
    problem = _problem(response, 400, "invalid")
    assert [(e["field"], e["location"], e["pointer"]) for e in problem["errors"]] == [
        ("max_distance_m", "query", None)
    ]


def test_the_schema_and_its_pages_keep_their_own_parameters(client):
    assert client.get("/api/v1/docs/?script=").status_code == 200


@pytest.fixture
def tight_limit():
    cache.clear()
    rates = {"user": "2/min", "anon": "2/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        yield
    cache.clear()


def test_rate_limited_is_429_with_retry_after_and_rate_limit_headers(citizen, tight_limit):
    api = client_for(citizen)
    first = api.get("/api/v1/me/")
    assert first.status_code == 200
    assert (first["RateLimit-Limit"], first["RateLimit-Remaining"]) == ("2", "1")
    assert first["RateLimit-Policy"] == "2;w=60"
    assert 0 < int(first["RateLimit-Reset"]) <= 60
    assert api.get("/api/v1/me/")["RateLimit-Remaining"] == "0"
    refused = api.get("/api/v1/me/")
    problem = _problem(refused, 429, "rate-limited")
    assert problem["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
    assert "too many requests" in problem["detail"]


def test_problems_speak_welsh(citizen, tight_limit):
    response = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="cy")
    problem = _problem(response, 401, "unauthenticated")
    assert problem["title"] == "Rhaid mewngofnodi"
    assert problem["detail"] != "Authentication credentials were not provided."
    api = client_for(citizen)
    for _ in range(2):
        api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="cy")
    limited = _problem(api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="cy"), 429, "rate-limited")
    assert limited["title"] == "Gormod o geisiadau"


def test_every_kind_has_a_title_in_both_languages():
    for kind in PROBLEM_TYPES:
        with translation.override("cy"):
            welsh = str(kind.title)
        with translation.override("en"):
            english = str(kind.title)
        assert welsh and welsh != english, kind.slug
