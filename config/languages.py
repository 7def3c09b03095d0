"""The languages Kith speaks: English and Welsh (`settings.LANGUAGES`)."""

from __future__ import annotations

from django.utils import translation


def supported_language(code: str | None) -> str | None:
    """The language Kith speaks for `code` ("cy", "cy-GB", "en" …), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None
