"""What the published OpenAPI schema says of every operation, written once (drf-spectacular's
post-processing hook, `SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`).

- Request bodies are JSON only: the API parses nothing else (`DEFAULT_PARSER_CLASSES`), so a
  generated client never sends a nested body as a form.
- Every error answer an operation can give is documented with the one problem-details shape
  (`config.problems.ProblemSerializer`): 400, 404 and 429 everywhere; 401 and 403 where a
  sign-in is needed; 415 where there is a body; 409 where the body carries the `version` the
  caller read; 409 and 422 where an `Idempotency-Key` header is taken. `error_response` is the
  one place that says what an error answer looks like.
- A view that answers one of several types (a need as its owner, staff or anyone else sees it)
  is a `oneOf` of closed objects: each body matches exactly one of them.

The schema is also kept in the repository (`docs/api/openapi.json`, written by `make schema`
through `snapshot_write`), with its fingerprint in the newest entry of `docs/api-changelog.md`:
a test fails when the live schema and the snapshot differ, or the changelog does not name it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.views import APIView

from config.problems import PROBLEM_CONTENT_TYPE, ProblemSerializer

SNAPSHOT = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"
CHANGELOG = Path(settings.BASE_DIR) / "docs" / "api-changelog.md"
JSON = "application/json"
PROBLEM_COMPONENT = "Problem"

ERRORS = {
    "400": "Refused: a field, a query parameter or a rule; the problem says which and why.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Not allowed (staff: a second factor is needed).",
    "404": "Not found, or not yours: the two are never told apart.",
    "409": "Someone changed this since you read it (read it again and use its new version), "
    "or a request with the same Idempotency-Key is still being answered.",
    "415": "The body must be JSON, sent with Content-Type: application/json.",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Too many requests: wait the number of seconds in Retry-After.",
}
EVERYWHERE = ("400", "404", "429")
SIGNED_IN = ("401", "403")
IDEMPOTENCY_KEY = "idempotency-key"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    """A personal access token, sent as `Authorization: Bearer kith_pat_…`."""

    target_class = "config.authentication.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token made on your account pages or at "
            "/api/v1/me/tokens/ (`Authorization: Bearer kith_pat_…`).",
        }


class OAuthScheme(OpenApiAuthenticationExtension):
    """An application acting for a person: OAuth 2.0 authorisation code with PKCE."""

    target_class = "config.authentication.OAuth2Authentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "/oauth/authorize/",
                    "tokenUrl": "/oauth/token/",
                    "scopes": dict(settings.OAUTH2_PROVIDER["SCOPES"]),
                }
            },
        }


def error_response(code: str) -> dict[str, Any]:
    """The documented answer for an error status: the problem-details component."""
    return {
        "description": ERRORS.get(code, "Refused."),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _ref(PROBLEM_COMPONENT)}}},
    }


def postprocess(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    _add_problem_components(schemas, generator, request)
    for methods in result.get("paths", {}).values():
        for method, operation in methods.items():
            if method in HTTP_METHODS:
                _json_bodies_only(operation)
                _document_errors(operation, schemas)
    _close_one_of_members(result, schemas)
    return result


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _add_problem_components(schemas: dict, generator, request: Any) -> None:
    auto = AutoSchema()
    auto.registry = generator.registry
    auto.view = APIView()
    auto.view.request = request
    auto.method = "GET"
    auto.path = "/"
    component = auto.resolve_serializer(ProblemSerializer(), "response")
    built = generator.registry.build({}).get("schemas", {})
    for name, schema in built.items():
        schemas.setdefault(name, schema)
    if component.name != PROBLEM_COMPONENT:
        schemas[PROBLEM_COMPONENT] = schemas[component.name]


def _json_bodies_only(operation: dict) -> None:
    body = operation.get("requestBody")
    if not body:
        return
    content = body.get("content", {})
    for media_type in list(content):
        if media_type != JSON:
            del content[media_type]


def _document_errors(operation: dict, schemas: dict) -> None:
    responses = operation.setdefault("responses", {})
    codes = set(EVERYWHERE)
    if _needs_sign_in(operation):
        codes.update(SIGNED_IN)
    if operation.get("requestBody"):
        codes.add("415")
        if _carries_version(operation["requestBody"], schemas):
            codes.add("409")
    if any(
        p.get("in") == "header" and p.get("name", "").lower() == IDEMPOTENCY_KEY
        for p in operation.get("parameters", [])
    ):
        codes.update(("409", "422"))
    # Errors an operation documents itself keep their status, in the one shape.
    codes.update(code for code in responses if code[:1] in "45")
    for code in sorted(codes):
        responses[code] = error_response(code)


def _needs_sign_in(operation: dict) -> bool:
    """An operation anyone may call lists the empty security requirement (`{}`)."""
    return {} not in operation.get("security", [{}])


def _carries_version(body: dict, schemas: dict) -> bool:
    schema = body.get("content", {}).get(JSON, {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith(_ref("")):
        schema = schemas.get(ref.removeprefix(_ref("")), {})
    return "version" in schema.get("properties", {})


def _close_one_of_members(result: dict, schemas: dict) -> None:
    """Members of a `oneOf` that extend one another (the owner's view of a need has every
    field of the public view) would each match a body unless their objects are closed."""
    for ref in _one_of_refs(result):
        member = schemas.get(ref.removeprefix(_ref("")))
        if member is not None and member.get("type") == "object":
            member["additionalProperties"] = False


def _one_of_refs(node: Any) -> set[str]:
    refs: set[str] = set()
    if isinstance(node, dict):
        for item in node.get("oneOf", []):
            if isinstance(item, dict) and "$ref" in item:
                refs.add(item["$ref"])
        for value in node.values():
            refs |= _one_of_refs(value)
    elif isinstance(node, list):
        for value in node:
            refs |= _one_of_refs(value)
    return refs


# --- The snapshot ----------------------------------------------------------------------------
def schema_document() -> dict[str, Any]:
    """The schema as `/api/v1/schema/?format=json` serves it, in English."""
    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return json.loads(OpenApiJsonRenderer().render(schema))


def canonical(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def fingerprint(schema: dict[str, Any]) -> str:
    """What the changelog names: the first 12 hex digits of the canonical form's SHA-256."""
    return hashlib.sha256(canonical(schema).encode()).hexdigest()[:12]


def snapshot_write(path: Path = SNAPSHOT) -> str:
    schema = schema_document()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(canonical(schema), encoding="utf-8")
    return fingerprint(schema)
