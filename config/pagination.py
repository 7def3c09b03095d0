"""How every API list is paged (DRF's DEFAULT_PAGINATION_CLASS). A view says what it is, this
module decides how it pages:

- a list that grows without end (matches, messages) declares `cursor_ordering`, a tuple of
  fields ending in a unique one (`("-created_at", "-id")`), and pages by cursor: `?limit=`
  (1–100, default 20) and an opaque `?cursor=` taken from the `next` or `previous` link. The
  cursor holds the last row's place in that order, not an offset, so rows added or removed
  while someone pages neither repeat nor go missing. Answer: `{"next", "previous", "results"}`.
- any other list pages by number: `?page=` (from 1) and `?page_size=` (1–100, default 20).
  Answer: `{"count", "next", "previous", "results"}`.
- a list people sync declares `sync_field` (`"updated_at"`, or the nearest timestamp) and
  takes `?updated_after=<ISO 8601 time>`: only rows changed after it, oldest change first, by
  cursor whatever the list's own way of paging (a row changed while someone pages moves to the
  end, where they will read it). Keep the last row's `sync_field` value for the next sync.

A limit above the maximum, a page that does not exist, a cursor that is not one and a time
that is not a time are refused (400, naming the parameter), never silently corrected."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_aware
from django.utils.translation import gettext as _
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

PAGE, PAGE_SIZE = "page", "page_size"
CURSOR, LIMIT = "cursor", "limit"
UPDATED_AFTER = "updated_after"


def query_parameters(view) -> frozenset[str]:
    """The paging parameters a view's list takes (config.query reads them too)."""
    names = {CURSOR, LIMIT} if getattr(view, "cursor_ordering", None) else {PAGE, PAGE_SIZE}
    if getattr(view, "sync_field", None):
        names |= {UPDATED_AFTER, CURSOR, LIMIT}
    return frozenset(names)


def _refuse(name: str, message: str, code: str) -> ValidationError:
    return ValidationError({name: [ErrorDetail(message, code=code)]})


