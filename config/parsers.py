"""Request body parsers for the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, UnsupportedMediaType

NESTED_TOO_DEEPLY = "JSON parse error - the document is nested too deeply."
JSON_ONLY = _(
    "Send the body as JSON, with the header Content-Type: application/json. "
    "Forms and multipart bodies are not accepted."
)


def json_only() -> UnsupportedMediaType:
    """The API reads JSON bodies only (DEFAULT_PARSER_CLASSES): a 415 says what to send."""
    return UnsupportedMediaType(media_type="", detail=JSON_ONLY)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that a document nested deeper than Python's decoder can
    follow (thousands of brackets) is a 400 like any other malformed JSON, not a server
    error: the decoder raises RecursionError, which DRF does not catch."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(NESTED_TOO_DEEPLY) from None
