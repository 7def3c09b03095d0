"""Strict query parameters: an API request naming a query parameter its operation does not
take answers 400 with a problem naming it, instead of being answered as if it were not there
(`?status=closed` on a list that does not filter by status would return everything).

What an operation takes is declared once, on its view, and the schema documents the same:
- `query_serializer`: a DRF serializer whose fields are the parameters a `GET` takes (the
  view validates their values with it, and `extend_schema(parameters=[...])` documents it),
  or `query_parameters`, their names, where a name cannot be a field's (`from`);
- the paging parameters of a list (`config.pagination.query_parameters`).
Nothing else takes a query parameter: details, writes and deletes take none. The check runs
before the view (so before sign-in is looked at); the values are checked by the view."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
    SpectacularSwaggerView,
)

from . import problems
from .api import is_api_request
from .pagination import query_parameters

# The schema and its documentation pages take their own parameters (`?format=`, `?script=`).
_NOT_CHECKED = (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
    SpectacularSwaggerView,
)
UNKNOWN_PARAMETER = "unknown_parameter"


def accepted_parameters(view_class, method: str) -> frozenset[str]:
    """The query parameters `method` of `view_class` takes."""
    if method not in ("GET", "HEAD"):
        return frozenset()
    names: set[str] = set()
    query = getattr(view_class, "query_serializer", None)
    if query is not None:
        names |= set(query().fields)
    # Parameters whose names a serializer cannot declare (`from`): listed by name.
    names |= set(getattr(view_class, "query_parameters", ()))
    if getattr(view_class, "cursor_ordering", None) or hasattr(view_class, "list"):
        names |= query_parameters(view_class)
    return frozenset(names)


class StrictQueryMiddleware:
    """Refuses unknown query parameters under /api/ (module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if (
            view_class is None
            or not request.GET
            or not is_api_request(request)
            or issubclass(view_class, _NOT_CHECKED)
        ):
            return None
        accepted = accepted_parameters(view_class, request.method)
        unknown = sorted(name for name in request.GET if name not in accepted)
        if not unknown:
            return None
        if accepted:
            hint = _("This operation takes: %(names)s.") % {"names": ", ".join(sorted(accepted))}
        else:
            hint = _("This operation takes no query parameters.")
        errors = [
            {
                "field": name,
                "location": "query",
                "pointer": None,
                "code": UNKNOWN_PARAMETER,
                "detail": _("%(name)s is not a query parameter of this operation.") % {"name": name}
                + " "
                + hint,
            }
            for name in unknown
        ]
        body = problems.problem(
            problems.INVALID,
            detail=errors[0]["detail"]
            if len(errors) == 1
            else _("These are not query parameters of this operation: %(names)s.")
            % {"names": ", ".join(unknown)}
            + " "
            + hint,
            code=UNKNOWN_PARAMETER,
            errors=errors,
        )
        return problems.problem_response(body)