def _whole_number(params, name: str, *, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _refuse(name, _("Give a whole number."), "invalid") from None
    if value < low:
        raise _refuse(name, _("Give a number of at least %(low)d.") % {"low": low}, "min_value")
    if high is not None and value > high:
        raise _refuse(name, _("Give a number of at most %(high)d.") % {"high": high}, "max_value")
    return value


class KithPagination(BasePagination):
    """Pages a list by number or by cursor, as its view declares (module docstring)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        params = request.query_params
        sync_field = getattr(view, "sync_field", None)
        if sync_field and UPDATED_AFTER in params:
            if PAGE in params or PAGE_SIZE in params:
                raise _refuse(
                    PAGE,
                    _("Follow the next link to page through changes; page is not used then."),
                    "page_with_cursor",
                )
            queryset = queryset.filter(**{f"{sync_field}__gt": _time(params[UPDATED_AFTER])})
            self.mode = _Cursor((sync_field, "id"))
        elif getattr(view, "cursor_ordering", None):
            self.mode = _Cursor(tuple(view.cursor_ordering))
        else:
            # A list that pages by number takes `limit` and `cursor` only with `updated_after`;
            # alone they would be ignored, and a client would never know.
            for name in (LIMIT, CURSOR):
                if name in params:
                    raise _refuse(
                        name,
                        _(
                            "This list takes %(name)s only with updated_after; otherwise "
                            "page it with page and page_size."
                        )
                        % {"name": name},
                        "needs_updated_after",
                    )
            self.mode = _Pages()
        return self.mode.page(queryset, request)

    def get_paginated_response(self, data):
        return Response(self.mode.envelope(data, self.request))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": "How many in all (lists paged by number only).",
                },
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        described = {
            PAGE: ("integer", _("Page number, from 1.")),
            PAGE_SIZE: ("integer", _("Results per page, 1–%d (default %d).") % (MAX_LIMIT, 20)),
            CURSOR: ("string", _("Where to continue: from the next or previous link.")),
            LIMIT: ("integer", _("Results per page, 1–%d (default %d).") % (MAX_LIMIT, 20)),
            UPDATED_AFTER: (
                "string",
                _("Only rows changed after this time (ISO 8601 with a time zone)."),
            ),
        }
        return [
            {
                "name": name,
                "required": False,
                "in": "query",
                "description": str(described[name][1]),
                "schema": {"type": described[name][0]}
                | ({"format": "date-time"} if name == UPDATED_AFTER else {}),
            }
            for name in sorted(query_parameters(view))
        ]


def _time(raw: str) -> datetime:
    """The time asked for, in UTC. A well-formed time that is not one (an hour of 25, an offset
    of 16 hours, which PostgreSQL cannot store, or a year beyond 9999 once in UTC) is refused
    like a malformed one."""
    refused = _refuse(
        UPDATED_AFTER,
        _("Give a time in ISO 8601 with its time zone, such as 2026-01-31T09:00:00Z."),
        "invalid",
    )
    try:
        value = parse_datetime(raw.replace(" ", "+")) if raw else None
        if value is None or not is_aware(value):
            raise refused
        offset = value.utcoffset()
        if offset is None or abs(offset) >= timedelta(hours=16):
            raise refused
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise refused from None


class _Pages:
    def page(self, queryset, request):
        params = request.query_params
        size = _whole_number(params, PAGE_SIZE, default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        number = _whole_number(params, PAGE, default=1, low=1, high=None)
        paginator = Paginator(queryset, size)
        try:
            self.current = paginator.page(number)
        except InvalidPage:
            raise _refuse(
                PAGE,
                _("There is no page %(number)d: the last is %(last)d.")
                % {"number": number, "last": paginator.num_pages},
                "page_out_of_range",
            ) from None
        return list(self.current)

    def envelope(self, data, request) -> dict:
        url = request.build_absolute_uri()
        page = self.current
        previous = None
        if page.has_previous():
            previous = (
                remove_query_param(url, PAGE)
                if page.previous_page_number() == 1
                else replace_query_param(url, PAGE, page.previous_page_number())
            )
        return {
            "count": page.paginator.count,
            "next": replace_query_param(url, PAGE, page.next_page_number())
            if page.has_next()
            else None,
            "previous": previous,
            "results": data,
        }


class _Cursor:
    """Keyset paging over `ordering` (field names, `-` for descending; the last is unique)."""

    def __init__(self, ordering: Sequence[str]):
        self.ordering = tuple(ordering)
        self.fields = tuple(name.lstrip("-") for name in self.ordering)

    def page(self, queryset: QuerySet, request):
        params = request.query_params
        limit = _whole_number(params, LIMIT, default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
        backwards, place = self._decode(params.get(CURSOR))
        ordering = self.ordering
        if backwards:
            ordering = tuple(n[1:] if n.startswith("-") else f"-{n}" for n in ordering)
        if place is not None:
            queryset = queryset.filter(self._after(ordering, place))
        rows = list(queryset.order_by(*ordering)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        self.rows = rows
        # Forwards: more after this page if we saw one more; there is something before it if
        # we came from a cursor. Backwards: the other way round.
        self.has_next = more if not backwards else place is not None
        self.has_previous = place is not None if not backwards else more
        return rows

    def envelope(self, data, request) -> dict:
        url = request.build_absolute_uri()
        rows = self.rows
        return {
            "next": replace_query_param(url, CURSOR, self._encode(rows[-1], backwards=False))
            if rows and self.has_next
            else None,
            "previous": replace_query_param(url, CURSOR, self._encode(rows[0], backwards=True))
            if rows and self.has_previous
            else None,
            "results": data,
        }

    def _after(self, ordering: Sequence[str], place: list) -> Q:
        """Rows strictly after `place` in `ordering`: (a > x) or (a = x and b > y) or …"""
        condition = Q()
        for index, name in enumerate(ordering):
            field = name.lstrip("-")
            step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": place[index]})
            for earlier in range(index):
                step &= Q(**{self.fields[earlier]: place[earlier]})
            condition |= step
        return condition

    def _encode(self, row, *, backwards: bool) -> str:
        values = []
        for field in self.fields:
            value = getattr(row, field)
            values.append(value.isoformat() if isinstance(value, datetime) else value)
        payload = {"o": list(self.ordering), "p": values, "b": backwards}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _decode(self, cursor: str | None) -> tuple[bool, list | None]:
        if cursor is None:
            return False, None
        invalid = _refuse(
            CURSOR, _("This cursor is not one this list gave: start again without it."), "invalid"
        )
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = json.loads(raw)
        except (binascii.Error, ValueError):
            raise invalid from None
        if (
            not isinstance(payload, dict)
            or payload.get("o") != list(self.ordering)
            or not isinstance(payload.get("p"), list)
            or len(payload["p"]) != len(self.fields)
            or not isinstance(payload.get("b"), bool)
        ):
            raise invalid
        place = []
        for value in payload["p"]:
            if isinstance(value, str):
                value = parse_datetime(value)
                if value is None:
                    raise invalid
            elif not isinstance(value, int) or isinstance(value, bool):
                raise invalid
            place.append(value)
        return payload["b"], place
