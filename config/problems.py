"""Problem details (RFC 9457): the one shape of every error the API answers, 4xx and 5xx.

A problem is JSON sent as `application/problem+json`:

    {"type": "urn:kith:problem:invalid", "title": "The request has mistakes", "status": 400,
     "detail": "…", "code": "required", "errors": [{"field": "description", …}]}

`type` names the kind of problem (one of `PROBLEM_TYPES`, stable: clients may branch on it);
`code` is finer: the service's own refusal code (`stale_version`, `home_missing`, …) or DRF's
(`required`, `not_authenticated`, `throttled`, …). `errors` lists each field or query
parameter that was refused. `docs/api.md` ("Errors, limits and lists") lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import JsonResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:kith:problem:"


class FieldProblemSerializer(serializers.Serializer):
    """One refused field of the body, or one refused query parameter."""

    field = serializers.CharField(
        help_text=_("The field (dotted for nested ones: `slots.0.start`) or query parameter.")
    )
    location = serializers.ChoiceField(
        choices=["body", "query", "header"], help_text=_("Where the refused value was sent.")
    )
    pointer = serializers.CharField(
        allow_null=True,
        help_text=_("For the body, a JSON Pointer (RFC 6901) to the value: `/slots/0/start`."),
    )
    code = serializers.CharField(help_text=_("Why it was refused: `required`, `invalid`, …"))
    detail = serializers.CharField(help_text=_("What is wrong, in the request's language."))


class ProblemSerializer(serializers.Serializer):
    """An error answer (RFC 9457 problem details)."""

    type = serializers.CharField(help_text=_("The kind of problem: `urn:kith:problem:<kind>`."))
    title = serializers.CharField(
        help_text=_("A short summary of the kind, in the request's language.")
    )
    status = serializers.IntegerField(help_text=_("The HTTP status code."))
    detail = serializers.CharField(
        help_text=_("What went wrong this time, in the request's language.")
    )
    code = serializers.CharField(
        help_text=_("A stable code: the service's refusal code or DRF's (`stale_version`, …).")
    )
    # A declared field: DRF's metaclass takes it off the class, so `Serializer.errors` stays.
    errors = FieldProblemSerializer(  # type: ignore[assignment]
        many=True,
        required=False,
        help_text=_("Each refused field or query parameter (validation problems only)."),
    )


@dataclass(frozen=True)
class Kind:
    """One kind of problem: its `type` is `urn:kith:problem:<slug>`."""

    slug: str
    status: int
    title: Promise

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug


INVALID = Kind("invalid", 400, _("Some of what was sent is not right"))
MALFORMED = Kind("malformed", 400, _("The request could not be read"))
REFUSED = Kind("refused", 400, _("This cannot be done"))
UNAUTHENTICATED = Kind("unauthenticated", 401, _("Sign-in needed"))
FORBIDDEN = Kind("forbidden", 403, _("Not allowed"))
NOT_FOUND = Kind("not-found", 404, _("Not found"))
METHOD_NOT_ALLOWED = Kind("method-not-allowed", 405, _("Method not allowed"))
NOT_ACCEPTABLE = Kind("not-acceptable", 406, _("No answer in the format asked for"))
CONFLICT = Kind("conflict", 409, _("Changed since you read it"))
IN_PROGRESS = Kind("in-progress", 409, _("The same request is still being answered"))
TOO_LARGE = Kind("too-large", 413, _("The request is too large"))
UNSUPPORTED_MEDIA_TYPE = Kind("unsupported-media-type", 415, _("Unsupported body format"))
KEY_REUSED = Kind("idempotency-key-reused", 422, _("Idempotency key used for another request"))
RATE_LIMITED = Kind("rate-limited", 429, _("Too many requests"))
SERVER_ERROR = Kind("server-error", 500, _("Server error"))
UNAVAILABLE = Kind("unavailable", 503, _("Service unavailable"))

PROBLEM_TYPES: tuple[Kind, ...] = (
    INVALID,
    MALFORMED,
    REFUSED,
    UNAUTHENTICATED,
    FORBIDDEN,
    NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    CONFLICT,
    IN_PROGRESS,
    TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    KEY_REUSED,
    RATE_LIMITED,
    SERVER_ERROR,
    UNAVAILABLE,
)
_BY_STATUS = {kind.status: kind for kind in reversed(PROBLEM_TYPES)}
# Members a service's `extra` may never replace.
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "code", "errors", "instance"})


def kind_for_status(status: int) -> Kind:
    """The kind of an error status no exception named more precisely."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return SERVER_ERROR if status >= 500 else REFUSED if status == 400 else _generic(status)


def _generic(status: int) -> Kind:
    return Kind(f"http-{status}", status, _("The request was refused"))


def problem(
    kind: Kind,
    *,
    detail: str | Promise,
    code: str,
    errors: list[dict] | None = None,
    status: int | None = None,
    extra: dict | None = None,
) -> dict:
    """The problem document, its words in the active language."""
    body: dict = {
        "type": kind.type,
        "title": str(kind.title),
        "status": status or kind.status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    for name, value in (extra or {}).items():
        if name not in _STANDARD_MEMBERS:
            body[name] = value
    return body


def problem_response(body: dict, *, headers: dict | None = None) -> JsonResponse:
    """Sent as `application/problem+json` whatever the client asked for: an error is never
    rendered as a web page under /api/."""
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response) -> bool:
    return response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)


def field_errors(detail, *, location: str) -> list[dict]:
    """DRF's nested error detail (dicts of lists of `ErrorDetail`, lists for `many=True`) as a
    flat list: one entry per message, with the field's dotted name and JSON Pointer."""
    out: list[dict] = []
    _walk(detail, (), out, location)
    return out


def _walk(detail, path: tuple[str, ...], out: list[dict], location: str) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = str(key)
            _walk(value, path if key in _NON_FIELD_KEYS else (*path, key), out, location)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                # A list of dicts is `many=True`: the index is part of the path. An empty dict
                # is an item that had no mistakes.
                _walk(value, (*path, str(index)), out, location)
            else:
                _walk(value, path, out, location)
    else:
        field = ".".join(path)
        out.append(
            {
                "field": field,
                "location": location,
                "pointer": ("/" + "/".join(_escape(p) for p in path) if path else "")
                if location == "body"
                else None,
                "code": str(getattr(detail, "code", None) or "invalid"),
                "detail": str(detail),
            }
        )


_NON_FIELD_KEYS = frozenset({"non_field_errors", "detail", "__all__"})


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
